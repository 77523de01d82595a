from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "siyu.commerce"
    label = "commerce"
    verbose_name = "商城与佣金"

    def ready(self) -> None:
        import datetime as dt

        from siyu.commerce import scope_rules, tasks  # noqa: F401 - registers the scope rules
        from siyu.core.schedule import every

        every("commerce.cancel_unpaid", dt.timedelta(minutes=5), tasks.cancel_unpaid.enqueue)
