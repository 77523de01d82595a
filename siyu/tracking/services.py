"""Ingesting behaviour events: one batch, one transaction, nothing stored twice.

The flow of `events_ingest` for a batch (≤ 1,000 events, ≤ 1 MB) from an authenticated
source:

1. Each event is checked on its own (id, type, times, identity, sizes); a bad one is
   reported with its index and reason and the others go on.
2. What the batch refers to is looked up once per batch, never per event: share codes →
   link, content, guide, store (content.selectors); identities → customers
   (members.selectors); anonymous devices → customers they were seen with (DeviceLink).
3. The batch goes to the group commit (`GroupCommit`): one writer per process writes every
   batch waiting at that moment in one transaction, and answers each after the commit.
   In that transaction: the devices' links are read, the events are inserted with `INSERT … ON CONFLICT (id) DO NOTHING
   RETURNING id`, so exactly the events new to siyu come back — a resent batch, or two
   clients racing with the same ids, adds nothing; the rollups (DailyStat per day × guide,
   content, store, share link; exact UV through VisitorDay) and CustomerActivity are then
   updated from those new events only, with upserts that add to what is there. A device
   seen with a customer for the first time is linked, and its earlier anonymous events are
   given to the customer; so are the earlier device-less events of an identity siyu did
   not know then, whose visitor rows for UV move to the customer.

The statements are plain SQL that SQLite (3.35+) and PostgreSQL both run (`core.sql`; on
PostgreSQL through COPY), written by hand because the ORM has neither multi-row RETURNING
inserts nor additive upserts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from siyu.core import periods, sql
from siyu.members import merge
from siyu.org.scope import Capability, Scope
from siyu.tracking.models import (
    CustomerActivity,
    DailyStat,
    DeviceLink,
    Dim,
    Event,
    EventSource,
    EventType,
    SourceKind,
    VisitorDay,
)

MAX_EVENTS = 1000
MAX_BYTES = 1_000_000
MAX_PROPERTIES_BYTES = 2048
MAX_AGE = dt.timedelta(days=30)  # an offline queue may send late, not this late
MAX_AHEAD = dt.timedelta(hours=1)  # clients' clocks drift, but not this far
ID_RE = re.compile(r"^[0-9A-Za-z_-]{8,40}$")
VIEWS = frozenset({EventType.PAGE_VIEW.value, EventType.CONTENT_VIEW.value})
TYPES = frozenset(EventType.values)  # computed once: the enum's .values is a fresh list each time
NEEDS_PRODUCT = frozenset({"product_view", "add_to_cart", "remove_from_cart"})
IDENTITY_KINDS = {"unionid", "mp_openid", "external_userid", "pos_card", "other"}
KEY_PREFIX = "wk_"


# -- write keys ---------------------------------------------------------------------------------
def key_hash(secret: str) -> str:
    """What is stored of a write key."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def event_source_create(
    *, scope: Scope, name: str, kind: str, brand_id: int | None = None
) -> tuple[EventSource, str]:
    """A new source and its write key (shown once; only its hash is kept)."""
    scope.require(Capability.MANAGE_TOKENS)
    secret = KEY_PREFIX + secrets.token_urlsafe(24)
    source = EventSource.objects.create(
        name=name, kind=kind, brand_id=brand_id, prefix=secret[:10], key_hash=key_hash(secret)
    )
    return source, secret


_own_key: str | None = None


def h5_write_key() -> str:
    """The write key of siyu's own H5 pages (landing pages, storefront), derived from
    SECRET_KEY: a browser's key is public anyway, and only its hash is stored. Its source is
    created when the key is first used."""
    global _own_key
    if _own_key is None:
        _own_key = KEY_PREFIX + salted_hmac("siyu.tracking", "own H5 pages").hexdigest()[:32]
    return _own_key


def h5_source() -> EventSource:
    """The source of siyu's own H5 pages."""
    secret = h5_write_key()
    source, _created = EventSource.objects.get_or_create(
        key_hash=key_hash(secret),
        defaults={"name": "siyu H5", "kind": SourceKind.H5, "prefix": secret[:10]},
    )
    return source


_sources: dict[str, tuple[float, EventSource]] = {}
SOURCE_CACHE_SECONDS = 30.0


def caches_clear() -> None:
    """Forget what the process remembers (the test suite does so for each new database)."""
    global _own_key
    _own_key = None
    _sources.clear()
    _known_shares.clear()


# A share code's attribution never changes (a link is bound to its content, guide and store
# when made), so known codes are remembered: most of a batch's codes were seen before.
_known_shares: dict[str, Any] = {}
KNOWN_SHARES_MAX = 200_000


def _attributions(codes: set[str], lookup: Any) -> dict[str, Any]:
    found = {code: _known_shares[code] for code in codes if code in _known_shares}
    missing = codes - found.keys()
    if missing:
        fresh = lookup(missing)
        if len(_known_shares) + len(fresh) > KNOWN_SHARES_MAX:
            _known_shares.clear()  # bounded: start over rather than grow without end
        _known_shares.update(fresh)
        found.update(fresh)
    return found


