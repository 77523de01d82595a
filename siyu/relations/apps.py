from django.apps import AppConfig


class RelationsConfig(AppConfig):
    name = "siyu.relations"
    label = "relations"
    verbose_name = "导购关系"

    def ready(self) -> None:
        from siyu.relations import handlers, scope_rules  # noqa: F401  (callback handlers, scope rules)
