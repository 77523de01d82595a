from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "siyu.core"
    label = "core"

    def ready(self) -> None:
        from siyu.core.sql import register_sqlite_adapters

        register_sqlite_adapters()
