"""Generator step for the content hub: a library per brand across kinds, categories, states and
regions, with its approval history, and the demo guides' forwards and the visits behind them
(see core.generator).

Sizes follow the org: about 150 items per brand plus one per 10 stores, so a demo brand has a
few hundred and a seed-scale brand a library HQ would really keep. Forwards cover the last 30
days: on a given day about 55 % of guides forward one to three live items that reach their
store, in a mix close to 532; each forward brings a few visits, mostly within hours, some from
the guide's own customers.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageDraw

from siyu.content.models import (
    Category,
    Channel,
    Content,
    ContentImage,
    ContentTarget,
    ContentTransition,
    Forward,
    Kind,
    ShareLink,
    ShareVisit,
    Status,
    TargetLevel,
)
from siyu.content.selectors import aims_at
from siyu.core.generator import Context, insert_rows, next_id, reset_sequences
from siyu.members.models import Customer
from siyu.org.models import Role, Staff, StaffStatus, Store

FORWARD_DAYS = 30
KINDS = (Kind.POSTER, Kind.ARTICLE, Kind.PRODUCT, Kind.VIDEO, Kind.MOMENTS, Kind.MINIPROGRAM)
KIND_CUM = list(itertools.accumulate((30, 18, 22, 8, 17, 5)))
CATEGORIES = (Category.LIFESTYLE, Category.BRAND, Category.TRANSACTION)
CATEGORY_CUM = list(itertools.accumulate((50, 30, 20)))
STATUSES = (
    Status.PUBLISHED, Status.EXPIRED, Status.WITHDRAWN, Status.DRAFT, Status.IN_REVIEW,
    Status.APPROVED, Status.REJECTED,
)  # fmt: skip
STATUS_CUM = list(itertools.accumulate((58, 18, 4, 8, 5, 3, 4)))
CHANNEL_OF_SCENARIO = {"moments": Channel.MOMENTS, "chat": Channel.CHAT, "group": Channel.GROUP}
DEMO_IMAGES = 8
PALETTES = [
    ((24, 38, 64), (214, 226, 240)), ((120, 20, 30), (250, 228, 214)), ((28, 70, 52), (226, 240, 220)),
    ((60, 42, 90), (236, 226, 248)), ((30, 30, 30), (240, 240, 240)), ((150, 90, 20), (252, 240, 214)),
]  # fmt: skip

# What each brand sells, for titles and product cards.
GOODS = {
    "DOWN": [
        "长款羽绒服",
        "轻薄羽绒服",
        "连帽短款羽绒服",
        "极寒系列派克",
        "户外三合一羽绒",
        "羽绒马甲",
    ],
    "STEP": ["雪地靴", "切尔西短靴", "乐福鞋", "通勤单鞋", "轻跑运动鞋", "小白鞋"],
}
TITLES = {
    Category.LIFESTYLE: [
        "降温了，{good}这样叠穿不臃肿", "一周通勤穿搭：{good}的五种搭法", "周末露营穿什么",
        "{good}清洗保养的 5 个小技巧", "小个子也能穿出长腿感", "亲子出游穿搭指南", "雪地出行装备清单",
        "办公室到约会，一件{good}就够",
    ],
    Category.BRAND: [
        "品牌故事：专注品质的第 {n} 年", "走进工厂：一件{good}的诞生", "新品发布会回顾",
        "设计师说：今冬的颜色", "会员日：感谢一路同行", "门店焕新，欢迎到店",
    ],
    Category.TRANSACTION: [
        "限时特惠：{good}到手价 ¥{price}", "新品首发：{good}", "双 12 预售开启，{good}立减",
        "会员专享：{good}第二件半价", "直播同款{good}",
    ],
}  # fmt: skip
COPY = [
    "今天到店的新款，给你挑了一件，点开看看～", "天气转冷，记得添衣，这篇穿搭给你参考",
    "这周门店活动，给老朋友留了名额", "看看这件，适合你上次说的场合", "新品到了，先发给你看看",
]  # fmt: skip
REJECT_COMMENTS = ["价格写错了，请核对", "图片不清晰，换一张", "文案语气不统一，请按规范修改"]


def _demo_images() -> list[str]:
    """A few real JPEGs in storage for the generated items to point at (drawn once)."""
    paths = []
    for n in range(DEMO_IMAGES):
        path = f"content/demo/demo-{n}.jpg"
        if not default_storage.exists(path):
            dark, light = PALETTES[n % len(PALETTES)]
            image = Image.new("RGB", (750, 1000), light)
            draw = ImageDraw.Draw(image)
            draw.rectangle((0, 620, 750, 1000), fill=dark)
            draw.ellipse((175 + 20 * n, 140, 575 + 20 * n, 540), fill=dark)
            draw.rectangle((60, 700, 60 + 60 * (n + 3), 740), fill=light)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
            default_storage.save(path, ContentFile(buffer.getvalue()))
        paths.append(path)
    if not default_storage.exists("content/demo/demo.mp4"):
        default_storage.save("content/demo/demo.mp4", ContentFile(_empty_mp4()))
    return paths


def _empty_mp4() -> bytes:
    """The smallest well-formed MP4: an `ftyp` box and an empty `moov` (the demo carries no film)."""
    ftyp = b"ftyp" + b"isom" + (512).to_bytes(4, "big") + b"isomiso2mp41"
    mvhd = b"mvhd" + bytes(4) + bytes(8) + (1000).to_bytes(4, "big") + bytes(4) + (0x00010000).to_bytes(4, "big") + (0x0100).to_bytes(2, "big") + bytes(10) + bytes(36) + bytes(24) + (2).to_bytes(4, "big")  # fmt: skip

    def box(body: bytes) -> bytes:
        return (len(body) + 4).to_bytes(4, "big") + body

    return box(ftyp) + box(b"moov" + box(mvhd))


def generate(ctx: Context) -> None:
    rng = ctx.rng("content")
    started = time.perf_counter()
    zone = ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.combine(ctx.today, dt.time(21), zone)
    images = _demo_images()
    stores = list(Store.objects.select_related("brand").order_by("id"))
    people = Staff.objects.filter(role__in=(Role.HQ_OPERATOR, Role.GROUP_ADMIN)).order_by("id")
    admin_user = next(p.user_id for p in people if p.role == Role.GROUP_ADMIN)
    editors: dict[int, int] = {}
    approvers: dict[int, int] = {}
    for person in people:
        if person.brand_id is None:
            continue
        if person.brand_id in editors:  # a second operator of the brand: its approver
            approvers.setdefault(person.brand_id, person.user_id)
        else:
            editors[person.brand_id] = person.user_id
    brands = {s.brand_id: s.brand for s in stores}
    per_brand = 150 + ctx.stores // 10

    content_id = next_id(Content._meta.db_table)
    target_id = next_id(ContentTarget._meta.db_table)
    transition_id = next_id(ContentTransition._meta.db_table)
    image_id = next_id(ContentImage._meta.db_table)
    contents, targets, transitions, moment_images = [], [], [], []
    items: list[dict] = []  # what forwards need: id, brand, category, direct sale, window, targets
    for brand_id, brand in sorted(brands.items()):
        brand_stores = [s for s in stores if s.brand_id == brand_id]
        goods = GOODS.get(brand.code, GOODS["DOWN"])
        editor, approver = editors.get(brand_id, admin_user), approvers.get(brand_id, admin_user)
        for _ in range(per_brand):
            kind = rng.choices(KINDS, cum_weights=KIND_CUM)[0]
            category = (
                Category.TRANSACTION
                if kind == Kind.PRODUCT
                else rng.choices(CATEGORIES, cum_weights=CATEGORY_CUM)[0]
            )
            status = rng.choices(STATUSES, cum_weights=STATUS_CUM)[0]
            good = rng.choice(goods)
            price_fen = rng.choice((299, 499, 799, 999, 1299, 1599, 2299)) * 100 - 100
            title = rng.choice(TITLES[category]).format(
                good=good, price=price_fen // 100, n=rng.randint(10, 40)
            )
            product_code = f"{brand.code}-{rng.randint(1, 400):04d}"
            publish_at, expires_at = _window(rng, status, now)
            created = (publish_at or now) - dt.timedelta(days=rng.uniform(1, 6))
            scenarios = sorted(rng.sample(["moments", "chat", "group"], k=rng.choice((1, 2, 2, 3))))
            if kind == Kind.MOMENTS and "moments" not in scenarios:
                scenarios = sorted([*scenarios, "moments"])
            linked = [product_code] if category == Category.TRANSACTION and kind != Kind.PRODUCT and rng.random() < 0.5 else []  # fmt: skip
            direct_sale = kind == Kind.PRODUCT or bool(linked)
            aimed = _aim(rng, brand_stores)
            contents.append(
                (
                    content_id, brand_id, kind, title,
                    "".join(f"<p>{rng.choice(COPY)}</p>" for _ in range(3)) if kind == Kind.ARTICLE else "",
                    rng.choice(COPY),
                    rng.choice(images) if kind in (Kind.POSTER, Kind.PRODUCT, Kind.ARTICLE) else "",
                    "content/demo/demo.mp4" if kind == Kind.VIDEO else "",
                    product_code if kind == Kind.PRODUCT else "",
                    price_fen if kind == Kind.PRODUCT else None,
                    json.dumps(linked),
                    "wx0demo0mall00001" if kind == Kind.MINIPROGRAM else "",
                    f"pages/goods/detail?code={product_code}" if kind == Kind.MINIPROGRAM else "",
                    rng.choice(("服装事业部", "鞋履事业部", "电商部", "会员中心")),
                    rng.choice(("", "", "冬季上新", "双12", "会员日", "年货节")),
                    json.dumps(scenarios), category, direct_sale, bool(aimed), publish_at,
                    expires_at, status, editor, created, created,
                )
            )  # fmt: skip
            for level, code in aimed:
                targets.append((target_id, content_id, level, code))
                target_id += 1
            if kind == Kind.MOMENTS:
                for position in range(rng.randint(1, 9)):
                    moment_images.append(
                        (image_id, content_id, position, images[(content_id + position) % len(images)])
                    )  # fmt: skip
                    image_id += 1
            history = _history(rng, status, editor, approver, created, publish_at, expires_at, now)
            for action, before, after, actor, at, comment in history:
                transitions.append(
                    (transition_id, content_id, action, before, after, actor, comment, at)
                )
                transition_id += 1
            if status in (Status.PUBLISHED, Status.EXPIRED, Status.WITHDRAWN):
                items.append(
                    {
                        "id": content_id, "brand": brand_id, "category": category,
                        "direct_sale": direct_sale, "scenarios": scenarios,
                        "start": publish_at,
                        # a withdrawn item stopped reaching guides when it was withdrawn
                        "end": history[-1][4] if status == Status.WITHDRAWN else expires_at,
                        "targets": set(aimed),
                    }
                )  # fmt: skip
            content_id += 1
    with transaction.atomic():
        insert_rows(ctx, Content._meta.db_table, [
            "id", "brand_id", "kind", "title", "body", "share_copy", "image", "video", "product_code",
            "price_fen", "product_codes", "miniprogram_appid", "miniprogram_path", "business_unit",
            "campaign", "scenarios", "category", "direct_sale", "targeted", "publish_at", "expires_at",
            "status", "created_by_id", "created_at", "updated_at",
        ], contents)  # fmt: skip
        insert_rows(
            ctx, ContentTarget._meta.db_table, ["id", "content_id", "level", "code"], targets
        )
        insert_rows(
            ctx,
            ContentImage._meta.db_table,
            ["id", "content_id", "position", "image"],
            moment_images,
        )
        insert_rows(ctx, ContentTransition._meta.db_table, [
            "id", "content_id", "action", "from_status", "to_status", "actor_id", "comment", "at",
        ], transitions)  # fmt: skip
    ctx.progress("content items", len(contents), len(contents), started)
    _forwards(ctx, rng, stores, items, now)
    reset_sequences(
        Content, ContentTarget, ContentImage, ContentTransition, ShareLink, Forward, ShareVisit
    )


def _window(rng, status: str, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Publish and expiry times that fit the state: live items around now, expired ones earlier."""
    if status == Status.EXPIRED:
        start = now - dt.timedelta(days=rng.uniform(40, 150))
        return start, start + dt.timedelta(days=rng.uniform(14, 35))
    if status in (Status.PUBLISHED, Status.WITHDRAWN):
        start = now - dt.timedelta(days=rng.uniform(1, 60))
        if status == Status.PUBLISHED and rng.random() < 0.05:  # scheduled for the coming days
            start = now + dt.timedelta(days=rng.uniform(1, 5))
        return start, max(start, now) + dt.timedelta(days=rng.uniform(10, 90))
    start = now + dt.timedelta(days=rng.uniform(1, 20))
    return (
        (start, start + dt.timedelta(days=rng.uniform(14, 60)))
        if rng.random() < 0.7
        else (None, None)
    )


