from django.apps import AppConfig


class GuideTasksConfig(AppConfig):
    name = "siyu.guidetasks"
    label = "guidetasks"
    verbose_name = "导购任务"

    def ready(self) -> None:
        import datetime as dt

        from siyu.core.schedule import every
        from siyu.guidetasks import scope_rules, services, tasks  # noqa: F401  (scope rules, merge movers)

        every("guidetasks.detect", dt.timedelta(minutes=5), tasks.detect.enqueue)
        every("guidetasks.remind", dt.timedelta(minutes=15), tasks.remind.enqueue)
        every("guidetasks.standings", dt.timedelta(hours=1), tasks.standings.enqueue)
