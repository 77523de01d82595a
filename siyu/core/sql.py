"""Batch statements for the hot write paths (event ingestion, callback drains, imports).

The ORM's `bulk_create` prepares every value of every row through the field's full
`get_db_prep_save` chain and compiles a placeholder per value: for a drain of 200 new
friends that was most of the worker's time. The helpers here write the same rows with one
multi-row statement per chunk (on PostgreSQL, `columns_insert` one statement of an array
per column), adapting each column once by its field type. They run on SQLite (3.35+, for
RETURNING) and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import enum
import fcntl
import functools
import hashlib
import itertools
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.models.fields import AutoFieldMixin
from django.db.models.options import Options
from django.utils import timezone

CHUNK = 400  # rows per multi-row statement (under both databases' parameter limits)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def driver_cursor() -> Iterator[Any]:
    """A cursor of the database driver itself, for batch statements, closed on leaving, its
    errors raised as Django's (an `OperationalError` for a locked database, and so on).

    On SQLite, Django's cursor rewrites every `%s` to `?` with a regular expression on each
    call, which for a multi-row insert of thousands of parameters cost more than running it;
    there the SQL is written with `?` (`mark()`) and run on sqlite3's own cursor, in the same
    transaction. On PostgreSQL, Django's cursors bind parameters on the client (psycopg's
    ClientCursor quotes each value into the SQL text in Python); a plain psycopg cursor on
    the same connection sends them separately."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        cursor = connection.connection.cursor()
    else:
        import psycopg

        cursor = psycopg.Cursor(connection.connection)
    try:
        with connection.wrap_database_errors:
            yield cursor
    finally:
        cursor.close()


@contextmanager
def write_turn() -> Iterator[None]:
    """On a SQLite file, wait for this database's write turn in a queue the kernel keeps: an
    exclusive `flock` on `<database file>.writer`, held for the block. On PostgreSQL (and an
    in-memory SQLite) it does nothing: concurrent writers are what PostgreSQL is for.

    SQLite takes one writer at a time, and makes the others wait in its busy handler, which
    sleeps 1, 2, 5, 10 … up to 100 ms between tries: a web process waiting for another's
    commit wakes up late, and two web processes ingesting events ran barely faster than one
    (18,500 against 16,600 events/s). Waiting on the lock file, the next writer starts the
    moment the previous one lets go, and each process's other work (reading and checking
    the next batches) runs on the other core meanwhile (25,700–28,000 events/s). Hot bulk
    writers (event ingestion) take their turn this way; anything else writing at the same
    moment still queues in SQLite's busy handler, as before. flock locks belong to an open
    file, so threads of one process queue here too. Written here because SQLite offers no
    blocking wait for its write lock."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    fd = os.open(f"{name}.writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when closed
        yield
    finally:
        os.close(fd)


def register_sqlite_adapters() -> None:
    """Bind None and bools to SQLite without sqlite3's slow path (called once, at start-up).

    Python's sqlite3 (3.11) binds exact ints, floats and strings directly; any other value,
    None and bools included, goes through its adapter registry and, finding nothing there,
    looks up `__adapt__` on its protocol type, whose failure formats an AttributeError
    message that is then thrown away: about 400 ns a value, against 80–160 for an int. A
    POS order binds a dozen (its flags and empty keys), about a tenth of the import's
    instructions. Registered adapters are found first: a bool goes in as its int (what the
    slow path binds too) and None as None (which binds NULL), through C-level callables
    (`{}.get` returns None for any key) rather than Python functions."""
    import sqlite3

    sqlite3.register_adapter(bool, int)
    sqlite3.register_adapter(type(None), {}.get)  # type: ignore[arg-type]  # None for any key


def mark() -> str:
    """The driver's placeholder (see driver_cursor)."""
    return "?" if connection.vendor == "sqlite" else "%s"


