"""`siyu generate --scale demo|seed [--stores N --guides N --customers N --days N] --seed 42`."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from siyu.core import generator
from siyu.org.models import Group


class Command(BaseCommand):
    help = "Build a realistic group (org, staff, customers…) at demo or seed scale, deterministic for a seed."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(generator.SCALES), default="demo")
        for name in ("stores", "guides", "customers", "days"):
            parser.add_argument(
                f"--{name}", type=int, help=f"override the scale's number of {name}"
            )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, help="reference date (default: today)"
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, scale, seed, today, quiet, **options):
        if Group.objects.exists():
            raise CommandError(
                "This database already holds a group; generate into an empty database."
            )
        sizes = dict(generator.SCALES[scale])
        sizes.update({k: v for k, v in options.items() if k in sizes and v is not None})
        if sizes["stores"] < 2 or sizes["guides"] < 2:
            raise CommandError("At least 2 stores and 2 guides, so that scopes can be told apart.")
        ctx = generator.Context(
            seed=seed, today=today or timezone.localdate(), quiet=quiet, **sizes
        )
        if not quiet:
            self.stderr.write(
                f"Generating {scale} scale: {sizes} (seed {seed}, reference date {ctx.today})"
            )
        started = time.perf_counter()
        generator.run(ctx)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"generated {ctx.rows_written:,} rows in {seconds:.1f}s "
            f"({ctx.rows_written / seconds:,.0f} rows/s)"
        )
