"""The batch-write helpers imports and ingestion use (core.sql, core.tabular)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, transaction
from django.utils import timezone

from siyu.commerce.models import CommissionCampaign, ProductLine
from siyu.commerce.pos_import import HEADERS
from siyu.core import sql
from siyu.core.models import PeriodicRun
from siyu.core.tabular import canonical
from siyu.tracking.models import EventSource, SourceKind
from siyu.wecom.models import CallbackQueue


def test_dicts_insert_fills_defaults_adapts_values_and_returns_ids_in_order(db) -> None:
    before = timezone.now()
    rows = [
        {"name": "a", "kind": SourceKind.H5, "prefix": "p1", "key_hash": "h1"},
        {"name": "b", "kind": "server", "prefix": "p2", "key_hash": "h2", "active": False},
        {"name": "c", "kind": SourceKind.SERVER, "prefix": "p3", "key_hash": "h3"},
    ]  # the middle row has other keys: it is written with a plan of its own
    ids = sql.dicts_insert(EventSource, rows)
    stored = EventSource.objects.in_bulk(ids)
    assert [stored[i].name for i in ids] == ["a", "b", "c"]
    assert [stored[i].kind for i in ids] == ["h5", "server", "server"]
    assert [stored[i].active for i in ids] == [True, False, True]  # the default where left out
    assert all(before <= stored[i].created_at <= timezone.now() for i in ids)  # auto_now_add


def test_dicts_insert_writes_aware_datetimes_as_the_orm_does(db) -> None:
    shanghai = dt.datetime(2026, 11, 24, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    ids = sql.dicts_insert(
        PeriodicRun,
        [
            {"name": "one", "last_run_at": shanghai},
            {"name": "two", "last_run_at": shanghai},  # the same moment again (remembered)
            {"name": "three", "last_run_at": None},
        ],
    )
    stored = PeriodicRun.objects.in_bulk(ids)
    assert [stored[i].last_run_at for i in ids] == [shanghai, shanghai, None]
    assert PeriodicRun.objects.filter(last_run_at=shanghai).count() == 2  # found by the ORM


def test_moments_are_written_as_the_orm_writes_them(db) -> None:
    from django.db import connection

    zones = [ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York"), dt.UTC]  # fmt: skip
    moments = [
        dt.datetime(2026, 11, 24, 23, 10, tzinfo=zones[0]),  # the day before, in UTC
        dt.datetime(2026, 11, 25, 7, 59, 59, 999_999, tzinfo=zones[0]),
        dt.datetime(2026, 3, 8, 3, 30, 0, 1, tzinfo=zones[2]),  # the hour clocks skip
        dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=zones[3]),  # before 1970
        dt.datetime(1, 1, 2, 0, 0, tzinfo=zones[1]),
        dt.datetime(2024, 2, 29, 5, 29, 0, tzinfo=zones[1]),  # a half-hour offset
    ] + [dt.datetime.fromtimestamp(t * 7_919.3, zone) for t in range(400) for zone in zones]
    written = [sql.db_datetime(moment) for moment in moments]
    assert written == [connection.ops.adapt_datetimefield_value(m) for m in moments]
    assert sql.db_datetime(None) is None


def test_dicts_insert_refuses_a_field_the_model_lacks_and_writes_nothing(db) -> None:
    with pytest.raises(ValueError, match="no fields"):
        sql.dicts_insert(PeriodicRun, [{"name": "x", "colour": "red"}])
    assert not PeriodicRun.objects.filter(name="x").exists()


def test_columns_insert_lays_columns_out_over_several_statements_in_order(db) -> None:
    count = sql.CHUNK * 2 + 7  # three statements
    kinds = [SourceKind.H5 if n % 3 else "server" for n in range(count)]  # enum and text
    ids = sql.columns_insert(EventSource, {
        "name": [f"s{n}" for n in range(count)], "kind": kinds,
        "prefix": [f"p{n}" for n in range(count)], "key_hash": [f"h{n}" for n in range(count)],
    })  # fmt: skip
    assert len(ids) == count and ids == sorted(ids)
    stored = EventSource.objects.in_bulk(ids)
    assert [stored[i].name for i in ids] == [f"s{n}" for n in range(count)]
    assert [stored[i].kind for i in ids] == [str(kind) for kind in kinds]
    assert all(stored[i].active for i in ids)  # left out: the default, in every row


def test_columns_insert_writes_shared_values_flags_rates_and_nulls_as_the_orm_reads_them(
    world,
) -> None:
    """Columns whose rows all share one value (given, or a default) are bound once per
    statement on SQLite; flags, rates and empty keys are bound without sqlite3's adapters."""
    count = sql.CHUNK + 3  # two statements
    start = dt.datetime(2026, 11, 24, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    rates = [Decimal("0.0500") if n % 2 else Decimal("0.0125") for n in range(count)]
    ids = sql.columns_insert(CommissionCampaign, {
        "brand_id": [world.brands["alpine"].pk] * count, "name": [f"c{n}" for n in range(count)],
        "starts_at": [start] * count, "ends_at": [start + dt.timedelta(hours=n) for n in range(count)],
        "product_line": [ProductLine.OUTDOOR] * count, "rate": rates,
    })  # fmt: skip
    stored = CommissionCampaign.objects.in_bulk(ids)
    assert [stored[i].name for i in ids] == [f"c{n}" for n in range(count)]
    assert {(stored[i].starts_at, stored[i].product_line) for i in ids} == {(start, "outdoor")}
    assert [stored[i].ends_at - start for i in ids] == [dt.timedelta(hours=n) for n in range(count)]
    assert [stored[i].rate for i in ids] == rates
    flags = [n % 3 == 0 for n in range(count)]
    ids = sql.columns_insert(EventSource, {
        "name": [f"s{n}" for n in range(count)], "kind": [SourceKind.H5] * count,
        "prefix": [f"p{n}" for n in range(count)], "key_hash": [f"h{n}" for n in range(count)],
        "active": flags,
    })  # fmt: skip
    assert list(EventSource.objects.filter(pk__in=ids).order_by("pk").values_list("active", flat=True)) == flags  # fmt: skip
    assert EventSource.objects.filter(pk__in=ids, active=True).count() == flags.count(True)
    (pk,) = sql.columns_insert(PeriodicRun, {"name": ["n"], "last_run_at": [None]})
    assert PeriodicRun.objects.filter(pk=pk, last_run_at__isnull=True).exists()


def test_columns_insert_returns_the_keys_the_rows_got_after_the_newest_rows_were_deleted(
    db,
) -> None:
    """The new keys are worked out on SQLite (see _columns_insert): after the table's newest
    rows are gone, and across statements, each returned key is its own row's."""
    first = sql.columns_insert(PeriodicRun, {"name": ["a", "b", "c"], "last_run_at": [None] * 3})
    PeriodicRun.objects.filter(pk__in=first[1:]).delete()
    names = [f"k{n}" for n in range(sql.CHUNK + 5)]
    ids = sql.columns_insert(PeriodicRun, {"name": names, "last_run_at": [None] * len(names)})
    assert dict(PeriodicRun.objects.filter(pk__in=ids).values_list("pk", "name")) == dict(zip(ids, names, strict=True))  # fmt: skip
    assert min(ids) > max(first)


def test_columns_insert_without_ids_writes_the_rows_and_returns_none(db) -> None:
    count = sql.CHUNK + 1
    names = [f"quiet{n}" for n in range(count)]
    assert sql.columns_insert(PeriodicRun, {"name": names, "last_run_at": [None] * count}, ids=False) == []  # fmt: skip
    assert sorted(PeriodicRun.objects.filter(name__startswith="quiet").values_list("name", flat=True)) == sorted(names)  # fmt: skip


def test_columns_insert_writes_rows_whose_every_column_is_shared(db) -> None:
    """Every column one value for all rows (given, or the default): no column varies, and
    each row is still written and keyed, in order."""
    ids = sql.columns_insert(CallbackQueue, {"drain_requested": [True] * 3})
    assert len(ids) == 3 == len(set(ids))
    assert list(CallbackQueue.objects.filter(pk__in=ids).values_list("drain_requested", flat=True)) == [True] * 3  # fmt: skip


def test_columns_insert_takes_a_value_too_long_for_its_column_as_the_orm_does(db) -> None:
    """A value longer than its column is neither cut short by the batch insert nor let in
    where the ORM's save would fail (PostgreSQL refuses it; SQLite keeps text whole)."""
    too_long = "x" * (PeriodicRun._meta.get_field("name").max_length + 5)

    def outcome(write) -> str:
        try:
            with transaction.atomic():
                write()
        except DataError:
            return "refused"
        return "kept" if PeriodicRun.objects.filter(name=too_long).exists() else "lost"

    by_orm = outcome(lambda: PeriodicRun.objects.create(name=too_long))
    PeriodicRun.objects.filter(name=too_long).delete()
    by_batch = outcome(lambda: sql.columns_insert(PeriodicRun, {"name": [too_long, "ok"], "last_run_at": [None] * 2}))  # fmt: skip
    assert by_batch == by_orm != "lost"


def test_columns_insert_refuses_columns_of_different_lengths_and_writes_nothing(db) -> None:
    with pytest.raises(ValueError, match="different lengths"):
        sql.columns_insert(PeriodicRun, {"name": ["a", "b"], "last_run_at": [None]})
    assert not PeriodicRun.objects.filter(name__in=["a", "b"]).exists()


def test_columns_update_sets_each_row_by_primary_key_with_adapted_values(db) -> None:
    ids = sql.dicts_insert(PeriodicRun, [{"name": n, "last_run_at": None} for n in "abc"])
    shanghai = dt.datetime(2026, 11, 24, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    later = shanghai + dt.timedelta(hours=1)
    sql.columns_update(PeriodicRun, {"id": [ids[2], ids[0]], "last_run_at": [later, shanghai]})
    stored = PeriodicRun.objects.in_bulk(ids)
    assert [stored[i].last_run_at for i in ids] == [shanghai, None, later]
    assert PeriodicRun.objects.filter(last_run_at=later).get().name == "c"  # found by the ORM


def test_columns_update_refuses_a_missing_key_or_unknown_field_and_changes_nothing(db) -> None:
    (pk,) = sql.dicts_insert(PeriodicRun, [{"name": "x", "last_run_at": None}])
    with pytest.raises(ValueError, match="needs the id column"):
        sql.columns_update(PeriodicRun, {"last_run_at": [timezone.now()]})
    with pytest.raises(ValueError, match="colour"):
        sql.columns_update(PeriodicRun, {"id": [pk], "colour": ["red"]})
    with pytest.raises(ValueError, match="different lengths"):
        sql.columns_update(PeriodicRun, {"id": [pk], "name": ["y", "z"]})
    assert PeriodicRun.objects.get(pk=pk).name == "x"


def test_canonical_reads_either_alias_and_strips_text() -> None:
    chinese = {"单号": " A1 ", "门店编码": "S1", "数量": 2}
    english = {"pos_no": "B2", "store": " S2", "quantity": "1"}
    assert canonical(chinese, HEADERS) == {"pos_no": "A1", "store": "S1", "quantity": 2}
    assert canonical(english, HEADERS) == {"pos_no": "B2", "store": "S2", "quantity": "1"}
    # A second file with the first one's columns: the same answer from the remembered plan.
    assert canonical({"单号": "C3", "门店编码": "S3 ", "数量": 5}, HEADERS) == {
        "pos_no": "C3", "store": "S3", "quantity": 5,
    }  # fmt: skip


TURN = """
import os, sys, time
import django
django.setup()
from siyu.core import sql
print("ready", flush=True)
sys.stdin.readline()  # go
with sql.write_turn():
    start = time.monotonic()
    time.sleep(float(sys.argv[1]))
    print(start, time.monotonic(), flush=True)
"""


def test_write_turns_on_one_sqlite_file_follow_each_other_across_processes(tmp_path) -> None:
    """Two processes writing the same SQLite file take turns: the second starts only when
    the first has finished (and then at once, not after a busy handler's sleep)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'turns.sqlite3'}"}
    procs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", TURN, hold], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        for hold in ("0.6", "0")
    ]  # fmt: skip
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    procs[0].stdin.write("\n")
    procs[0].stdin.flush()
    time.sleep(0.2)  # the first holds its turn now
    procs[1].stdin.write("\n")
    procs[1].stdin.flush()
    (first_start, first_end), (second_start, _end) = (
        map(float, proc.communicate(timeout=30)[0].split()) for proc in procs
    )
    assert first_end - first_start >= 0.6
    assert first_end <= second_start < first_end + 0.3
    assert (tmp_path / "turns.sqlite3.writer").exists()
