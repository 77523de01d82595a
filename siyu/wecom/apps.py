from django.apps import AppConfig


class WecomConfig(AppConfig):
    name = "siyu.wecom"
    label = "wecom"
    verbose_name = "企业微信"

    def ready(self) -> None:
        import datetime as dt

        from siyu.core.schedule import every
        from siyu.wecom import tasks

        every(
            "wecom.retry_failed_callbacks",
            dt.timedelta(minutes=1),
            tasks.retry_failed_callbacks.enqueue,
        )
