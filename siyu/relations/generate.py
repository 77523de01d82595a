"""Generator step for relationships: channel codes per guide and store, and WeCom friendships
with realistic channels and timing, a few % duplicates and a few % blocks (see core.generator)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from siyu.core.generator import Context, batched, insert_rows, next_id, reset_sequences
from siyu.members.generate import IDENTITY_COLUMNS
from siyu.members.models import Customer, Identity
from siyu.org.models import Staff, StaffStatus, Store
from siyu.relations.models import ChannelCode, Friendship

# How guides' friends arrive: badge scans dominate, then package cards and posters.
KINDS = ("badge", "package", "poster", "game")
KIND_CUM = list(itertools.accumulate((60, 20, 15, 5)))


def generate(ctx: Context) -> None:
    rng = ctx.rng("relations")
    started = time.perf_counter()
    stores = {s.pk: s for s in Store.objects.only("id", "brand_id", "wecom_userid")}
    guides = {
        g.pk: g
        for g in Staff.objects.filter(role="guide", status=StaffStatus.EMPLOYED).only(
            "id", "store_id", "wecom_userid"
        )
    }
    # Channel codes: a badge, package card, poster and game code per guide; a counter code per store.
    # The reference date's evening, not the wall clock: same seed and date, same data.
    now = dt.datetime.combine(ctx.today, dt.time(21), ZoneInfo(settings.TIME_ZONE))
    code_id = next_id(ChannelCode._meta.db_table)
    codes, code_of = [], {}

    def code_row(
        pk: int, kind: str, store_id: int, staff_id: int | None, wecom_userid: str
    ) -> tuple:
        # An offline demo code: no contact way was asked of WeCom, so config_id is a placeholder.
        return (
            pk,
            kind,
            store_id,
            staff_id,
            wecom_userid,
            "",
            f"sy{pk}",
            f"demo-{pk}",
            "",
            True,
            now,
        )

    for guide in guides.values():
        for kind in KINDS:
            codes.append(code_row(code_id, kind, guide.store_id, guide.pk, guide.wecom_userid))
            code_of[(guide.pk, kind)] = code_id
            code_id += 1
    for store in stores.values():
        codes.append(code_row(code_id, "store", store.pk, None, store.wecom_userid))
        code_of[(store.pk, "store")] = code_id
        code_id += 1
    with transaction.atomic():
        insert_rows(
            ctx,
            ChannelCode._meta.db_table,
            [
                "id",
                "kind",
                "store_id",
                "staff_id",
                "wecom_userid",
                "campaign",
                "state",
                "config_id",
                "qr_code",
                "active",
                "created_at",
            ],
            codes,
        )
    by_brand: dict[int, list[int]] = {}
    for guide in guides.values():
        by_brand.setdefault(stores[guide.store_id].brand_id, []).append(guide.pk)

    friendship_id, identity_id = (
        next_id(Friendship._meta.db_table),
        next_id(Identity._meta.db_table),
    )
    first, last = (
        Customer.objects.order_by("id").values_list("id", flat=True).first() or 1,
        Customer.objects.count(),
    )
    for start, stop in batched(last):
        rows, identities = [], []
        for cid, store_id, owner_id in Customer.objects.filter(
            id__gte=first + start, id__lt=first + stop
        ).values_list("id", "home_store_id", "owner_staff_id"):
            if rng.random() > 0.7:  # 70 % of customers are WeCom friends
                continue
            external = f"wm{ctx.seed:02d}{cid:012d}"
            identities.append((identity_id, cid, "external_userid", "", external, "", "", now))
            identity_id += 1
            added = now - dt.timedelta(
                days=ctx.days * (1 - rng.random() ** 0.6), hours=rng.uniform(-10, 0)
            )
            if owner_id and rng.random() < 0.9:
                kind = rng.choices(KINDS, cum_weights=KIND_CUM)[0]
                member, staff_id, credited, code = (
                    guides[owner_id].wecom_userid,
                    owner_id,
                    owner_id,
                    code_of[(owner_id, kind)],
                )
            else:
                member, staff_id, credited, code = (
                    stores[store_id].wecom_userid,
                    None,
                    owner_id,
                    code_of[(store_id, "store")],
                )
            pairs = [(member, staff_id, credited, code, store_id, False)]
            brand_guides = by_brand.get(stores[store_id].brand_id, [])
            if (
                rng.random() < 0.03 and len(brand_guides) > 1
            ):  # also a friend at another store of the brand
                other = guides[rng.choice(brand_guides)]
                if other.store_id != store_id:
                    pairs.append(
                        (
                            other.wecom_userid,
                            other.pk,
                            other.pk,
                            code_of[(other.pk, "badge")],
                            other.store_id,
                            True,
                        )
                    )
            for member, staff_id, credited, code, at_store, duplicate in pairs:
                roll = rng.random()
                status, ended = "active", None
                if roll < 0.04:  # deleted or blocked by the customer, mostly soon after adding
                    status, ended = (
                        "deleted_by_customer",
                        added + dt.timedelta(days=rng.expovariate(1 / 12)),
                    )
                elif roll < 0.05:
                    status, ended = (
                        "deleted_by_staff",
                        added + dt.timedelta(days=rng.uniform(1, 200)),
                    )
                if ended is not None and ended > now:
                    status, ended = "active", None
                rows.append(
                    (
                        friendship_id,
                        member,
                        external,
                        cid,
                        at_store,
                        staff_id,
                        credited,
                        code,
                        1,
                        f"sy{code}",
                        added,
                        status,
                        ended,
                        "",
                        "",
                        "[]",
                        duplicate,
                    )
                )
                friendship_id += 1
        with transaction.atomic():
            insert_rows(
                ctx,
                Identity._meta.db_table,
                IDENTITY_COLUMNS,
                identities,
            )
            insert_rows(
                ctx,
                Friendship._meta.db_table,
                [
                    "id",
                    "wecom_userid",
                    "external_userid",
                    "customer_id",
                    "store_id",
                    "staff_id",
                    "credited_staff_id",
                    "channel_code_id",
                    "add_way",
                    "state",
                    "added_at",
                    "status",
                    "ended_at",
                    "remark",
                    "description",
                    "tags",
                    "is_duplicate",
                ],
                rows,
            )
        ctx.progress("friendships", stop, last, started)
    reset_sequences(ChannelCode, Friendship, Identity)
