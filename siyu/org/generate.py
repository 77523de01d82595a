"""Generator step for the org: a group with two brands, branch companies over real provinces,
stores in real cities at real coordinates, and their staff (see siyu.core.generator)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission

from siyu.core.generator import DEMO_PASSWORD, Context, reset_sequences
from siyu.org import regions
from siyu.org.models import (
    Branch,
    Brand,
    Group,
    Role,
    Staff,
    StaffMove,
    StaffMoveKind,
    StaffStatus,
    Store,
)
from siyu.org.names import person_name

BRANDS = [("DOWN", "极地羽绒", "极地"), ("STEP", "千行鞋履", "千行")]
# Branch companies and the provinces they cover (adcode prefixes), as brands in China split them.
REGIONS = [
    ("NE", "东北分公司", ["21", "22", "23"]),
    ("N", "华北分公司", ["11", "12", "13", "14", "15"]),
    ("E", "华东分公司", ["31", "32", "33", "34", "37"]),
    ("S", "华南分公司", ["44", "45", "35", "46"]),
    ("C", "华中分公司", ["42", "43", "41", "36"]),
    ("SW", "西南分公司", ["51", "50", "53", "52"]),
    ("NW", "西北分公司", ["61", "62", "64", "65", "63"]),
]
# Store counts follow where people shop: large cities weigh more.
BIG_CITIES = {
    "110100",
    "310100",
    "440100",
    "440300",
    "510100",
    "500100",
    "330100",
    "320100",
    "420100",
    "610100",
    "210100",
    "120100",
    "370200",
    "430100",
    "230100",
    "220100",
    "350200",
}
# The named demo logins printed by `siyu run`; everyone else logs in through WeCom later.
DEMO_LOGINS = {
    "admin": Role.GROUP_ADMIN,
    "hq": Role.HQ_OPERATOR,
    "reviewer": Role.HQ_OPERATOR,  # hq's colleague in the same brand who approves content
    "branch": Role.BRANCH_MANAGER,
    "store": Role.STORE_MANAGER,
    "guide": Role.GUIDE,
    "guide2": Role.GUIDE,
}


def _stores_per_region(total: int) -> list[int]:
    """`total` stores split over the regions by weight (largest remainder, so the sum is exact)."""
    weights = [4, 4, 6, 5, 4, 4, 2]  # ≈ population and spending by region
    quotas = [total * w / sum(weights) for w in weights]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate(ctx: Context) -> None:
    rng = ctx.rng("org")
    started = time.perf_counter()
    group = Group.objects.create(name="锦程时尚集团")
    brands = [
        Brand.objects.create(group=group, code=code, name=name) for code, name, _short in BRANDS
    ]
    shorts = {b.pk: short for b, (_c, _n, short) in zip(brands, BRANDS, strict=True)}

    branches: list[Branch] = []
    for brand in brands:
        for code, name, provinces in REGIONS:
            branches.append(
                Branch.objects.create(
                    brand=brand,
                    code=f"{brand.code}-{code}",
                    name=f"{shorts[brand.pk]}{name}",
                    region_codes=[p + "0000" for p in provinces],
                )
            )

    # Stores: split between brands (down 55 %), then regions, then cities inside the region.
    stores: list[Store] = []
    used_names: set[str] = set()
    for brand_index, brand in enumerate(brands):
        brand_total = (
            round(ctx.stores * 0.55) if brand_index == 0 else ctx.stores - round(ctx.stores * 0.55)
        )
        brand_branches = [b for b in branches if b.brand_id == brand.pk]
        for branch, count in zip(brand_branches, _stores_per_region(brand_total), strict=True):
            cities = [c for p in branch.region_codes for c in regions.cities(p)]
            weights = [
                12 if c.code in BIG_CITIES else 3 if c.code.endswith("0100") else 1 for c in cities
            ]
            for _ in range(count):
                city = rng.choices(cities, weights=weights)[0]
                districts = regions.districts(city.code) or (city,)
                district = rng.choice(districts)
                base = f"{shorts[brand.pk]}{city.name.removesuffix('市')}{district.name[:2]}店"
                name, n = base, 1
                while name in used_names:
                    n += 1
                    name = base.replace("店", f"{n}店")
                used_names.add(name)
                jitter = lambda: Decimal(rng.uniform(-0.03, 0.03)).quantize(Decimal("0.000001"))  # noqa: E731
                mall = rng.random() < 0.7  # mall stores keep mall hours
                stores.append(
                    Store(
                        id=len(stores) + 1,
                        brand=brand,
                        branch=branch,
                        code=f"{brand.code[0]}{len(stores) + 1:05d}",
                        name=name,
                        address=f"{district.name}{rng.choice(['中山路', '人民路', '解放路', '建设路', '万达广场', '万象城', '银泰城'])}{rng.randint(1, 399)}号",
                        province_code=city.province_code,
                        city_code=city.code,
                        district_code=district.code if district is not city else "",
                        latitude=(district.latitude or city.latitude) + jitter(),
                        longitude=(district.longitude or city.longitude) + jitter(),
                        opens_at=dt.time(10) if mall else dt.time(9, 30),
                        closes_at=dt.time(22) if mall else dt.time(21, 30),
                        wecom_userid=f"store_{brand.code.lower()}_{len(stores) + 1:05d}",
                    )
                )
    Store.objects.bulk_create(stores, batch_size=1000)
    reset_sequences(Store)

    # Staff: HQ, one manager per branch, one per store, and guides spread over stores.
    User = get_user_model()
    unusable = make_password(None)
    demo_hash = make_password(DEMO_PASSWORD)
    people: list[tuple[str, Brand | None, Branch | None, Store | None]] = [
        (Role.GROUP_ADMIN, None, None, None)
    ]
    # The first brand has two operators: one edits content, the other ("reviewer") approves it.
    people += [(Role.HQ_OPERATOR, brands[0], None, None)]
    people += [(Role.HQ_OPERATOR, brand, None, None) for brand in brands] + [
        (Role.HQ_OPERATOR, None, None, None)
    ]
    people += [(Role.BRANCH_MANAGER, b.brand, b, None) for b in branches]
    people += [(Role.STORE_MANAGER, s.brand, s.branch, s) for s in stores]
    for i in range(ctx.guides):
        store = stores[i % len(stores)] if i < len(stores) else rng.choice(stores)
        people.append((Role.GUIDE, store.brand, store.branch, store))

    demo_left = dict(DEMO_LOGINS)
    guides_seen_stores: set[int] = set()
    users, staff, moves = [], [], []
    for i, (role, brand, branch, store) in enumerate(people, start=1):
        gender = "female" if rng.random() < 0.75 else "male"
        hired = ctx.today - dt.timedelta(days=rng.randint(30, 3 * 365))
        username = f"E{i:06d}"
        for login, login_role in list(demo_left.items()):
            if login_role != role:
                continue
            # "guide2" must work at another store than "guide", to show scopes apart.
            if role == Role.GUIDE and store is not None and store.pk in guides_seen_stores:
                continue
            username = login
            del demo_left[login]
            if role == Role.GUIDE and store is not None:
                guides_seen_stores.add(store.pk)
            break
        resigned = role == Role.GUIDE and username.startswith("E") and rng.random() < 0.05
        users.append(
            User(
                id=i,
                username=username,
                password=demo_hash if not username.startswith("E") else unusable,
            )
        )
        staff.append(
            Staff(
                id=i,
                user_id=i,
                group=group,
                employee_no=username,
                name=person_name(rng, gender),
                wecom_userid=f"wx_{username.lower()}",
                role=role,
                brand=brand,
                branch=branch,
                store=store,
                status=StaffStatus.RESIGNED if resigned else StaffStatus.EMPLOYED,
                hired_on=hired,
                left_on=ctx.today - dt.timedelta(days=rng.randint(1, 25)) if resigned else None,
            )
        )
        moves.append(
            StaffMove(
                staff_id=i,
                kind=StaffMoveKind.HIRE,
                to_role=role,
                to_store=store,
                to_branch=branch,
                effective_on=hired,
            )
        )
        if resigned:
            moves.append(
                StaffMove(
                    staff_id=i,
                    kind=StaffMoveKind.RESIGN,
                    from_role=role,
                    from_store=store,
                    from_branch=branch,
                    effective_on=staff[-1].left_on,
                )
            )
        if i % 2000 == 0:
            ctx.progress("staff", i, len(people), started)
    User.objects.bulk_create(users, batch_size=2000)
    Staff.objects.bulk_create(staff, batch_size=2000)
    StaffMove.objects.bulk_create(moves, batch_size=2000)
    reset_sequences(User, Staff)
    if "reviewer" not in demo_left:
        approve = Permission.objects.get(content_type__app_label="org", codename="approve_content")
        User.objects.get(username="reviewer").user_permissions.add(approve)
    ctx.progress("staff", len(people), len(people), started)
    ctx.rows_written += len(stores) + 2 * len(staff) + len(moves) + len(branches) + len(brands) + 1
    ctx.made.update(
        group_id=group.pk,
        stores=[(s.pk, s.brand_id, s.branch_id) for s in stores],
        guides_by_store=_guides_by_store(staff),
    )


def _guides_by_store(staff: list[Staff]) -> dict[int, list[int]]:
    by_store: dict[int, list[int]] = {}
    for person in staff:
        if person.role == Role.GUIDE and person.status == StaffStatus.EMPLOYED and person.store_id:
            by_store.setdefault(person.store_id, []).append(person.pk)
    return by_store
