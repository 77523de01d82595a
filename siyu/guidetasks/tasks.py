"""Background jobs of guide tasks: thin, idempotent, each one service call."""

from django_tasks import task

from siyu.guidetasks import contests, services


@task()
def detect() -> int:
    return services.assignments_detect()


@task()
def remind() -> int:
    return services.reminders_send()


@task()
def standings() -> int:
    return contests.standings_refresh()
