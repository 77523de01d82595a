"""`siyu wecom_sync [--reconcile] [--restart]`: import or reconcile friendships from WeCom."""

import sys

from django.core.management.base import BaseCommand

from siyu.relations.models import SyncKind
from siyu.relations.sync import sync_run


class Command(BaseCommand):
    help = "Import every WeCom friendship (resumable), or reconcile siyu with WeCom (--reconcile)."

    def add_arguments(self, parser):
        parser.add_argument("--reconcile", action="store_true")
        parser.add_argument("--restart", action="store_true", help="start over instead of resuming")

    def handle(self, *args, reconcile, restart, **options):
        def progress(run, done, total):
            sys.stderr.write(
                f"\r  members {done}/{total}: {run.seen:,} seen, {run.added:,} added, "
                f"{run.updated:,} updated"
            )
            sys.stderr.flush()

        run = sync_run(
            kind=SyncKind.RECONCILE if reconcile else SyncKind.FULL,
            resume=not restart,
            progress=progress,
        )
        sys.stderr.write("\n")
        self.stdout.write(
            f"{run.kind}: {run.seen:,} seen, {run.added:,} added, {run.updated:,} updated, "
            f"{run.ended:,} ended"
        )
