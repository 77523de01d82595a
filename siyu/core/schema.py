"""Schema changes that Django's own operations make too costly, for migrations to share.

Dropping a foreign key's index (`db_index=False`) through `AlterField` copies the whole
table on SQLite, once per field, to drop one index. `fk_index_dropped` changes only the
migration state through `AlterField` and drops the index by the name Django gave it
(`<table>_<column>_<digest>`); reversed, it creates the index again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models.deletion import PROTECT


def fk_index_dropped(
    model_name: str, name: str, field: models.ForeignKey, *, table: str, digest: str
) -> migrations.SeparateDatabaseAndState:
    """`field` (with db_index=False) for `model_name.name`; its index dropped by name."""
    index = f"{table}_{name}_id_{digest}"
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{name}_id")',
            )
        ],
    )


def unindexed_fk(to: str, **options: Any) -> models.ForeignKey:
    """A PROTECT foreign key without its own index and without a reverse accessor, as
    `fk_index_dropped` is given it for the hot tables' keys."""
    return models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="+", to=to, **options)