def event_source_authenticate(secret: str) -> EventSource | None:
    """The active source for a write key. Known keys are remembered for 30 s (ingestion is
    hot; a deactivated source is refused within that); unknown keys are never remembered,
    so random keys cannot grow the cache."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = key_hash(secret)
    cached = _sources.get(key)
    if cached is not None and time.monotonic() - cached[0] < SOURCE_CACHE_SECONDS:
        return cached[1]
    source: EventSource | None
    if secret == h5_write_key():  # siyu's own pages: known without being issued
        own = h5_source()
        source = own if own.active else None
    else:
        source = EventSource.objects.filter(key_hash=key, active=True).first()
    if source is None:
        _sources.pop(key, None)
    else:
        _sources[key] = (time.monotonic(), source)
    return source


# -- overload -----------------------------------------------------------------------------------
class Overloaded(Exception):
    """Too many batches in flight: the caller answers 429 and the client retries later."""


class Admission:
    """At most `limit` batches ingest at once in this process; the rest are turned away
    after a short wait instead of queueing without bound (and being dropped by a proxy)."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.slots = threading.BoundedSemaphore(limit)
        self.wait_seconds = wait_seconds

    def __enter__(self) -> Admission:
        if not self.slots.acquire(timeout=self.wait_seconds):
            raise Overloaded
        return self

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


admission = Admission(
    limit=settings.TRACKING_MAX_INFLIGHT, wait_seconds=settings.TRACKING_ADMISSION_WAIT
)


# -- checking -----------------------------------------------------------------------------------
@dataclass
class IngestResult:
    accepted: int = 0  # new events stored
    duplicates: int = 0  # already stored (a resent batch), or repeated within the batch
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"index", "id", "reason"}


@dataclass
class Row:
    id: str
    type: str
    occurred_at: dt.datetime
    day: dt.date
    identity: tuple[str, str] | None
    device_id: str
    share: str
    content_id: int | None
    page: str
    product_code: str
    order_ref: str
    dwell_ms: int
    amount_fen: int
    properties: str
    stamp: Any = None  # occurred_at as the database takes it
    customer_id: int | None = None  # the event's customer: identified, else the device's
    identified_id: int | None = None  # the customer the event's own identity names
    link_id: int | None = None
    staff_id: int | None = None
    store_id: int | None = None
    content_brand_id: int | None = None
    visitor_key: str = ""  # see Event.visitor_key


def _text(raw: dict[str, Any], name: str, limit: int) -> str:
    value = raw.get(name) or ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return value


def _whole(raw: dict[str, Any], name: str, top: int) -> int:
    value = raw.get(name) or 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
        raise ValueError(f"{name} must be a whole number from 0 to {top}")
    return value


def _when(raw: dict[str, Any], now: dt.datetime) -> dt.datetime:
    value = raw.get("occurred_at")
    if isinstance(value, int) and not isinstance(value, bool):  # epoch milliseconds
        when = dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    elif isinstance(value, str) and (parsed := periods.read_moment(value)) is not None:
        if timezone.is_naive(parsed):
            raise ValueError("occurred_at needs a time zone (or epoch milliseconds)")
        when = parsed
    else:
        raise ValueError("occurred_at must be ISO 8601 with a zone, or epoch milliseconds")
    if when > now + MAX_AHEAD:
        raise ValueError("occurred_at is in the future")
    if when < now - MAX_AGE:
        raise ValueError("occurred_at is more than 30 days ago")
    return when


def check_event(raw: Any, now: dt.datetime, zone: ZoneInfo) -> Row:
    """One event from a batch as a Row, or ValueError with the reason."""
    if not isinstance(raw, dict):
        raise ValueError("an event must be an object")
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not ID_RE.match(event_id):
        raise ValueError("id must be 8–40 letters, digits, '-' or '_'")
    kind = raw.get("type")
    if kind not in TYPES:
        raise ValueError(f"unknown type {kind!r}")
    when = _when(raw, now)
    customer = raw.get("customer")
    identity = None
    if customer is not None:
        if (
            not isinstance(customer, dict)
            or customer.get("kind") not in IDENTITY_KINDS
            or not isinstance(customer.get("value"), str)
            or not 0 < len(customer["value"]) <= 128
        ):
            raise ValueError(f"customer must be {{kind: one of {sorted(IDENTITY_KINDS)}, value}}")
        identity = (customer["kind"], customer["value"])
    device = _text(raw, "device_id", 64)
    if identity is None and not device:
        raise ValueError("an event needs a device_id or a customer")
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValueError("properties must be an object")
    encoded = (
        json.dumps(properties, ensure_ascii=False, separators=(",", ":")) if properties else "{}"
    )
    if len(encoded) > MAX_PROPERTIES_BYTES // 4 and len(encoded.encode()) > MAX_PROPERTIES_BYTES:
        raise ValueError("properties are larger than 2 KB")
    content = raw.get("content_id")
    if content is not None and (not isinstance(content, int) or isinstance(content, bool)):
        raise ValueError("content_id must be a number")
    row = Row(
        id=event_id, type=kind, occurred_at=when, day=when.astimezone(zone).date(),
        identity=identity, device_id=device, share=_text(raw, "share", 16), content_id=content,
        page=_text(raw, "page", 200), product_code=_text(raw, "product", 40),
        order_ref=_text(raw, "order", 64), dwell_ms=_whole(raw, "dwell_ms", 86_400_000),
        amount_fen=_whole(raw, "amount_fen", 10**11), properties=encoded,
    )  # fmt: skip
    if (
        kind in (EventType.PRODUCT_VIEW, EventType.ADD_TO_CART, EventType.REMOVE_FROM_CART)
        and not row.product_code
    ):
        raise ValueError(f"{kind} needs a product")  # fmt: skip
    if kind == EventType.ORDER_PAID and not row.order_ref:
        raise ValueError("order_paid needs an order")
    return row


