from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "siyu.members"
    label = "members"
    verbose_name = "会员"

    def ready(self) -> None:
        import datetime as dt

        from siyu.core.schedule import every
        from siyu.members import scope_rules, services, tasks  # noqa: F401  (rules, merge and org hooks)

        every("members.merges_sweep", dt.timedelta(minutes=10), tasks.merges_sweep.enqueue)