def locking() -> str:
    """What ends a SELECT whose rows the transaction goes on to change: ` FOR UPDATE` on
    PostgreSQL, so a concurrent writer waits for them; nothing on SQLite, whose writer holds
    the whole database already (and which has no FOR UPDATE)."""
    return " FOR UPDATE" if connection.vendor == "postgresql" else ""


def insert_returning(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: str,
    conflict: str = "",
) -> list[tuple]:
    """Multi-row `INSERT … [ON CONFLICT (conflict) DO NOTHING] RETURNING returning`: the
    rows really inserted, in the order given (both databases return a multi-row VALUES
    insert's rows in order; Django's own bulk_create relies on the same)."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    on_conflict = f"ON CONFLICT ({conflict}) DO NOTHING " if conflict else ""
    out: list[tuple] = []
    with driver_cursor() as cursor:
        for chunk in chunks(rows, _rows_per_statement(len(columns))):
            cursor.execute(
                _values_insert(table, quoted, len(columns), len(chunk))
                + f"{on_conflict}RETURNING {returning}",
                list(itertools.chain.from_iterable(chunk)),
            )
            out.extend(cursor.fetchall())
    return out


def _rows_per_statement(width: int) -> int:
    """Rows in one multi-row statement: CHUNK, fewer for wide rows (parameter limits)."""
    return max(1, min(CHUNK, 30_000 // max(1, width)))


def _values_insert(table: str, quoted: str, width: int, rows: int, shared: int = 0) -> str:
    """`INSERT INTO table (quoted) VALUES (?, …), … ` for `rows` rows of `width` values,
    each row led by the `shared` values ?1 … ?shared (SQLite only)."""
    one = "(" + ", ".join([f"?{n}" for n in range(1, shared + 1)] + [mark()] * width) + ")"
    return f"INSERT INTO {table} ({quoted}) VALUES {', '.join([one] * rows)} "  # noqa: S608


def _staged(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """PostgreSQL: COPY `rows` into a session-local staging table shaped like `columns` of
    `table` (made once per connection, emptied at every commit) and return its name. COPY
    with a statement reading from it runs about 4× faster than a multi-row VALUES insert of
    the same rows (measured: 13 against 59 µs an event into the events table)."""
    digest = hashlib.blake2s("|".join(columns).encode(), digest_size=4).hexdigest()
    stage = f"stage_{table}_{digest}"
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {quoted} FROM {table} WITH NO DATA"
    )
    cursor.execute(f"DELETE FROM {stage}")  # noqa: S608 (rows of an earlier statement of this transaction)
    types = _stage_types.get(stage)
    if types is None:  # the columns' types, so COPY dumps each value without looking its type up
        cursor.execute(f"SELECT {quoted} FROM {stage} LIMIT 0")  # noqa: S608
        from psycopg.postgres import types as known

        # JSON columns are given as encoded text (as Django stores them): dumped as text.
        as_text = {known["json"].oid: known["text"].oid, known["jsonb"].oid: known["text"].oid}
        types = _stage_types[stage] = [
            as_text.get(c.type_code, c.type_code) for c in cursor.description
        ]
    with cursor.copy(f"COPY {stage} ({quoted}) FROM STDIN") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    return stage


_stage_types: dict[str, list[int]] = {}  # a staging table's column type oids, by its name


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and parameters for a driver cursor: on PostgreSQL
    one array parameter (`= ANY(%s)`; psycopg splits and sends a query of a thousand
    placeholders in Python, which cost more than running it), on SQLite an `IN` list (keep
    `values` under its 32,766 parameters)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['?'] * len(values))})", list(values)


def rows_in(
    statement: str, column: str, keys: Iterable[Any], params: Sequence[Any] = ()
) -> list[tuple]:
    """The rows of a SELECT whose `{in}` stands for "`column` is one of `keys`", for any
    number of keys, in plain SQL on the driver's cursor (see `driver_cursor`, `any_of`): the
    ORM prepares and binds each of an import chunk's thousands of keys in Python. Values
    come as the driver gives them (datetimes: see `moment_reader`). `params` bind the
    statement's other marks (`mark()`), which come before `{in}`. On SQLite the keys go in
    slices under its parameter limit (its single writer needs no lock order); on
    PostgreSQL in one statement, so that a `FOR UPDATE` locks in the statement's order."""
    keys = sorted(set(keys))
    size = (len(keys) or 1) if connection.vendor == "postgresql" else 5000
    rows: list[tuple] = []
    with driver_cursor() as cursor:
        for chunk in chunks(keys, size):
            where, values = any_of(column, chunk)
            cursor.execute(statement.replace("{in}", where), [*params, *values])
            rows += cursor.fetchall()
    return rows