def _aim(rng, brand_stores: list[Store]) -> list[tuple[str, str]]:
    """Whole brand (most), a branch, a province, a city, or a few stores."""
    roll, store = rng.random(), rng.choice(brand_stores)
    if roll < 0.6:
        return []
    if roll < 0.82:
        return [(TargetLevel.BRANCH, str(store.branch_id))]
    if roll < 0.92:
        return [(TargetLevel.PROVINCE, store.province_code)]
    if roll < 0.97:
        return [(TargetLevel.CITY, store.city_code)]
    picked = {s.pk for s in rng.sample(brand_stores, k=min(3, len(brand_stores)))}
    return [(TargetLevel.STORE, str(pk)) for pk in sorted(picked)]


def _history(rng, status, editor, approver, created, publish_at, expires_at, now):
    """The workflow moves that lead to `status`, in order, each a little after the last."""
    at = created
    steps = []

    def move(action: str, before: str, after: str, actor: int | None, comment: str = "") -> None:
        nonlocal at
        at = at + dt.timedelta(hours=rng.uniform(0.2, 20))
        steps.append((action, before, after, actor, at, comment))

    if status == Status.DRAFT:
        return steps
    move("submit", Status.DRAFT, Status.IN_REVIEW, editor)
    if status == Status.IN_REVIEW:
        return steps
    if status == Status.REJECTED:
        move("reject", Status.IN_REVIEW, Status.REJECTED, approver, rng.choice(REJECT_COMMENTS))
        return steps
    move("approve", Status.IN_REVIEW, Status.APPROVED, approver)
    if status == Status.APPROVED:
        return steps
    move("publish", Status.APPROVED, Status.PUBLISHED, approver)
    if status == Status.EXPIRED:
        steps.append(("expire", Status.PUBLISHED, Status.EXPIRED, None, expires_at, ""))
    elif status == Status.WITHDRAWN:
        at = max(at, publish_at or at) + dt.timedelta(days=rng.uniform(1, 10))
        at = min(at, now - dt.timedelta(hours=1))
        steps.append(("withdraw", Status.PUBLISHED, Status.WITHDRAWN, approver, at, ""))
    return steps