# -- ingestion ----------------------------------------------------------------------------------
@dataclass
class _Batch:
    """A checked batch waiting for the group commit, and what became of it.

    What its rows add to the rollups is worked out before it joins the queue (`figures`,
    `visitors`: rollup_deltas and viewers_by_visitor of all its rows), outside the write
    lock: under load the writer's Python work, not SQLite's, had been the critical path.
    The writer uses them when every row turns out new, as nearly always."""

    source_id: int
    rows: list[Row]
    places: dict[int, tuple[int, int]]
    now: dt.datetime
    result: IngestResult
    figures: dict[tuple, tuple[tuple, list[int]]] = field(default_factory=dict)
    visitors: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    done: bool = False
    error: BaseException | None = None


def events_ingest(
    *, source: EventSource, events: Sequence[Any], writer: GroupCommit | None = None
) -> IngestResult:
    """Store a batch's good events once each and update the rollups (see the module doc).
    `writer` is the process's group commit unless given (a test plays two processes so)."""
    from siyu.content.selectors import content_brands, share_attribution
    from siyu.members.selectors import customer_ids_by_identity, identity_pseudonym
    from siyu.org.selectors import store_places

    now = timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    result = IngestResult()
    rows: list[Row] = []
    seen: set[str] = set()
    for index, raw in enumerate(events):
        try:
            row = check_event(raw, now, zone)
        except ValueError as exc:
            event_id = raw.get("id") if isinstance(raw, dict) else None
            result.rejected.append({"index": index, "id": event_id, "reason": str(exc)})
            continue
        if row.id in seen:
            result.duplicates += 1
            continue
        seen.add(row.id)
        rows.append(row)
    if not rows:
        return result
    shares = _attributions({r.share for r in rows if r.share}, share_attribution)
    customers = customer_ids_by_identity({r.identity for r in rows if r.identity})
    pseudonyms: dict[tuple[str, str], str] = {}  # each identity's once per batch
    for row in rows:
        if row.share in shares:
            attribution = shares[row.share]
            row.link_id, row.staff_id, row.store_id = (
                attribution.link_id, attribution.staff_id, attribution.store_id,
            )  # fmt: skip
            row.content_id = row.content_id or attribution.content_id
            if row.content_id == attribution.content_id:
                row.content_brand_id = attribution.brand_id
        if row.identity is not None:
            row.identified_id = row.customer_id = customers.get(row.identity)
            if not row.device_id:
                key = pseudonyms.get(row.identity)
                if key is None:
                    key = pseudonyms[row.identity] = identity_pseudonym(*row.identity)
                row.visitor_key = key
    other = {r.content_id for r in rows if r.content_id and r.content_brand_id is None}
    brands = content_brands(other) if other else {}
    for row in rows:
        if row.content_id and row.content_brand_id is None:
            row.content_brand_id = brands.get(row.content_id)
    places = store_places({r.store_id for r in rows if r.store_id})
    stamp = sql.datetime_adapter()
    for row in rows:
        row.stamp = stamp(row.occurred_at)
    figures, viewers = rollup_deltas(rows, places)
    batch = _Batch(source.pk, rows, places, now, result, figures, viewers_by_visitor(viewers))
    (writer or group_commit).write(batch)
    return result