def moment_reader() -> Callable[[Any], dt.datetime | None]:
    """How a DateTimeField's value from a driver cursor becomes an aware datetime: Django's
    SQLite connection parses the UTC text into a naive datetime (its `datetime` converter),
    psycopg gives one ready."""
    return _utc if connection.vendor == "sqlite" else _as_is


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


def insert_new(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], returning: str, conflict: str
) -> list[tuple]:
    """`INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING returning` for many rows: the
    rows that were new, in no particular order. On PostgreSQL through COPY (see _staged)."""
    if connection.vendor != "postgresql":
        return insert_returning(table, columns, rows, returning, conflict)
    if not rows:
        return []
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with driver_cursor() as cursor:
        stage = _staged(cursor, table, columns, rows)
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {stage} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}"
        )
        return cursor.fetchall()


def upsert(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], conflict: str, updates: str
) -> None:
    """`INSERT … ON CONFLICT (conflict) DO UPDATE SET updates` for many rows (`updates` may
    use `excluded.` and `table.`); at most one row per conflict key. SQLite runs it as one
    executemany; PostgreSQL as one statement over a COPY (see _staged)."""
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with driver_cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = _staged(cursor, table, columns, rows)
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {stage} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({', '.join([mark()] * len(columns))}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                rows,
            )


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """UTC text, as Django's adapt_datetimefield_value writes it ("2026-11-20 06:03:00", and
    ".ffffff" when there are microseconds), without its per-call settings lookups.

    Built from the moment's day and second of the day, each worked out once (a batch's
    moments share few days, and a day has 86,400 seconds): `str(datetime)` formats through
    C's printf, 1.2–1.3 µs against 0.8–1.0 µs for this; the POS import's instructions fell
    2.6 % (callgrind, 321,500 → 313,300 an order)."""
    if value is None:
        return None
    since = value - (_EPOCH_UTC if value.tzinfo is not None else _EPOCH)
    text = _day_text(since.days) + _clock_text(since.seconds)
    micro = since.microseconds
    return f"{text}.{micro:06d}" if micro else text


_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH = _EPOCH_UTC.replace(tzinfo=None)  # naive moments are written as they are, as Django does


@functools.lru_cache(maxsize=4096)
def _day_text(days: int) -> str:
    """'YYYY-MM-DD ' of the day `days` after 1970-01-01."""
    return f"{_EPOCH.date() + dt.timedelta(days)} "


