"""The nightly loyalty run: tier evaluation, then points expiry (thin, idempotent)."""

from django_tasks import task

from siyu.loyalty import services


@task()
def nightly() -> dict:
    return services.nightly_run()
