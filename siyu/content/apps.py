from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "siyu.content"
    label = "content"
    verbose_name = "内容中台"

    def ready(self) -> None:
        import datetime as dt

        from siyu.content import scope_rules, services, tasks  # noqa: F401 - scope rules, merge movers
        from siyu.core.schedule import every

        every("content.expire_due", dt.timedelta(minutes=5), tasks.expire_due.enqueue)
        every(
            "content.poll_moment_tasks", dt.timedelta(minutes=10), tasks.poll_moment_tasks.enqueue
        )