def _forwards(ctx: Context, rng, stores: list[Store], items: list[dict], now: dt.datetime) -> None:
    """Forwards of live items by employed guides over the last 30 days, and their visits."""
    started = time.perf_counter()
    by_store: dict[int, list[dict]] = {}
    for store in stores:
        here = aims_at(store)
        by_store[store.pk] = [
            i for i in items if i["brand"] == store.brand_id and (not i["targets"] or i["targets"] & here)
        ]  # fmt: skip
    guides = list(
        Staff.objects.filter(role=Role.GUIDE, status=StaffStatus.EMPLOYED)
        .order_by("store_id", "id")  # a store's guides together: its days are worked out once
        .values_list("id", "store_id")
    )
    customers: dict[int, list[int]] = {}
    for cid, owner in (
        Customer.objects.exclude(owner_staff=None)
        .values_list("id", "owner_staff_id")
        .order_by("id")
        .iterator(chunk_size=20_000)
    ):
        mine = customers.setdefault(owner, [])
        if len(mine) < 40:
            mine.append(cid)
    link_id, forward_id, visit_id = (
        next_id(ShareLink._meta.db_table), next_id(Forward._meta.db_table),
        next_id(ShareVisit._meta.db_table),
    )  # fmt: skip
    first_day = now.date() - dt.timedelta(days=min(FORWARD_DAYS, ctx.days) - 1)
    days = [first_day + dt.timedelta(days=d) for d in range(min(FORWARD_DAYS, ctx.days))]
    store_days: tuple[int, list[dict[str, list[dict]]]] = (0, [])
    for start in range(0, len(guides), 500):
        links, forwards, visits = [], [], []
        for staff_id, store_id in guides[start : start + 500]:
            if store_days[0] != store_id:
                store_days = (
                    store_id,
                    [_day_pool(by_store.get(store_id, []), d, now) for d in days],
                )
            mine: dict[tuple[int, str], tuple[int, str]] = {}
            for date, pool in zip(days, store_days[1], strict=True):
                if rng.random() > 0.55:
                    continue
                for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                    at = dt.datetime.combine(date, dt.time(9), now.tzinfo) + dt.timedelta(
                        minutes=rng.uniform(0, 13.5 * 60)
                    )
                    if at >= now:
                        continue
                    item = _pick(rng, pool, at)
                    if item is None:
                        continue
                    channel = CHANNEL_OF_SCENARIO[rng.choice(item["scenarios"])]
                    key = (item["id"], channel)
                    if key not in mine:
                        mine[key] = (link_id, f"g{link_id:x}")
                        links.append(
                            (link_id, mine[key][1], item["id"], staff_id, store_id, channel, at)
                        )
                        link_id += 1
                    forwards.append((
                        forward_id, mine[key][0], item["id"], staff_id, store_id, channel,
                        item["category"], item["direct_sale"], at,
                    ))  # fmt: skip
                    forward_id += 1
                    for _visit in range(int(rng.expovariate(1 / 3))):
                        seen = at + dt.timedelta(hours=rng.expovariate(1 / 5))
                        if seen >= now:
                            continue
                        known = customers.get(staff_id) if rng.random() < 0.4 else None
                        visits.append((
                            visit_id, mine[key][0], item["id"], staff_id, store_id,
                            f"{rng.getrandbits(64):016x}", "", "",
                            rng.choice(known) if known else None,
                            item["end"] is None or seen < item["end"], seen,
                        ))  # fmt: skip
                        visit_id += 1
        with transaction.atomic():
            _links_and_forwards(ctx, links, forwards)
            insert_rows(ctx, ShareVisit._meta.db_table, [
                "id", "link_id", "content_id", "staff_id", "store_id", "device_id", "openid",
                "unionid", "customer_id", "live", "at",
            ], visits)  # fmt: skip
        done = min(start + 500, len(guides))
        ctx.progress("forwards", done, len(guides), started)


