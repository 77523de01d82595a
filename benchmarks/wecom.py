"""WeCom: callbacks handled per second, and the onboarding import of friendships from the fake.

- wecom_callbacks_per_second: N add_external_contact callbacks POSTed over HTTP (several
  keep-alive connections, as WeCom delivers) to siyu's web process (waitress), which
  verifies, decrypts and stores them, while a db_worker process drains them (customer
  details from the fake WeCom over HTTP, customers and friendships written). The clock
  stops when every callback is processed. Baseline: signature check + decryption alone.
- wecom_onboarding_sync: `sync_run` importing N friendships (default 100,000) from the fake
  over HTTP into an empty siyu. Baseline: walking the same pages without applying them.
"""

from __future__ import annotations

import importlib.util
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.db import use_database
from benchmarks.net import free_port, wait_up
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


# The web tier as `siyu run` starts it (waitress), and granian for comparison.
WEB_SERVERS = {
    "waitress": lambda port: [
        sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8",
        "siyu.wsgi:application",
    ],
    "granian": lambda port: [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--blocking-threads", "8", "--no-access-log",
        "siyu.wsgi:application",
    ],
}  # fmt: skip


def _post_all(port: int, bodies: list[tuple[str, str]], connections: int) -> None:
    """POST every callback over keep-alive connections, one request in flight per connection
    as WeCom sends them. Requests are written as prepared bytes on plain sockets: the load
    generator shares this machine's two cores with siyu, so it must cost as little as it can
    (http.client spent about 0.3 ms of CPU per request)."""
    chunks = [bodies[i::connections] for i in range(connections)]

    def post(chunk: list[tuple[str, str]]) -> None:
        requests = [
            (
                f"POST /wecom/callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {len(body.encode())}\r\n\r\n"
            ).encode()
            + body.encode()
            for body, query in chunk
        ]
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            stream = sock.makefile("rb")
            for request in requests:
                sock.sendall(request)
                status = stream.readline()
                length = 0
                while (line := stream.readline()) not in (b"\r\n", b""):
                    name, _sep, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                answer = stream.read(length)
                assert status.split()[1] == b"200" and answer == b"success", (status, answer)

    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(post, chunks))


def _callbacks(args, bench_dir: Path) -> Iterator[dict]:
    """The deployed shape: a waitress web process receives, a db_worker process drains, the
    fake WeCom answers the worker's contact lookups; callbacks arrive on several connections."""
    db_path = bench_dir / "wecom-callbacks.sqlite3"
    use_database(db_path, fresh=True)
    from django.conf import settings

    from siyu.relations import services
    from siyu.relations.models import Friendship
    from siyu.wecom.crypto import CallbackCrypto
    from siyu.wecom.models import CallbackEvent, CallbackStatus

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

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "WECOM_API_BASE": settings.WECOM_API_BASE,
    }
    # Our own interpreter running our own modules.
    if args.web_server == "granian" and importlib.util.find_spec("granian") is None:
        raise SystemExit(
            "--web-server granian: `pip install granian` first (not a siyu dependency)"
        )
    web = subprocess.Popen(  # noqa: S603
        WEB_SERVERS[args.web_server](port),
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "siyu",
            "db_worker",
            "--interval=0.05",
            "--no-startup-delay",
            "--no-reload",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        log(
            f"wecom: posting {n:,} add_external_contact callbacks on {args.connections} connections"
        )
        started = time.perf_counter()
        harness = resource.getrusage(resource.RUSAGE_SELF)
        _post_all(port, bodies, args.connections)
        received = time.perf_counter() - started
        pending = CallbackEvent.objects.exclude(status=CallbackStatus.DONE)
        while pending.exists() and time.perf_counter() - started < 600:
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        harness_cpu = (after.ru_utime - harness.ru_utime) + (after.ru_stime - harness.ru_stime)
    finally:
        cpu = {}
        for name, child in (("web", web), ("worker", worker)):
            child.terminate()
            _pid, _status, usage = os.wait4(child.pid, 0)
            child.returncode = _status
            cpu[name] = usage.ru_utime + usage.ru_stime
        server.shutdown()
    assert Friendship.objects.count() == n, Friendship.objects.count()
    yield result(
        "wecom_callbacks_per_second",
        f"{n:,} callbacks",
        n / seconds,
        "callbacks/s",
        decrypt_rate,
        baseline_is="verify + decrypt only",
        web_server=args.web_server,
        target=500,
        received_per_second=round(n / received),
        seconds=round(seconds, 2),
        # CPU each siyu process spent per callback (start-up included): what a bigger
        # machine, with WeCom and the sender elsewhere, would have to supply.
        web_cpu_ms=round(1000 * cpu["web"] / n, 2),
        worker_cpu_ms=round(1000 * cpu["worker"] / n, 2),
        # The sender and the fake WeCom (this process): not siyu's, but on the same cores.
        harness_cpu_ms=round(1000 * harness_cpu / n, 2),
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
