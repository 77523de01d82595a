"""Background tasks of the core app (Django Tasks API)."""

from django.core.management import call_command
from django_tasks import task


@task()
def prune_task_results() -> None:
    """Drop finished task results older than a week, so the task table stays small."""
    call_command("prune_db_task_results", "--min-age-days", "7", verbosity=0)