@functools.cache  # at most 86,400 entries
def _clock_text(seconds: int) -> str:
    """'HH:MM:SS' of a second of the day."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def db_datetime(value: dt.datetime | None) -> Any:
    """A datetime as Django stores it — on SQLite, UTC text; PostgreSQL takes it as it is."""
    return datetime_adapter()(value)


def datetime_adapter() -> Callable[[dt.datetime | None], Any]:
    """`db_datetime` for the current database, to call once per row of a batch (asking the
    connection its vendor costs a thread-local look-up each time)."""
    return _sqlite_datetime if connection.vendor == "sqlite" else _as_is


def _as_is(value: Any) -> Any:
    return value


def _sqlite_flag(value: bool | None) -> int | None:
    """A bool as the int sqlite3 binds for it anyway (a bool is not an exact int, so sqlite3
    would look it up among its adapters first: see register_sqlite_adapters, which the ORM's
    statements still need; leaving flags to it cost the POS import 1.4 % more instructions)."""
    return None if value is None else int(value)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a field's Python value becomes the driver's, or None when it goes in as it is."""
    ops, sqlite = connection.ops, connection.vendor == "sqlite"
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime if sqlite else None
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        if sqlite:  # text, as sqlite3 binds a Decimal (Django registers str), minus the look-up
            return lambda value: None if value is None else str(value)
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    if isinstance(field, models.BooleanField) and sqlite:
        return _sqlite_flag
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    if field.choices:
        # A choices enum member goes in as its value (psycopg would dump an Enum's name).
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    if isinstance(
        field, models.CharField | models.TextField | models.IntegerField | models.BooleanField
    ) or (field.is_relation and field.many_to_one):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def instances_insert(objs: Sequence[models.Model]) -> None:
    """INSERT unsaved instances of one model (auto primary key) and set their pks, as
    `bulk_create` would; `auto_now(_add)` fields are filled by their own `pre_save`."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]  # fmt: skip
    adapters = [(f.attname, _adapter(f)) for f in fields]
    rows = []
    for obj in objs:
        for f in stamped:
            f.pre_save(obj, add=True)
        rows.append(
            [
                getattr(obj, name) if adapt is None else adapt(getattr(obj, name))
                for name, adapt in adapters
            ]
        )
    pk = meta.pk
    ids = insert_returning(
        meta.db_table, [f.column for f in fields], rows, connection.ops.quote_name(pk.column)
    )
    for obj, (value,) in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias


def dicts_insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT rows given as {attname: value} (fields left out take their default; auto_now
    and auto_now_add fields, the moment of the call) and return their new primary keys, in
    order. For imports, where building a model instance per row costs more than the insert.
    Rows with the same keys (an import's nearly always share them) go in column by column
    through `columns_insert`."""
    now = timezone.now()
    ids: list[int] = []
    for keys, group in _by_keys(rows):
        columns = {key: list(map(operator.itemgetter(key), group)) for key in keys}
        ids += _columns_insert(model, columns, len(group), now)
    return ids


def columns_insert(
    model: type[models.Model], columns: Mapping[str, Sequence[Any]], *, ids: bool = True
) -> list[int]:
    """INSERT rows given column by column ({attname: values}, every column as long; fields
    left out take their default; auto_now and auto_now_add fields, the moment of the call)
    and return their new primary keys, in order (`ids=False`: none, and none are fetched —
    a row returned costs about as much as a small row written).

    The hot path of the imports: each value is read, adapted and laid into the statement's
    parameters by C-level calls (`map`, slice assignment), and a column of few distinct
    values (moments, days, rates, choices) is adapted once per distinct value. Laying rows
    out one by one in Python cost about 2 µs a row; the POS import writes five an order."""
    return _columns_insert(model, columns, 0, timezone.now(), ids)


