from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "siyu.members"
    label = "members"
    verbose_name = "会员"

    def ready(self) -> None:
        from siyu.members import scope_rules, services  # noqa: F401  (rules, merge and org hooks)
