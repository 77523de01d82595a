"""Background jobs of commerce (thin, idempotent)."""

from django_tasks import task

from siyu.commerce import services


@task()
def cancel_unpaid() -> int:
    return services.orders_cancel_unpaid()
