from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "siyu.tracking"
    label = "tracking"
    verbose_name = "数据埋点"

    def ready(self) -> None:
        from siyu.tracking import scope_rules, services  # noqa: F401 - scope rules, merge movers
