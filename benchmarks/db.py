"""Pointing Django at a benchmark's own SQLite file, migrated on demand."""

from __future__ import annotations

import io
from pathlib import Path

import django


def use_database(path: Path, *, fresh: bool) -> None:
    """Connect Django's default database to the SQLite file `path` (emptied first if `fresh`)."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    django.setup()  # idempotent: later calls only reconfigure logging
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = str(path)
    call_command("migrate", verbosity=0, stdout=io.StringIO())
