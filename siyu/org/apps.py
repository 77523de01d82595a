from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "siyu.org"
    label = "org"
    verbose_name = "组织"

    def ready(self) -> None:
        from siyu.org import scope_rules  # noqa: F401  (registers the org models' scope rules)
