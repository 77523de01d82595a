"""WeCom: callbacks handled per second, and the onboarding import of friendships from the fake.

- wecom_callbacks_per_second: add_external_contact callbacks POSTed to /wecom/callback
  through Django's test client with tasks run at once, so each one is verified, decrypted,
  stored, and processed (customer resolved through the API of the fake WeCom over HTTP,
  friendship written). Baseline: signature check + decryption alone, same callbacks.
- wecom_onboarding_sync: `sync_run` importing N friendships (default 100,000) from the fake
  over HTTP into an empty siyu. Baseline: walking the same pages without applying them.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import use_database
from benchmarks.report import log, result


def _world(guides: int) -> tuple[object, list[object]]:
    """A group with one store per 10 guides, every guide with a WeCom account."""
    import datetime as dt
    from decimal import Decimal

    from siyu.org import services
    from siyu.org.models import Branch, Brand, Group
    from siyu.org.scope import Capability, Level, Scope

    group = Group.objects.create(name="bench")
    root = Scope(level=Level.GROUP, group_id=group.pk, capabilities=frozenset(Capability))
    brand = Brand.objects.create(group=group, code="B", name="Bench")
    branch = Branch.objects.create(brand=brand, code="B-N", name="North", region_codes=["210000"])
    staff = []
    for i in range(guides):
        if i % 10 == 0:
            store, _ = services.store_upsert(
                scope=root,
                code=f"S{i // 10}",
                name=f"Store {i // 10}",
                brand=brand,
                branch=branch,
                province_code="210000",
                city_code="210100",
                latitude=Decimal("41.8"),
                longitude=Decimal("123.4"),
                opens_at=dt.time(10),
                closes_at=dt.time(22),
                wecom_userid=f"store_{i // 10}",
            )
        staff.append(
            services.staff_create(
                scope=root,
                group=group,
                employee_no=f"G{i:05d}",
                name=f"导购{i}",
                role="guide",
                store=store,
                wecom_userid=f"g{i:05d}",
            )
        )
    return root, staff


def _fake():
    from django.conf import settings

    from siyu.wecom.crypto import CallbackCrypto
    from siyu.wecom.fake import FakeCorp, serve

    corp = FakeCorp(
        corp_id=settings.WECOM_CORP_ID,
        secret=settings.WECOM_SECRET,
        crypto=CallbackCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID),
    )
    server = serve(corp, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WECOM_API_BASE = f"http://127.0.0.1:{server.server_port}/cgi-bin/"
    return corp, server


def _callbacks(args, bench_dir: Path) -> Iterator[dict]:
    use_database(bench_dir / "wecom-callbacks.sqlite3", fresh=True)
    from django.conf import settings
    from django.test import Client, override_settings

    from siyu.relations import services
    from siyu.relations.models import Friendship
    from siyu.wecom.crypto import CallbackCrypto

    # Run each callback's processing task at once, through the real Tasks API (override_settings
    # tells django-tasks to drop its cached backend).
    immediate = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    )
    immediate.enable()
    corp, server = _fake()
    root, staff = _world(20)
    corp.members.update({s.wecom_userid: {"name": s.name, "status": 1} for s in staff})
    codes = [
        services.channel_code_create(scope=root, kind="badge", store=s.store, staff=s)
        for s in staff
    ]
    n = args.callbacks
    crypto = CallbackCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID)
    bodies = []
    rng = random.Random(7)
    for i in range(n):
        code = codes[i % len(codes)]
        external = corp.add_friend(
            userid=code.wecom_userid,
            contact={"name": f"顾客{i}", "unionid": f"u{rng.getrandbits(64):x}"},
            state=code.state,
        )
        plaintext = (
            f"<xml><ToUserName><![CDATA[{settings.WECOM_CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]>"
            f"</FromUserName><CreateTime>{1_700_000_000 + i}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]>"
            f"</ChangeType><UserID><![CDATA[{code.wecom_userid}]]></UserID><ExternalUserID><![CDATA["
            f"{external}]]></ExternalUserID><State><![CDATA[{code.state}]]></State></xml>"
        )
        body, signature = crypto.encrypt_message(plaintext, str(i), "1700000000")
        bodies.append(
            (
                body,
                urllib.parse.urlencode(
                    {"msg_signature": signature, "timestamp": "1700000000", "nonce": str(i)}
                ),
            )
        )
    started = time.perf_counter()
    for body, query in bodies[: min(200, n)]:
        crypto.decrypt_message(
            body,
            *[urllib.parse.parse_qs(query)[k][0] for k in ("msg_signature", "timestamp", "nonce")],
        )
    decrypt_rate = min(200, n) / (time.perf_counter() - started)
    client = Client()
    log(f"wecom: posting {n:,} add_external_contact callbacks")
    started = time.perf_counter()
    for body, query in bodies:
        response = client.post(f"/wecom/callback?{query}", body, content_type="text/xml")
        assert response.status_code == 200, response.status_code
    rate = n / (time.perf_counter() - started)
    assert Friendship.objects.count() == n, Friendship.objects.count()
    server.shutdown()
    yield result(
        "wecom_callbacks_per_second",
        f"{n:,} callbacks",
        rate,
        "callbacks/s",
        decrypt_rate,
        baseline_is="verify + decrypt only",
        target=500,
    )


def _sync(args, bench_dir: Path) -> Iterator[dict]:
    use_database(bench_dir / "wecom-sync.sqlite3", fresh=True)
    from siyu.relations.models import Friendship, SyncKind
    from siyu.relations.sync import members, sync_run
    from siyu.wecom.client import WeComClient

    corp, server = _fake()
    _root, staff = _world(args.sync_guides)
    corp.members.update({s.wecom_userid: {"name": s.name, "status": 1} for s in staff})
    n = args.friendships
    for i in range(n):
        corp.add_friend(
            userid=staff[i % len(staff)].wecom_userid, contact={"name": f"顾客{i}"}, state=""
        )
    userids = members()
    started = time.perf_counter()
    fetched = sum(
        len(page)
        for i in range(0, len(userids), 100)
        for page, _c in WeComClient().iter_contacts_by_user(userids[i : i + 100])
    )
    fetch_rate = fetched / (time.perf_counter() - started)
    log(f"wecom: importing {n:,} friendships (fetch alone: {fetch_rate:,.0f}/s)")
    started = time.perf_counter()
    last = [0.0]

    def progress(run, done, total):
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            log(f"  {run.seen:,}/{n:,} friendships ({run.seen / (last[0] - started):,.0f}/s)")

    run = sync_run(kind=SyncKind.FULL, progress=progress)
    seconds = time.perf_counter() - started
    assert run.added == n == Friendship.objects.count()
    server.shutdown()
    yield result(
        "wecom_onboarding_sync",
        f"{n:,} friendships",
        n / seconds,
        "friendships/s",
        fetch_rate,
        seconds=round(seconds, 1),
        target_seconds=300,
        baseline_is="fetching the same pages only",
    )


def run(args, bench_dir: Path) -> Iterator[dict]:
    yield from _callbacks(args, bench_dir)
    yield from _sync(args, bench_dir)