def _columns_insert(
    model: type[models.Model],
    columns: Mapping[str, Sequence[Any]],
    rows: int,
    now: dt.datetime,
    returning: bool = True,
) -> list[int]:
    """`columns_insert`; `rows` counts the rows when no column is given (all defaults).

    On SQLite a column with one value for every row (a default, or a choice all rows share)
    is bound once per statement: the constant columns come first, as ?1 … ?k, which every
    row repeats, and each row's own values follow as plain `?`, which SQLite numbers on
    from there. Binding costs more than SQLite's writing of a small value, and a POS order
    repeats about a third of its values.

    On SQLite the new keys of an auto-increment table are worked out, not returned: one
    statement holds the write lock from its first row to its last, and gives each row the
    table's largest rowid (or, with AUTOINCREMENT, the largest ever given) plus one, so a
    statement's rows get consecutive keys ending at `lastrowid` (the rowcount is checked).
    `RETURNING` made SQLite keep the rows aside and hand them back one by one: about 7,000
    instructions a row, more than writing a small row."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    count = _column_length(model, columns, fields) if columns else rows
    if not count:
        return []
    named: list[tuple[str, Sequence[Any] | _Constant]] = []
    adapted: dict[Any, dict[Any, Any]] = {}
    for f in fields:
        if f.attname in columns:
            values_of = _column_adapted(f, columns[f.attname], adapted, uniform=_Constant)
        else:
            adapt = _adapter(f)
            stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            default = now if stamped else f.get_default()
            values_of = _Constant(default if adapt is None else adapt(default))
        named.append((connection.ops.quote_name(f.column), values_of))
    if connection.vendor == "postgresql" and all(map(_unnestable, fields)):
        return _unnest_insert(meta, fields, named, count, returning)
    sqlite = connection.vendor == "sqlite"
    if sqlite:  # constant columns first (the sort keeps each group's order)
        named.sort(key=lambda column: not isinstance(column[1], _Constant))
    shared = [v for _n, v in named if isinstance(v, _Constant)] if sqlite else []
    values = [v for _n, v in named[len(shared) :]]
    width, quoted = len(values), ", ".join(n for n, _v in named)
    size = _rows_per_statement(width)
    pk = connection.ops.quote_name(meta.pk.column)  # type: ignore[union-attr]
    first = operator.itemgetter(0)
    ids: list[int] = []
    counted = sqlite and isinstance(meta.pk, AutoFieldMixin)  # an integer rowid key
    tail = f"RETURNING {pk}" if returning and not counted else ""
    with driver_cursor() as cursor:
        for start in range(0, count, size):
            rows = min(size, count - start)
            params: list[Any] = [c.value for c in shared] + [None] * (rows * width)
            for j, values_of in enumerate(values, len(shared)):
                if isinstance(values_of, _Constant):
                    params[j::width] = [values_of.value] * rows
                else:
                    params[j::width] = values_of[start : start + rows]
            cursor.execute(_values_insert(meta.db_table, quoted, width, rows, len(shared)) + tail, params)  # fmt: skip
            if returning and counted:
                last = cursor.lastrowid
                if cursor.rowcount != rows or last is None:
                    raise DatabaseError(
                        f"{meta.db_table}: {cursor.rowcount} rows written of {rows}"
                    )
                ids += range(last - rows + 1, last + 1)
            elif returning:
                ids += map(first, cursor.fetchall())
    return ids


def _unnestable(field: models.Field) -> bool:
    """Whether a column's values can travel as one PostgreSQL array of its type (as Django's
    own bulk_create judges it: a built-in type, and no placeholder of its own)."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    return target.get_internal_type() in connection.data_types and not hasattr(field, "get_placeholder")  # fmt: skip


def _unnest_insert(
    meta: Options[Any],
    fields: Sequence[models.Field],
    named: Sequence[tuple[str, Sequence[Any] | _Constant]],
    count: int,
    returning: bool,
) -> list[int]:
    """PostgreSQL: the rows in one statement, each column one array parameter (`INSERT …
    SELECT %s::text, u.* FROM unnest(%s::bigint[], …) AS u`; a column every row shares is
    one value). A multi-row VALUES statement has a placeholder per value, and psycopg
    splits its text with a regular expression on every call, in Python (statements that
    long are not cached): that cost more than the server's work, and the POS import ran at
    2,500 orders/s. Django's bulk_create inserts through unnest too, and reads the new keys
    back in the arrays' order, as here. Arrays go in binary (`%b`): psycopg escapes each
    element of a text array with a regular expression. Types lose their length (`varchar`,
    not `varchar(40)`), so that a cast never truncates: a value too long fails on the
    column."""
    constants: list[tuple[str, str, Any]] = []
    arrays: list[tuple[str, str, Any]] = []
    for f, (quoted, values_of) in zip(fields, named, strict=True):
        db_type = f.db_type(connection).split("(")[0]  # type: ignore[union-attr]
        if isinstance(values_of, _Constant):
            constants.append((quoted, f"%s::{db_type}", values_of.value))
        else:
            arrays.append((quoted, f"%b::{db_type}[]", list(values_of)))
    source = f"unnest({', '.join(cast for _q, cast, _v in arrays)}) AS u" if arrays else "generate_series(1, %s)"  # fmt: skip
    params: list[Any] = [v for _q, _c, v in constants]
    params += [v for _q, _c, v in arrays] if arrays else [count]
    select = ", ".join([cast for _q, cast, _v in constants] + (["u.*"] if arrays else []))
    quoted_columns = ", ".join(q for q, _c, _v in [*constants, *arrays])
    tail = f" RETURNING {connection.ops.quote_name(meta.pk.column)}" if returning else ""
    with driver_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {meta.db_table} ({quoted_columns}) SELECT {select} FROM {source}{tail}",  # noqa: S608
            params,
        )
        return [pk for (pk,) in cursor.fetchall()] if returning else []