class GroupCommit:
    """One writer at a time per process, writing every batch that is waiting in one
    transaction (a group commit, as databases do for their own logs).

    A batch joins the queue, then takes the write lock. Whoever holds the lock writes the
    whole queue — its own batch and those that arrived while the previous group was being
    written — so under load each commit, and each index page it dirties, is shared by
    several batches; alone, a batch is written on its own at once. A batch is answered only
    after the transaction holding it has committed. If a group fails, its batches are
    written again one by one, so one batch's failure is never another's.
    """

    def __init__(self) -> None:
        self._queue: list[_Batch] = []
        self._queue_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def write(self, batch: _Batch) -> None:
        with self._queue_lock:
            self._queue.append(batch)
        with self._write_lock:
            if not batch.done:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._write_group(group)
        if batch.error is not None:
            raise batch.error

    def _write_group(self, group: list[_Batch]) -> None:
        try:
            try:
                with sql.write_turn(), transaction.atomic():
                    tallies = _write(group)
            except OperationalError as exc:  # the database is busy or gone: all of them retry
                for batch in group:
                    batch.error = exc
            except Exception as exc:
                if len(group) == 1:
                    group[0].error = exc
                else:
                    for batch in group:
                        self._write_group([batch])
            else:  # committed: now the batches may be answered
                for batch, (accepted, duplicates) in zip(group, tallies, strict=True):
                    batch.result.accepted = accepted
                    batch.result.duplicates += duplicates
        finally:
            for batch in group:
                batch.done = True


group_commit = GroupCommit()


def _write(group: list[_Batch]) -> list[tuple[int, int]]:
    """Write the batches of a group (in its transaction): events once, then links, rollups
    and activity from the events that were new. Returns (accepted, duplicates) per batch.
    Nothing here depends on an earlier attempt: a group that failed is written again."""
    ids: set[str] = set()
    mine: list[list[Row]] = []
    for batch in group:  # an id in two batches of the group belongs to the first
        own = [r for r in batch.rows if r.id not in ids]
        ids.update(r.id for r in own)
        mine.append(own)
    linked = _device_links({r.device_id for own in mine for r in own if r.device_id})
    for own in mine:
        for row in own:
            row.customer_id = row.identified_id or linked.get(row.device_id)
    new_ids = _insert_events(
        [(batch.source_id, own) for batch, own in zip(group, mine, strict=True)], group[0].now
    )
    fresh: list[Row] = []
    places: dict[int, tuple[int, int]] = {}
    tallies = []
    for batch, own in zip(group, mine, strict=True):
        kept = [r for r in own if r.id in new_ids]
        tallies.append((len(kept), len(batch.rows) - len(kept)))
        fresh.extend(kept)
        places.update(batch.places)
    _link_devices(fresh, linked, group[0].now)
    if len(fresh) == sum(len(batch.rows) for batch in group):  # all new: as worked out
        figures, visitors = _merged(group)
    else:  # some were stored already (a resent batch): only the new ones count
        figures, viewers = rollup_deltas(fresh, places)
        visitors = viewers_by_visitor(viewers)
    _rollup(figures, visitors)
    _stitch_identities(fresh)  # after the rollups: it may move visitor rows they just wrote
    _activity(fresh)
    return tallies


def _merged(group: list[_Batch]) -> tuple[dict, dict]:
    """The batches' own rollup deltas summed, never changing theirs: a failed group is written
    again batch by batch from the same deltas."""
    if len(group) == 1:
        return group[0].figures, group[0].visitors
    figures: dict[tuple, tuple[tuple, list[int]]] = {}
    visitors: dict[tuple[str, str], set[str]] = defaultdict(set)
    for batch in group:
        for target, (where, counts) in batch.figures.items():
            total = figures.get(target)
            if total is None:
                figures[target] = (where, list(counts))
            else:
                total[1][:] = map(operator.add, total[1], counts)
        for key, marks in batch.visitors.items():
            visitors[key] |= marks
    return figures, visitors


# Event's columns in the order ingestion (and the generator) write them.
EVENT_COLUMNS = [
    "id", "source_id", "type", "occurred_at", "received_at", "day", "customer_id", "device_id",
    "link_id", "content_id", "staff_id", "store_id", "page", "product_code", "order_ref",
    "dwell_ms", "amount_fen", "properties", "visitor_key",
]  # fmt: skip


def _insert_events(batches: list[tuple[int, list[Row]]], now: dt.datetime) -> set[str]:
    received = sql.datetime_adapter()(now)
    values = [
        (
            r.id, source_id, r.type, r.stamp, received, str(r.day), r.customer_id, r.device_id, r.link_id, r.content_id,
            r.staff_id, r.store_id, r.page, r.product_code, r.order_ref, r.dwell_ms, r.amount_fen,
            r.properties, r.visitor_key,
        )
        for source_id, rows in batches
        for r in rows
    ]  # fmt: skip
    inserted = sql.insert_new(
        Event._meta.db_table, EVENT_COLUMNS, values, returning="id", conflict="id"
    )
    return {row[0] for row in inserted}


def _device_links(devices: set[str]) -> dict[str, int]:
    """The customers these devices were seen with (read inside the writing transaction, so a
    link made by the previous group is seen). Plain SQL: the ORM prepares each of thousands
    of `IN` parameters one by one."""
    statement = f"SELECT device_id, customer_id FROM {DeviceLink._meta.db_table} WHERE {{in}}"  # noqa: S608
    return dict(sql.rows_in(statement, "device_id", devices))


