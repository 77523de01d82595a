"""Shared test fixtures: a small org with named personas, built through the real services.

The personas (used across the scope matrix and access tests):
- Hana, HQ operator of brand Alpine (sees all of Alpine);
- Bo, branch manager of branch North (stores S1 and S2);
- Sam, store manager of S1;
- Gia, guide G1 at S1; Gus, guide G2 at S2;
- Otto, guide at S3 in branch South — outside Bo's branch.
Customers: c1 (S1, served by Gia), c2 (S1, nobody), c3 (S2, served by Gus), c4 (S3, Otto),
x1 (store X1 of brand Beta: outside Hana's brand).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from siyu.members import services as member_services
from siyu.members.models import Customer
from siyu.org import services as org_services
from siyu.org.models import Branch, Brand, Group, Role, Staff, Store
from siyu.org.scope import Capability, Level, Scope, scope_for_user

# Browser fixtures (`browser`, `page`, `demo`): Chromium starts only for tests that ask.
pytest_plugins = ["siyu.core.testing.browser"]

PASSWORD = "correct-horse-battery"  # noqa: S105 (test personas)
ROOT = Scope(level=Level.GROUP, group_id=0, capabilities=frozenset(Capability))

PHONES = {
    "c1": "13800138001",
    "c2": "13900139002",
    "c3": "15000150003",
    "c4": "18600186004",
    "x1": "17700177005",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test has a fresh database: forget sources remembered for an earlier one."""
    from siyu.commerce import routing
    from siyu.tracking.services import caches_clear

    caches_clear()
    routing.caches_clear()


