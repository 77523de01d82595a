"""Background tasks of the WeCom app."""

from django_tasks import task


@task()
def process_callback(event_id: int) -> str:
    """Apply one stored callback (see events.callback_process); idempotent."""
    from siyu.wecom.events import callback_process

    return callback_process(event_id)


@task()
def retry_failed_callbacks() -> int:
    from siyu.wecom.events import callbacks_retry_due

    return callbacks_retry_due()