def _link_devices(rows: list[Row], linked: dict[str, int], now: dt.datetime) -> None:
    """Devices seen with a customer for the first time: link them, and give the customer the
    device's earlier anonymous events (their trail starts before they identified)."""
    new = {r.device_id: r.identified_id for r in rows if r.device_id and r.identified_id and r.device_id not in linked}  # fmt: skip
    if not new:
        return
    received = sql.db_datetime(now)
    sql.insert_new(
        DeviceLink._meta.db_table, ["device_id", "customer_id", "linked_at"],
        [(d, c, received) for d, c in new.items()], returning="device_id", conflict="device_id",
    )  # fmt: skip
    # One UPDATE per chunk of newly linked devices, taking each event's customer from its
    # device's link (the ORM would spell this as a CASE of one WHEN per device: far slower).
    events, links = Event._meta.db_table, DeviceLink._meta.db_table
    with sql.driver_cursor() as cursor:
        for chunk in sql.chunks(sorted(new), 5000):
            where, params = sql.any_of("device_id", chunk)
            cursor.execute(
                f"UPDATE {events} SET customer_id = (SELECT l.customer_id FROM {links} l "  # noqa: S608
                f"WHERE l.device_id = {events}.device_id) WHERE customer_id IS NULL AND {where}",
                params,
            )
    for row in rows:
        if row.customer_id is None and row.device_id in new:
            row.customer_id = new[row.device_id]


def _stitch_identities(rows: list[Row]) -> None:
    """Identities seen with a customer whose earlier device-less events were anonymous (siyu
    did not know the identity then; such an event keeps the identity's pseudonym): those
    events become the customer's, and for UV their visitor rows move from the pseudonym to
    the customer (`_visitors_move`). So a person is one visitor on a day whether siyu knew
    them at their first view or not, and the rollups still recompute from the events
    (`_visitor`). Only device-less events of a known customer look: an event with a device
    counts as its device, whoever it names (see `_link_devices`)."""
    customer_of = {r.visitor_key: r.identified_id for r in rows if r.visitor_key and r.identified_id is not None}  # fmt: skip
    if not customer_of:
        return
    events, mark = Event._meta.db_table, sql.mark()
    anonymous = "customer_id IS NULL AND device_id = ''"  # the `event_anonymous` index
    found = sql.rows_in(
        f"SELECT DISTINCT CAST(day AS TEXT), visitor_key FROM {events} WHERE {anonymous} AND {{in}}",  # noqa: S608
        "visitor_key", customer_of,
    )  # fmt: skip
    if not found:
        return
    with sql.driver_cursor() as cursor:
        cursor.executemany(
            f"UPDATE {events} SET customer_id = {mark} WHERE {anonymous} AND visitor_key = {mark}",  # noqa: S608
            [(customer_of[key], key) for key in sorted({key for _day, key in found})],
        )
    _visitors_move({(day, f"i{key}"): (day, f"c{customer_of[key]}") for day, key in found})