def columns_update(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> None:
    """UPDATE rows by primary key, given column by column: {pk attname: keys, attname:
    values, …}, every column as long, values adapted as `columns_insert` does. One prepared
    statement run for every row (`executemany`): an ORM `update()` per group of rows sharing
    their values cost about half a millisecond a group."""
    meta = model._meta
    key = meta.pk.attname  # type: ignore[union-attr]
    fields = {f.attname: f for f in meta.concrete_fields}
    _column_length(model, columns, fields.values())
    if key not in columns:
        raise ValueError(f"{model.__name__}: an update needs the {key} column")
    names = [name for name in columns if name != key]
    adapted: dict[Any, dict[Any, Any]] = {}
    values = [_column_adapted(fields[name], columns[name], adapted) for name in [*names, key]]
    setting = ", ".join(f"{connection.ops.quote_name(fields[name].column)} = {mark()}" for name in names)  # fmt: skip
    with driver_cursor() as cursor:
        cursor.executemany(
            f"UPDATE {meta.db_table} SET {setting} "  # noqa: S608
            f"WHERE {connection.ops.quote_name(fields[key].column)} = {mark()}",
            list(zip(*values, strict=True)),
        )


def _column_length(
    model: type[models.Model], columns: Mapping[str, Sequence[Any]], fields: Iterable[models.Field]
) -> int:
    """How many rows the columns give, refusing a field the model lacks and columns of
    different lengths."""
    unknown = columns.keys() - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{model.__name__}: columns of different lengths {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _column_adapted(
    field: models.Field,
    column: Sequence[Any],
    adapted: dict[Any, dict[Any, Any]],
    uniform: Callable[[Any], Any] | None = None,
) -> Any:
    """A column's values as the driver takes them; a column of few distinct values (moments,
    days, rates, choices) adapted once per value, in `adapted` (by adapter: the columns of
    one statement that share an adapter share it), and given as `uniform(value)` instead
    when every row has the same one (if `uniform` is given)."""
    adapt = _adapter(field)
    if adapt is None:
        return column
    if _few_values(field):
        once = adapted.setdefault(adapt, {})
        distinct = set(column)
        for value in distinct - once.keys():
            once[value] = adapt(value)
        if uniform is not None and len(distinct) == 1:
            return uniform(once[distinct.pop()])
        return list(map(once.__getitem__, column))
    return list(map(adapt, column))


class _Constant:
    """A column with one value for every row of an insert (adapted): a default, or a column
    whose rows all share one value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _few_values(field: models.Field) -> bool:
    """Whether an import's rows repeat this field's values (moments, days, rates, flags,
    choices), so that adapting each distinct value once pays (their values are hashable)."""
    return isinstance(field, models.DateField | models.DecimalField | models.BooleanField) or bool(field.choices)  # fmt: skip


def _by_keys(rows: Sequence[dict[str, Any]]) -> Iterable[tuple[tuple[str, ...], list[dict]]]:
    """Runs of rows with the same keys, in order (an import's rows nearly always share them)."""
    run: list[dict] = []
    keys: tuple[str, ...] = ()
    for row in rows:
        these = tuple(row)
        if these != keys and run:
            yield keys, run
            run = []
        keys = these
        run.append(row)
    if run:
        yield keys, run
