"""Background tasks for relationships: sending and polling transfers."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from siyu.relations import services
from siyu.relations.models import Transfer, TransferStatus

FALLBACK_AFTER = dt.timedelta(hours=24)


@task()
def send_transfers(handover_userid: str) -> int:
    return services.transfer_send(handover_userid=handover_userid)


@task()
def send_due_transfers() -> int:
    """Transfers queued for a day with no choice made go to their (fallback) takeover."""
    due = (
        Transfer.objects.filter(
            status=TransferStatus.QUEUED, requested_at__lte=timezone.now() - FALLBACK_AFTER
        )
        .values_list("handover_userid", flat=True)
        .distinct()
    )
    return sum(services.transfer_send(handover_userid=userid) for userid in due)


@task()
def poll_transfers() -> int:
    return services.transfer_poll()


@task()
def reconcile_friendships() -> int:
    """Nightly: repair what lost callbacks missed; returns how many rows changed."""
    from siyu.relations.models import SyncKind
    from siyu.relations.sync import sync_run

    run = sync_run(kind=SyncKind.RECONCILE)
    return run.added + run.updated + run.ended
