"""`siyu scheduler`: enqueue periodic jobs when due, forever (or once with --once)."""

import time

from django.core.management.base import BaseCommand

from siyu.core.schedule import tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, once, **options):
        while True:
            for name in tick():
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)
