from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "siyu.commerce"
    label = "commerce"
    verbose_name = "商城与佣金"

    def ready(self) -> None:
        from siyu.commerce import scope_rules  # noqa: F401 - registers the scope rules