@pytest.fixture(autouse=True)
def _own_media(settings: Any, tmp_path: Any) -> None:
    """Uploads and rendered posters land in the test's own folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    group: Group
    brands: dict[str, Brand] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    stores: dict[str, Store] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)

    def login(self, client: Any, persona: str) -> Any:
        assert client.login(username=self.staff[persona].employee_no, password=PASSWORD)
        return client


def make_store(root: Scope, code: str, brand: Brand, branch: Branch, city: str = "210100") -> Store:
    store, _created = org_services.store_upsert(
        scope=root,
        code=code,
        name=f"门店{code}",
        brand=brand,
        branch=branch,
        province_code=city[:2] + "0000",
        city_code=city,
        address="中山路1号",
        latitude=Decimal("41.8"),
        longitude=Decimal("123.4"),
        opens_at=dt.time(10),
        closes_at=dt.time(22),
    )
    return store


def build_world() -> World:
    group = Group.objects.create(name="测试集团")
    root = Scope(level=Level.GROUP, group_id=group.pk, capabilities=frozenset(Capability))
    w = World(group=group)
    w.brands["alpine"] = Brand.objects.create(group=group, code="ALP", name="Alpine")
    w.brands["beta"] = Brand.objects.create(group=group, code="BET", name="Beta")
    w.branches["north"] = Branch.objects.create(
        brand=w.brands["alpine"], code="ALP-N", name="North", region_codes=["210000"]
    )
    w.branches["south"] = Branch.objects.create(
        brand=w.brands["alpine"], code="ALP-S", name="South", region_codes=["440000"]
    )
    w.branches["beta"] = Branch.objects.create(
        brand=w.brands["beta"], code="BET-E", name="Beta East", region_codes=["310000"]
    )
    w.stores["s1"] = make_store(root, "S1", w.brands["alpine"], w.branches["north"])
    w.stores["s2"] = make_store(root, "S2", w.brands["alpine"], w.branches["north"])
    w.stores["s3"] = make_store(root, "S3", w.brands["alpine"], w.branches["south"], city="440100")
    w.stores["x1"] = make_store(root, "X1", w.brands["beta"], w.branches["beta"], city="310100")
    people = {
        "hana": ("H001", "Hana", Role.HQ_OPERATOR, {"brand": w.brands["alpine"]}),
        "bo": ("B001", "Bo", Role.BRANCH_MANAGER, {"branch": w.branches["north"]}),
        "sam": ("M001", "Sam", Role.STORE_MANAGER, {"store": w.stores["s1"]}),
        "gia": ("G001", "Gia", Role.GUIDE, {"store": w.stores["s1"]}),
        "gus": ("G002", "Gus", Role.GUIDE, {"store": w.stores["s2"]}),
        "otto": ("G003", "Otto", Role.GUIDE, {"store": w.stores["s3"]}),
        "xena": ("G004", "Xena", Role.GUIDE, {"store": w.stores["x1"]}),
        "ada": ("A001", "Ada", Role.GROUP_ADMIN, {}),
    }
    for key, (number, name, role, place) in people.items():
        w.staff[key] = org_services.staff_create(
            scope=root,
            group=group,
            employee_no=number,
            name=name,
            role=role,
            password=PASSWORD,
            wecom_userid=f"wx_{key}",
            **place,
        )
    owners = {
        "c1": ("s1", "gia"),
        "c2": ("s1", None),
        "c3": ("s2", "gus"),
        "c4": ("s3", "otto"),
        "x1": ("x1", "xena"),
    }
    for key, (store, owner) in owners.items():
        w.customers[key] = member_services.customer_create(
            name=f"顾客{key}",
            home_store=w.stores[store],
            owner_staff=w.staff[owner] if owner else None,
            identities={"phone": PHONES[key], "unionid": f"union-{key}"},
            join_channel="pos",
        )
    return w


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


GENERATED_TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def generated(db: Any) -> None:
    """A small group built by the real generator (every app's step), reference date
    GENERATED_TODAY: for tests that the generated data obeys each app's own rules."""
    import io

    from django.core.management import call_command

    call_command(
        "generate", scale="demo", stores=8, guides=24, customers=600, seed=11,
        today=GENERATED_TODAY, quiet=True, stdout=io.StringIO(),
    )  # fmt: skip


@pytest.fixture
def user_model() -> Any:
    return get_user_model()


@pytest.fixture
def fake_wecom(settings: Any) -> Any:
    """The fake WeCom on a free local port (real HTTP), with siyu's client pointed at it."""
    import threading

    from siyu.wecom import http
    from siyu.wecom.crypto import CallbackCrypto
    from siyu.wecom.fake import FakeCorp, serve

    corp = FakeCorp(
        corp_id=settings.WECOM_CORP_ID,
        secret=settings.WECOM_SECRET,
        app_secret=settings.WECOM_APP_SECRET,
        agent_id=settings.WECOM_AGENT_ID,
        crypto=CallbackCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID),
    )
    server = serve(corp, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECOM_API_BASE = f"http://127.0.0.1:{server.server_port}/cgi-bin/"
    settings.WECOM_RETRY_BACKOFF = 0.01
    settings.WECOM_OAUTH_URL = f"http://127.0.0.1:{server.server_port}/connect/oauth2/authorize"
    corp.base_url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield corp
    server.shutdown()
    server.server_close()
    # The fake's threads keep connections to siyu's live server alive, and the server a
    # thread and a database connection for each: close them, or the test database cannot
    # be dropped at the end of the run.
    http.close_all()


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Run enqueued tasks at once, through the real Django Tasks API (ImmediateBackend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def related_world(world: World, fake_wecom: Any) -> World:
    """The world plus WeCom relationships, made through the real services against the fake:

    channel codes — a badge per guide, the S1 store code; friendships — f1 Gia↔c1, f2 Gia↔c2,
    f3 S1 account↔c1, f4 Gus↔c3, f5 Otto↔c4, f6 Xena↔x1; a transfer of Gia's friends to
    the S1 account, queued (t1, t2).
    """
    from siyu.relations import services as relation_services

    for store in world.stores.values():
        store.wecom_userid = f"store_{store.code.lower()}"
        store.save()
    fake_wecom.members.update(
        {s.wecom_userid: {"name": s.name, "status": 1} for s in world.staff.values()}
    )
    fake_wecom.members.update(
        {s.wecom_userid: {"name": s.name, "status": 1} for s in world.stores.values()}
    )
    root = Scope(level=Level.GROUP, group_id=world.group.pk, capabilities=frozenset(Capability))
    world.codes = {}  # type: ignore[attr-defined]
    for guide in ("gia", "gus", "otto", "xena"):
        staff = world.staff[guide]
        world.codes[guide] = relation_services.channel_code_create(  # type: ignore[attr-defined]
            scope=root, kind="badge", store=staff.store, staff=staff
        )
    world.codes["s1"] = relation_services.channel_code_create(  # type: ignore[attr-defined]
        scope=root, kind="store", store=world.stores["s1"]
    )
    pairs = {
        "f1": ("gia", "c1"),
        "f2": ("gia", "c2"),
        "f3": ("s1", "c1"),
        "f4": ("gus", "c3"),
        "f5": ("otto", "c4"),
        "f6": ("xena", "x1"),
    }
    world.friendships = {}  # type: ignore[attr-defined]
    for key, (member, customer) in pairs.items():
        code = world.codes[member]  # type: ignore[attr-defined]
        external = fake_wecom.add_friend(
            userid=code.wecom_userid,
            state=code.state,
            contact={"external_userid": f"wm_{customer}", "unionid": f"union-{customer}"},
        )
        world.friendships[key] = relation_services.friendship_add(  # type: ignore[attr-defined]
            userid=code.wecom_userid, external_userid=external, state=code.state
        )
    queued = relation_services.transfer_request(handover=world.staff["gia"])
    world.transfers = {f"t{i}": t for i, t in enumerate(queued, start=1)}  # type: ignore[attr-defined]
    _add_content(world)
    _add_orders(world)
    _add_tasks(world)
    _add_loyalty(world)
    return world


def _add_loyalty(world: World) -> None:
    """Alpine's programme (siyu/loyalty/tests/factories.py) and a plain one for Beta; an
    account for every customer of the world (keyed like the customers), with its
    first-order coupon where the programme has one."""
    from siyu.loyalty import services, setup
    from siyu.loyalty.tests.factories import programme

    programme(world)
    setup.programme_save(
        scope=scope_for_user(world.staff["ada"].user), brand=world.brands["beta"], name="Beta 会员",
        tiers=[{"code": "basic", "name": "会员", "rank": 0}],
    )  # fmt: skip
    world.accounts = {  # type: ignore[attr-defined]
        key: services.member_joined(customer_id=c.pk, brand_id=c.home_store.brand_id)
        for key, c in world.customers.items()
    }


def _add_tasks(world: World) -> None:
    """Tasks by Ada: "north" (share, branch North: Gia, Gus), "s3" (checklist, S3: Otto),
    "beta" (checklist, Beta: Xena) — assignments keyed by guide; contests "alpine" (the
    brand), "south" (branch South), "beta"."""
    from siyu.guidetasks import contests, services
    from siyu.guidetasks.models import Assignment

    user = world.staff["ada"].user
    scope = scope_for_user(user)
    due = timezone.now() + dt.timedelta(days=10)
    aims = {
        "north": ("alpine", "branch", world.branches["north"], {"kind": "share", "content": world.contents["north"]}),  # type: ignore[attr-defined]
        "s3": ("alpine", "store", world.stores["s3"], {"kind": "checklist", "checklist": ["陈列"]}),
        "beta": ("beta", "brand", world.brands["beta"], {"kind": "checklist", "checklist": ["陈列"]}),
    }  # fmt: skip
    world.tasks = {  # type: ignore[attr-defined]
        key: services.task_create(
            scope=scope,
            actor=user,
            brand=world.brands[brand],
            title=f"任务{key}",
            due_at=due,
            targets=[{"level": level, "id": node.pk}],
            **fields,
        )  # fmt: skip
        for key, (brand, level, node, fields) in aims.items()
    }
    world.assignments = {  # type: ignore[attr-defined]
        key: Assignment.objects.get(staff=world.staff[key])
        for key in ("gia", "gus", "otto", "xena")
    }
    today = timezone.localdate()
    world.contests = {  # type: ignore[attr-defined]
        key: contests.contest_create(
            scope=scope,
            actor=user,
            brand=world.brands[brand],
            branch=branch,
            kind="amount",
            title=f"PK {key}",
            starts_on=today,
            ends_on=today + dt.timedelta(days=7),
        )  # fmt: skip
        for key, brand, branch in (
            ("alpine", "alpine", None),
            ("south", "alpine", world.branches["south"]),
            ("beta", "beta", None),
        )
    }


def _add_orders(world: World) -> None:
    """Paid POS orders: o1 at S1 rung up by Gia (for c1), o2 at S1 with no guide (c2), o3 at
    S2 by Gus, o4 at S3 by Otto, ox at Beta's X1 by Xena."""
    from siyu.commerce import services as commerce_services
    from siyu.commerce.tests.factories import catalog, plan, root

    plan(world, "alpine")
    plan(world, "beta")
    catalog(world)
    at = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
    cases = {
        "o1": ("s1", "gia", "c1", "ALP-P1-BK-M"), "o2": ("s1", None, "c2", "ALP-B1-40"),
        "o3": ("s2", "gus", "c3", "ALP-P1-BK-L"), "o4": ("s3", "otto", "c4", "ALP-B1-40"),
        "ox": ("x1", "xena", "x1", "BET-C1-M"),
    }  # fmt: skip
    world.orders = {}  # type: ignore[attr-defined]
    for key, (store, cashier, customer, sku) in cases.items():
        world.orders[key], _created = commerce_services.pos_order_record(  # type: ignore[attr-defined]
            scope=root(world), store=world.stores[store], number=key, placed_at=at,
            items=[(sku, 1, 50_000)], cashier=world.staff[cashier] if cashier else None,
            customer_id=world.customers[customer].pk,
        )  # fmt: skip


def _add_content(world: World) -> None:
    """Content: "north" (branch North), "south" (city Guangzhou, S3), "all" (all of Alpine),
    published; "draft" (Alpine) and "beta" (a Beta draft). Gia forwarded "north" (share
    link "gia"); a moments task of "south" went to S3's guides (task "s3")."""
    from siyu.content import services as content_services
    from siyu.content.tests.factories import poster, publish

    north = {"level": "branch", "code": str(world.branches["north"].pk)}
    world.contents = {  # type: ignore[attr-defined]
        "north": publish(world, poster(world, targets=[north])),
        "south": publish(world, poster(world, targets=[{"level": "city", "code": "440100"}])),
        "all": publish(world, poster(world)),
        "draft": poster(world),
        "beta": content_services.content_create(
            scope=scope_for_user(world.staff["ada"].user),
            actor=world.staff["ada"].user,
            brand=world.brands["beta"],
            kind="article",
            fields={"title": "Beta", "category": "brand", "scenarios": ["chat"]},
        ),
    }
    link, _forward = content_services.content_forward(
        staff=world.staff["gia"],
        content=world.contents["north"],
        channel="chat",  # type: ignore[attr-defined]
    )
    world.links = {"gia": link}  # type: ignore[attr-defined]
    task = content_services.moment_task_create(
        scope=scope_for_user(world.staff["ada"].user),
        actor=world.staff["ada"].user,
        content=world.contents["south"],  # type: ignore[attr-defined]
        stores=[world.stores["s3"]],
    )
    world.moment_tasks = {"s3": task}  # type: ignore[attr-defined]
