"""`siyu pos_import FILE`: POS orders from a CSV or Excel file, with progress and the report."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from siyu.commerce.pos_import import pos_import
from siyu.core.tabular import read_rows
from siyu.org.models import Group, Role
from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope


class Command(BaseCommand):
    help = "Import POS orders (one row per line) from a .csv or .xlsx file, as the group admin."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        group = Group.objects.order_by("id").first()
        if group is None:
            raise CommandError("no group yet: run `siyu generate` or create the organisation first")
        scope = Scope(
            level=Level.GROUP, group_id=group.pk, role=Role.GROUP_ADMIN,
            capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
        )  # fmt: skip
        with file.open("rb") as upload:
            rows = read_rows(upload, file.name)

        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\r  orders written: {done:,}/{total:,}")
            if done >= total:
                sys.stderr.write("\n")

        report = pos_import(scope=scope, rows=rows, progress=progress)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        if report.errors:
            raise CommandError(f"{len(report.errors)} rows were refused (see the report above)")
