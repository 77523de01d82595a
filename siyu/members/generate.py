"""Generator step for members: customers with plausible ages, birthdays and genders, their
identities (encrypted phones), memberships and consent (see siyu.core.generator)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from siyu.core.generator import (
    Context,
    batched,
    insert_rows,
    next_id,
    reset_sequences,
    weighted_date,
)
from siyu.members import pii
from siyu.members.models import Consent, Customer, Identity, Membership
from siyu.org.names import person_name

# Mobile prefixes of the three carriers. Index i is scattered over the whole space of
# (prefix, 8-digit suffix) pairs by an affine bijection, so numbers are unique per index
# and neighbours share neither prefix nor last digits, as real customers' numbers don't.
MOBILE_PREFIXES = (
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "182",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "186",
    "133",
    "153",
    "180",
    "181",
    "189",
    "177",
    "199",
)
PHONE_SPACE = len(MOBILE_PREFIXES) * 10**8
PHONE_STEP = 2_654_435_761  # coprime with PHONE_SPACE, so the mapping never repeats


def demo_phone(index: int, seed: int) -> str:
    """The `index`-th generated mobile number in E.164, unique per index for a seed."""
    scattered = (PHONE_STEP * index + seed * 7_919) % PHONE_SPACE
    prefix, suffix = divmod(scattered, 10**8)
    return f"+86{MOBILE_PREFIXES[prefix]}{suffix:08d}"


IDENTITY_COLUMNS = [
    "id",
    "customer_id",
    "kind",
    "platform",
    "key",
    "encrypted_value",
    "masked",
    "created_at",
]
CHANNELS = (("wecom", 45), ("pos", 35), ("mall", 15), ("campaign", 5))
CHANNEL_NAMES = [c for c, _w in CHANNELS]
CHANNEL_CUM = list(itertools.accumulate(w for _c, w in CHANNELS))


def generate(ctx: Context) -> None:
    rng = ctx.rng("members")
    zone = ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.now(dt.UTC)
    stores = ctx.made["stores"]
    guides_by_store = ctx.made["guides_by_store"]
    # Bigger (earlier, big-city) stores have more customers: a gentle skew.
    # Cumulative weights, computed once: `choices(weights=…)` would re-add 3,000 of them per draw.
    store_cum = list(itertools.accumulate(1.0 / (1 + i * 0.002) for i in range(len(stores))))
    customer_id, identity_id = next_id(Customer._meta.db_table), next_id(Identity._meta.db_table)
    membership_id, consent_id = next_id(Membership._meta.db_table), next_id(Consent._meta.db_table)
    started = time.perf_counter()
    for start, stop in batched(ctx.customers):
        customers, identities, memberships, consents = [], [], [], []
        for index in range(start, stop):
            store_id, brand_id, branch_id = rng.choices(stores, cum_weights=store_cum)[0]
            female_share = 0.62 if brand_id == stores[0][1] else 0.5
            gender = "female" if rng.random() < female_share else "male"
            age = min(70, max(18, int(rng.gauss(34, 9))))
            birthday = dt.date(ctx.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            guides = guides_by_store.get(store_id, [])
            owner = rng.choice(guides) if guides and rng.random() < 0.8 else None
            cid = customer_id
            customer_id += 1
            customers.append(
                (
                    cid,
                    person_name(rng, gender),
                    gender,
                    birthday,
                    store_id,
                    brand_id,
                    branch_id,
                    owner,
                    "active",
                    now,
                    now,
                )
            )
            if rng.random() < 0.85:
                e164 = demo_phone(index, ctx.seed)
                identities.append(
                    (
                        identity_id,
                        cid,
                        "phone",
                        "",
                        pii.lookup_hash(e164),
                        pii.encrypt(e164),
                        pii.mask_phone(e164),
                        now,
                    )
                )
                identity_id += 1
            for kind, share, fmt in (
                ("unionid", 0.6, "oU{:026x}"),
                ("mp_openid", 0.5, "oM{:026x}"),
                ("pos_card", 0.4, "P{:011d}"),
            ):
                if rng.random() < share:
                    key = fmt.format(ctx.seed * 10**9 + index)
                    identities.append((identity_id, cid, kind, "", key, "", "", now))
                    identity_id += 1
            if rng.random() < 0.9:
                joined = weighted_date(rng, ctx.today, ctx.days)
                joined_at = dt.datetime.combine(
                    joined, dt.time(rng.randint(10, 21), rng.randint(0, 59)), zone
                )
                channel = rng.choices(CHANNEL_NAMES, cum_weights=CHANNEL_CUM)[0]
                memberships.append(
                    (
                        membership_id,
                        cid,
                        f"M{ctx.seed % 9 + 1}{index:011d}",
                        brand_id,
                        store_id,
                        channel,
                        joined_at,
                    )
                )
                membership_id += 1
                for channel_name, share in (("sms", 0.7), ("wecom", 0.8), ("oa", 0.4)):
                    if rng.random() < 0.9:
                        consents.append(
                            (consent_id, cid, channel_name, rng.random() < share, "join", joined_at)
                        )
                        consent_id += 1
        with transaction.atomic():
            insert_rows(
                ctx,
                Customer._meta.db_table,
                [
                    "id",
                    "name",
                    "gender",
                    "birthday",
                    "home_store_id",
                    "home_brand_id",
                    "home_branch_id",
                    "owner_staff_id",
                    "status",
                    "created_at",
                    "updated_at",
                ],
                customers,
            )
            insert_rows(
                ctx,
                Identity._meta.db_table,
                IDENTITY_COLUMNS,
                identities,
            )
            insert_rows(
                ctx,
                Membership._meta.db_table,
                [
                    "id",
                    "customer_id",
                    "member_no",
                    "join_brand_id",
                    "join_store_id",
                    "join_channel",
                    "joined_at",
                ],
                memberships,
            )
            insert_rows(
                ctx,
                Consent._meta.db_table,
                ["id", "customer_id", "channel", "granted", "source", "changed_at"],
                consents,
            )
        ctx.progress("customers", stop, ctx.customers, started)
    reset_sequences(Customer, Identity, Membership, Consent)
    ctx.made["customers"] = ctx.customers
