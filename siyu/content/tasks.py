"""Background jobs of the content hub: thin, idempotent, calling services."""

from django_tasks import task


@task()
def expire_due() -> int:
    from siyu.content.services import content_expire_due

    return content_expire_due()


@task()
def poll_moment_tasks() -> int:
    from siyu.content.services import moment_tasks_poll

    return moment_tasks_poll()
