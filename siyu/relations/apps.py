from django.apps import AppConfig


class RelationsConfig(AppConfig):
    name = "siyu.relations"
    label = "relations"
    verbose_name = "导购关系"

    def ready(self) -> None:
        import datetime as dt

        from siyu.core.schedule import every
        from siyu.relations import handlers, scope_rules, tasks  # noqa: F401  (callback handlers, scope rules)

        every("relations.poll_transfers", dt.timedelta(minutes=10), tasks.poll_transfers.enqueue)
        every(
            "relations.send_due_transfers", dt.timedelta(hours=1), tasks.send_due_transfers.enqueue
        )
        every(
            "relations.reconcile_friendships",
            dt.timedelta(days=1),
            tasks.reconcile_friendships.enqueue,
        )