def _links_and_forwards(ctx: Context, links: list[tuple], forwards: list[tuple]) -> None:
    """Write share links (id, code, content, guide, store, channel, created) and forwards
    (id, link, content, guide, store, channel, category, direct sale, at) as tuples."""
    insert_rows(ctx, ShareLink._meta.db_table, [
        "id", "code", "content_id", "staff_id", "store_id", "channel", "created_at"
    ], links)  # fmt: skip
    insert_rows(ctx, Forward._meta.db_table, [
        "id", "link_id", "content_id", "staff_id", "store_id", "channel", "category",
        "direct_sale", "at",
    ], forwards)  # fmt: skip


def _day_pool(items: list[dict], date: dt.date, now: dt.datetime) -> dict[str, list[dict]]:
    """A store's items live at some moment of `date`, by category."""
    day_start = dt.datetime.combine(date, dt.time(0), now.tzinfo)
    day_end = day_start + dt.timedelta(days=1)
    pool: dict[str, list[dict]] = {}
    for item in items:
        if item["start"] < day_end and (item["end"] is None or item["end"] > day_start):
            pool.setdefault(item["category"], []).append(item)
    return pool


def _pick(rng, pool: dict[str, list[dict]], at: dt.datetime) -> dict | None:
    """An item live at `at`, leaning to the 532 mix: a category first, then an item of it
    (a few draws, since some of the day's items start or end during it)."""
    category = rng.choices(CATEGORIES, cum_weights=CATEGORY_CUM)[0]
    candidates = pool.get(category) or next((v for v in pool.values() if v), None)
    for _ in range(4 if candidates else 0):
        item = rng.choice(candidates)
        if item["start"] <= at and (item["end"] is None or item["end"] > at):
            return item
    return None


