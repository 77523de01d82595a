"""Background jobs of members (thin, idempotent)."""

import logging

from django_tasks import task

from siyu.members import services

logger = logging.getLogger(__name__)


@task()
def merges_sweep() -> int:
    """Move what reached merged customers after their merge (services.customer_merges_sweep)."""
    swept = services.customer_merges_sweep()
    for merge_id, moved in swept.items():
        logger.info("merge %s: moved late %s", merge_id, moved)
    return len(swept)
