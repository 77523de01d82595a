"""Background tasks of the WeCom app."""

from django_tasks import task


@task()
def process_callback(event_id: int) -> str:
    """Apply one stored callback (see events.callback_process); idempotent."""
    from siyu.wecom.events import callback_process

    return callback_process(event_id)


@task()
def drain_callbacks() -> int:
    """Process every pending callback, in batches where a kind allows (see events)."""
    from siyu.wecom.events import callbacks_drain

    return callbacks_drain()


@task()
def retry_failed_callbacks() -> int:
    from siyu.wecom.events import callbacks_retry_due

    return callbacks_retry_due()