def _visitors_move(moves: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Move UV visitor rows, {(day, visitor): (day, new visitor)}, in the caller's
    transaction: each merges into the new visitor's row of that day, if there is one, where
    a mark both hold counts once (its rollup row's UV goes down by one). Rows are read
    locked, in key order (`_visitor_days`); a row another writer has moved meanwhile is
    skipped."""
    if not moves:
        return
    stored = {
        (day, visitor): set(seen.split())
        for day, visitor, seen in _visitor_days(sorted({*moves, *moves.values()}))
    }
    merged: dict[tuple[str, str], set[str]] = {}
    twice: Counter[tuple[str, str]] = Counter()  # (day, mark): visitors now one
    gone = []
    for old, new in sorted(moves.items()):
        if old not in stored:
            continue
        into = merged.get(new)
        if into is None:
            into = merged[new] = stored.get(new, set())
        twice.update((new[0], m) for m in stored[old] & into)
        into |= stored[old]
        gone.append(old)
    table, stats, mark = VisitorDay._meta.db_table, DailyStat._meta.db_table, sql.mark()
    with sql.driver_cursor() as cursor:
        cursor.executemany(f"DELETE FROM {table} WHERE day = {mark} AND visitor = {mark}", gone)  # noqa: S608
        cursor.executemany(
            f"UPDATE {stats} SET uv = uv - {mark} WHERE day = {mark} AND dim = {mark} AND key = {mark}",  # noqa: S608
            [(n, day, *_unmark(m)) for (day, m), n in sorted(twice.items())],
        )
    sql.upsert(
        table, ["day", "visitor", "seen"],
        [(day, visitor, " ".join(sorted(marks))) for (day, visitor), marks in sorted(merged.items())],
        conflict="day, visitor", updates="seen = excluded.seen",
    )  # fmt: skip


def _merge_events(source: Any, target: Any) -> int:
    """A merged customer's events and activity become the survivor's (their trail and
    follow-up figures; the activity added as a batch's is, `_activity_upsert`), and for UV
    their visitor rows (a device-less event counts as its customer) merge into the
    survivor's, day by day (`_visitors_move`)."""
    theirs = Event.objects.filter(customer_id=source.pk)
    days = set(theirs.filter(device_id="").values_list("day", flat=True))
    moved = theirs.update(customer_id=target.pk)
    _visitors_move({(str(day), f"c{source.pk}"): (str(day), f"c{target.pk}") for day in days})
    activity = CustomerActivity.objects.select_for_update().filter(customer_id=source.pk).first()
    if activity is not None:
        _activity_upsert({target.pk: [
            activity.last_seen_at, activity.last_type, activity.last_content_id,
            activity.events, activity.carts, activity.orders,
        ]})  # fmt: skip
        activity.delete()
    return moved


merge.register_handler("tracking.event.customer_id", _merge_events)
merge.register_reference(DeviceLink, "customer_id")  # the device's later events follow


STAT_FIELDS = ("pv", "dwell_ms", "carts", "orders", "sales_fen")
# DailyStat's columns as ingestion (and the generator) write them: the `where` of
# rollup_deltas sits between the key and the figures.
STAT_COLUMNS = ["day", "dim", "key", "brand_id", "branch_id", "store_id", "content_id", "staff_id", "pv", "uv", "dwell_ms", "carts", "orders", "sales_fen"]  # fmt: skip


def _figures(row: Row) -> tuple[int, int, int, int, int]:
    """What one event adds, in STAT_FIELDS order (pv, dwell_ms, carts, orders, sales_fen)."""
    kind = row.type
    if kind in VIEWS:
        return (1, 0, 0, 0, 0)
    if kind == "view_end":
        return (0, row.dwell_ms, 0, 0, 0)
    if kind == "add_to_cart":
        return (0, 0, 1, 0, 0)
    if kind == "order_paid":
        return (0, 0, 0, 1, row.amount_fen)
    return (0, 0, 0, 0, 0)


def _dims(row: Row, places: dict[int, tuple[int, int]]) -> list[tuple[str, int, tuple]]:
    """The rollup rows an attributed event counts in: (dim, key, where), where = (brand,
    branch, store, content, guide) as DailyStat carries them."""
    dims: list[tuple[str, int, tuple]] = []
    brand, branch = places.get(row.store_id, (None, None)) if row.store_id else (None, None)
    where = (brand, branch, row.store_id, None, None)
    if row.staff_id:
        dims.append((Dim.GUIDE, row.staff_id, where))
    if row.store_id:
        dims.append((Dim.STORE, row.store_id, where))
    if row.link_id:
        dims.append(
            (Dim.LINK, row.link_id, (brand, branch, row.store_id, row.content_id, row.staff_id))
        )
    if row.content_id:
        dims.append((Dim.CONTENT, row.content_id, (row.content_brand_id, None, None, None, None)))
    return dims


def rollup_deltas(rows: Iterable[Row], places: dict) -> tuple[dict, dict]:
    """What `rows` add to the rollups: {(day, dim, key): (where, [n per STAT_FIELDS])} and
    the viewers per (day, dim, key). Plain lists and ints: this runs for every event of every
    batch."""
    sums: dict[tuple, list[int]] = {}
    where_of: dict[tuple, tuple] = {}
    viewers: dict[tuple, set[str]] = defaultdict(set)
    for row in rows:
        counts = _figures(row)
        visitor = _visitor(row)
        viewed = row.type in VIEWS
        for dim, key, where in _dims(row, places):
            target = (row.day, dim, key)
            total = sums.get(target)
            if total is None:
                sums[target] = list(counts)
                where_of[target] = where
            else:
                for i, n in enumerate(counts):
                    total[i] += n
            if viewed:
                viewers[target].add(visitor)
    return {t: (where_of[t], v) for t, v in sums.items()}, viewers


def _visitor(row: Row) -> str:
    """Who viewed, for UV: the device when there is one (stitching a device to a customer
    later changes the event's customer, never its device, so UV stays what the raw events
    recompute to), else the customer, else the unknown identity's pseudonym (whose visitor
    rows move to the customer when the identity is stitched: `_stitch_identities`)."""
    if row.device_id:
        return f"d{row.device_id}"
    return f"c{row.customer_id}" if row.customer_id is not None else f"i{row.visitor_key}"


# A dimension as one letter in VisitorDay.seen: "g12" is guide 12, "l456" share link 456.
DIM_MARKS = {Dim.GUIDE: "g", Dim.CONTENT: "c", Dim.STORE: "s", Dim.LINK: "l"}
MARK_DIMS = {mark: dim for dim, mark in DIM_MARKS.items()}


def _unmark(mark: str) -> tuple[str, int]:
    """A mark of VisitorDay.seen as (dim, key)."""
    return MARK_DIMS[mark[0]], int(mark[1:])


def viewers_by_visitor(viewers: dict[tuple, set[str]]) -> dict[tuple[str, str], set[str]]:
    """{(day, dim, key): visitors} turned around: {(day as text, visitor): marks}."""
    by_visitor: dict[tuple[str, str], set[str]] = defaultdict(set)
    days: dict[Any, str] = {}
    for (day, dim, key), people in viewers.items():
        text = days.get(day) or days.setdefault(day, str(day))
        mark = f"{DIM_MARKS[dim]}{key}"
        for visitor in people:
            by_visitor[(text, visitor)].add(mark)
    return by_visitor


def _new_viewers(by_visitor: dict[tuple[str, str], set[str]]) -> Counter:
    """How many of the visitors in `by_visitor` ({(day as text, visitor): marks}) are new to
    each (day as text, dim, key), recording them in VisitorDay (in the caller's transaction).

    A visitor's first view of a day inserts their row with all the batch's marks, and every
    mark is new. Otherwise their row is read (on PostgreSQL locked, so two writers never
    both count the same mark) and only marks not yet in it count and are added. Rows are
    taken in key order, so concurrent writers lock them in the same order."""
    table = VisitorDay._meta.db_table
    order = sorted(by_visitor)
    inserted = sql.insert_new(
        table, ["day", "visitor", "seen"], [(*dv, " ".join(sorted(by_visitor[dv]))) for dv in order],
        returning="CAST(day AS TEXT), visitor", conflict="day, visitor",
    )  # fmt: skip
    new: Counter[tuple[str, str]] = Counter()
    for day, visitor in inserted:
        new.update((day, mark) for mark in by_visitor[(day, visitor)])
    first = set(inserted)
    changed = []
    for day, visitor, seen in _visitor_days([dv for dv in order if dv not in first]):
        added = by_visitor[(day, visitor)].difference(seen.split())
        if added:
            new.update((day, mark) for mark in added)
            changed.append((day, visitor, " ".join((seen, *sorted(added)))))
    sql.upsert(table, ["day", "visitor", "seen"], changed, conflict="day, visitor", updates="seen = excluded.seen")  # fmt: skip
    return Counter({(day, *_unmark(mark)): n for (day, mark), n in new.items()})


def _visitor_days(keys: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The stored (day, visitor, seen) of these (day, visitor) keys, locked for this
    transaction on PostgreSQL (SQLite's writer holds the whole database already)."""
    statement = (
        f"SELECT CAST(day AS TEXT), visitor, seen FROM {VisitorDay._meta.db_table} "  # noqa: S608
        f"WHERE day = {sql.mark()} AND {{in}} ORDER BY visitor{sql.locking()}"
    )
    found: list[tuple[str, str, str]] = []
    for day, group in groupby(keys, key=lambda dv: dv[0]):
        found += sql.rows_in(statement, "visitor", [visitor for _day, visitor in group], [day])
    return found


def _rollup(figures: dict, by_visitor: dict[tuple[str, str], set[str]]) -> None:
    """Add `figures` (rollup_deltas) to DailyStat, with the UV of the visitors new there."""
    if not figures:
        return
    new_viewers = _new_viewers(by_visitor)
    days = {day: str(day) for day, _dim, _key in figures}
    stats = []
    for (day, dim, key), (where, (pv, dwell_ms, carts, orders, sales_fen)) in figures.items():
        target = (days[day], dim, key)
        stats.append((*target, *where, pv, new_viewers[target], dwell_ms, carts, orders, sales_fen))
    # In key order, so concurrent writers on PostgreSQL lock rows in the same order (sorted
    # by text and ints: comparing date objects was a visible cost).
    stats.sort(key=lambda row: row[:3])
    table = DailyStat._meta.db_table
    sql.upsert(
        table, STAT_COLUMNS, stats, conflict="day, dim, key",
        updates=", ".join(
            f"{c} = {table}.{c} + excluded.{c}" for c in ("pv", "uv", "dwell_ms", "carts", "orders", "sales_fen")
        ),
    )  # fmt: skip


def activity_add(
    summary: dict[int, list[Any]],
    customer_id: int,
    at: dt.datetime,
    kind: str,
    content_id: int | None,
) -> None:
    """Fold one event into a customer's activity summary [last_at, last_type, last_content_id,
    events, carts, orders] (CustomerActivity's columns, in order)."""
    seen = summary.get(customer_id)
    if seen is None:
        summary[customer_id] = seen = [at, kind, content_id, 0, 0, 0]
    elif at > seen[0]:
        seen[0:3] = [at, kind, content_id]
    seen[3] += 1
    seen[4] += kind == EventType.ADD_TO_CART
    seen[5] += kind == EventType.ORDER_PAID


def _activity(rows: list[Row]) -> None:
    """Each customer's latest activity and running counts (for the follow-up list)."""
    summary: dict[int, list[Any]] = {}
    for row in rows:
        if row.customer_id is not None:
            activity_add(summary, row.customer_id, row.occurred_at, row.type, row.content_id)
    _activity_upsert(summary)


def _activity_upsert(summary: dict[int, list[Any]]) -> None:
    """Add activity summaries (see `activity_add`) to the customers' rows: counts add up,
    the latest activity wins."""
    if not summary:
        return
    table = CustomerActivity._meta.db_table
    stamp = sql.datetime_adapter()
    newer = f"excluded.last_seen_at > {table}.last_seen_at"
    sql.upsert(
        table,
        ["customer_id", "last_seen_at", "last_type", "last_content_id", "events", "carts", "orders"],
        [
            (customer, stamp(at), kind, content, events, carts, orders)
            for customer, (at, kind, content, events, carts, orders) in sorted(summary.items())
        ],
        conflict="customer_id",
        updates=(
            f"last_type = CASE WHEN {newer} THEN excluded.last_type ELSE {table}.last_type END, "
            f"last_content_id = CASE WHEN {newer} THEN excluded.last_content_id ELSE {table}.last_content_id END, "
            f"last_seen_at = CASE WHEN {newer} THEN excluded.last_seen_at ELSE {table}.last_seen_at END, "
            f"events = {table}.events + excluded.events, carts = {table}.carts + excluded.carts, "
            f"orders = {table}.orders + excluded.orders"
        ),
    )  # fmt: skip


# -- rebuild and check --------------------------------------------------------------------------
def rollups_recompute(
    progress: Any = None,
) -> tuple[dict[tuple, dict[str, Any]], dict[tuple, set[str]]]:
    """The rollups as they should be, recomputed from the raw events: figures per
    (day, dim, key) with uv from the distinct viewers, and those viewers."""
    from siyu.content.selectors import content_brands
    from siyu.org.selectors import store_places

    figures: dict[tuple, dict[str, Any]] = {}
    viewers: dict[tuple, set[str]] = defaultdict(set)
    batch: list[Row] = []
    done = 0

    def flush() -> None:
        brands = content_brands({r.content_id for r in batch if r.content_id})
        for row in batch:
            row.content_brand_id = brands.get(row.content_id) if row.content_id else None
        places = store_places({r.store_id for r in batch if r.store_id})
        deltas, people = rollup_deltas(batch, places)
        for target, (where, counts) in deltas.items():
            current = figures.setdefault(target, {"where": where, **dict.fromkeys(STAT_FIELDS, 0)})
            for name, n in zip(STAT_FIELDS, counts, strict=True):
                current[name] += n
        for target, seen in people.items():
            viewers[target] |= seen
        batch.clear()

    for event in Event.objects.order_by("id").iterator(chunk_size=5000):
        batch.append(
            Row(
                id=event.id, type=event.type, occurred_at=event.occurred_at, day=event.day,
                identity=None, device_id=event.device_id, share="", content_id=event.content_id,
                page="", product_code="", order_ref="", dwell_ms=event.dwell_ms,
                amount_fen=event.amount_fen, properties="", customer_id=event.customer_id,
                link_id=event.link_id, staff_id=event.staff_id, store_id=event.store_id,
                visitor_key=event.visitor_key,
            )
        )  # fmt: skip
        if len(batch) >= 5000:
            flush()
            done += 5000
            if progress is not None and done % 500_000 == 0:
                progress(f"  recomputed from {done:,} events")
    flush()
    for target, row in figures.items():
        row["uv"] = len(viewers.get(target, ()))
    return figures, viewers


def rollups_stored() -> dict[tuple, dict[str, Any]]:
    """The rollups as stored, in the shape rollups_recompute returns."""
    return {
        (s.day, s.dim, s.key): {
            "where": (s.brand_id, s.branch_id, s.store_id, s.content_id, s.staff_id), "pv": s.pv, "uv": s.uv,
            "dwell_ms": s.dwell_ms, "carts": s.carts, "orders": s.orders, "sales_fen": s.sales_fen,
        }
        for s in DailyStat.objects.all()
    }  # fmt: skip


def visitors_stored() -> dict[tuple, set[str]]:
    """The UV visitors as stored, in the shape rollups_recompute returns them."""
    viewers: dict[tuple, set[str]] = defaultdict(set)
    for day, visitor, seen in VisitorDay.objects.values_list("day", "visitor", "seen").iterator():
        for mark in seen.split():
            viewers[(day, *_unmark(mark))].add(visitor)
    return viewers


@transaction.atomic
def rollups_rebuild(progress: Any = None) -> int:
    """Replace every rollup (and the UV visitor sets) with what the raw events say."""
    figures, viewers = rollups_recompute(progress)
    DailyStat.objects.all().delete()
    VisitorDay.objects.all().delete()
    DailyStat.objects.bulk_create(
        [
            DailyStat(
                day=day, dim=dim, key=key, brand_id=row["where"][0], branch_id=row["where"][1],
                store_id=row["where"][2], content_id=row["where"][3], staff_id=row["where"][4],
                **{n: row[n] for n in (*STAT_FIELDS, "uv")},
            )
            for (day, dim, key), row in figures.items()
        ],
        batch_size=2000,
    )  # fmt: skip
    VisitorDay.objects.bulk_create(
        [
            VisitorDay(day=day, visitor=visitor, seen=" ".join(sorted(marks)))
            for (day, visitor), marks in viewers_by_visitor(viewers).items()
        ],
        batch_size=2000,
    )
    return len(figures)
