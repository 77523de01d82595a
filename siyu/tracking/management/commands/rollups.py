"""`siyu rollups check` compares the stored rollups with a recomputation from the raw events;
`siyu rollups rebuild` replaces them with it (after a bug, or a restore of raw events)."""

from django.core.management.base import BaseCommand, CommandError

from siyu.tracking import services


class Command(BaseCommand):
    help = "Check the behaviour rollups against the raw events, or rebuild them from the events."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action, **options):
        progress = None if options["verbosity"] < 1 else self.stderr.write
        if action == "rebuild":
            rows = services.rollups_rebuild(progress=progress)
            self.stdout.write(f"rebuilt {rows:,} rollup rows from the raw events")
            return
        expected, viewers = services.rollups_recompute(progress=progress)
        wrong = self._differ(services.rollups_stored(), expected)
        if wrong:
            raise CommandError(
                f"{len(wrong):,} of {len(expected):,} rollup rows differ from the events"
            )
        # The visitors behind UV too: a visitor missing there would be counted again later.
        wrong = self._differ(services.visitors_stored(), viewers)
        if wrong:
            raise CommandError(
                f"the UV visitors of {len(wrong):,} rollup rows differ from the events"
            )
        self.stdout.write(
            f"all {len(expected):,} rollup rows and their visitors equal the raw events"
        )

    def _differ(self, stored: dict, expected: dict) -> set:
        """The keys where `stored` and `expected` differ, the first 20 of them shown."""
        wrong = {k for k in stored.keys() | expected.keys() if stored.get(k) != expected.get(k)}
        for key in sorted(wrong, key=str)[:20]:
            self.stdout.write(f"{key}: stored {stored.get(key)} ≠ events {expected.get(key)}")
        return wrong
