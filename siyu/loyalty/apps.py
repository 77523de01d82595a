from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "siyu.loyalty"
    label = "loyalty"
    verbose_name = "会员权益"

    def ready(self) -> None:
        import datetime as dt

        from siyu.core.schedule import every
        from siyu.loyalty import scope_rules, services, tasks  # noqa: F401  (scope rules, merge movers)

        every("loyalty.nightly", dt.timedelta(days=1), tasks.nightly.enqueue)
