from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "siyu.commerce"
    label = "commerce"
    verbose_name = "商城与佣金"

    def ready(self) -> None:
        import datetime as dt

        from siyu.commerce import scope_rules, services, tasks  # noqa: F401 - scope rules, merge movers
        from siyu.core.schedule import every

        every("commerce.cancel_unpaid", dt.timedelta(minutes=5), tasks.cancel_unpaid.enqueue)