def task_forwards(ctx: Context, rows: list[tuple[int, int, int, str, dt.datetime]]) -> int:
    """Forwards that guide tasks asked for (guidetasks' generator decides who complied):
    (content, guide, store, channel, at) each; the guide's link for the item and channel is
    reused or made. Returns the forwards written."""
    if not rows:
        return 0
    facts = {
        pk: (category, direct)
        for pk, category, direct in Content.objects.filter(pk__in={r[0] for r in rows}).values_list(
            "pk", "category", "direct_sale"
        )
    }
    links = {
        (c, s, ch): pk
        for pk, c, s, ch in ShareLink.objects.filter(
            content_id__in=facts, staff_id__in={r[1] for r in rows}
        ).values_list("pk", "content_id", "staff_id", "channel")
    }
    link_id, forward_id = next_id(ShareLink._meta.db_table), next_id(Forward._meta.db_table)
    new_links, forwards = [], []
    for content, staff, store, channel, at in rows:
        key = (content, staff, channel)
        if key not in links:
            links[key] = link_id
            new_links.append((link_id, f"t{link_id:x}", content, staff, store, channel, at))
            link_id += 1
        category, direct = facts[content]
        forwards.append((forward_id, links[key], content, staff, store, channel, category, direct, at))  # fmt: skip
        forward_id += 1
    with transaction.atomic():
        _links_and_forwards(ctx, new_links, forwards)
    reset_sequences(ShareLink, Forward)
    return len(forwards)
