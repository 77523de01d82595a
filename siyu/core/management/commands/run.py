"""`siyu run`: everything the demo needs, in one command.

Migrates, builds the demo group when the database is empty, then starts the web server
(one waitress process per core, up to four, sharing the port: `siyu serve`), the background
worker (django-tasks-db's db_worker), the scheduler and — when
WECOM_API_BASE points at this machine — the fake WeCom loaded with the demo's friendships,
and prints where to log in as each role. Ctrl-C stops them all.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from siyu.core.generator import DEMO_PASSWORD
from siyu.org.generate import DEMO_LOGINS
from siyu.org.models import Group, Role

ROLE_TITLES = {
    Role.GROUP_ADMIN: "集团管理员 group admin",
    Role.HQ_OPERATOR: "总部运营 HQ operator",
    Role.BRANCH_MANAGER: "分公司经理 branch manager",
    Role.STORE_MANAGER: "店长 store manager",
    Role.GUIDE: "导购 guide",
}
LOGIN_TITLES = {"reviewer": "总部内容审核 content approver"}


class Command(BaseCommand):
    help = "Run siyu with the demo brand: web server, background worker and scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--web-processes",
            type=int,
            default=settings.WEB_PROCESSES,
            help="web processes sharing the port (default: one per core, up to four)",
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="do not build the demo when empty"
        )

    def handle(self, *args, port, host, no_demo, web_processes, **options):
        call_command("migrate", verbosity=0)
        if not no_demo and not Group.objects.exists():
            self.stderr.write(
                "Empty database: building the demo group (siyu generate --scale demo)…"
            )
            call_command("generate", scale="demo")

        # Share links, posters and moments links point at this server unless told otherwise.
        os.environ.setdefault("SIYU_PUBLIC_URL", f"http://{host}:{port}")
        settings.SIYU_PUBLIC_URL = os.environ["SIYU_PUBLIC_URL"]

        # Our own interpreter running our own modules: no untrusted input reaches these commands.
        def start(*args: str, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, *args], pass_fds=pass_fds)  # noqa: S603

        # The web processes share one listening socket, made here. Python's threads share one
        # core (its GIL), so a second process is what puts the second core to work; on SQLite
        # their writes take turns (core.sql.write_turn).
        listener = socket.create_server((host, port), backlog=1024)
        children = [
            start("-m", "siyu", "serve", f"--fd={listener.fileno()}", pass_fds=(listener.fileno(),))
            for _n in range(max(1, web_processes))
        ]
        listener.close()  # the web processes hold it now
        wecom = urllib.parse.urlsplit(settings.WECOM_API_BASE)
        if wecom.hostname in ("127.0.0.1", "localhost"):
            # The local fake stands in for WeCom so the demo works offline. It is loaded before
            # the worker and scheduler start, so no job ever sees it half-empty.
            from siyu.relations.demo import load_fake_wecom

            children.append(
                start(
                    "-m",
                    "siyu",
                    "fake_wecom",
                    f"--port={wecom.port or 80}",
                    f"--callback-url=http://{host}:{port}/wecom/callback",
                )
            )
            loaded = load_fake_wecom(f"{wecom.scheme}://{wecom.netloc}")
            self.stderr.write(f"fake WeCom loaded: {loaded.get('follows', 0):,} friendships")
        children += [start("-m", "siyu", "db_worker"), start("-m", "siyu", "scheduler")]
        base = f"http://{host}:{port}"
        lines = [
            f"\nsiyu is running at {base}  (API docs: {base}/api/docs, health: {base}/healthz)",
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        lines += [
            f"  {LOGIN_TITLES.get(login, ROLE_TITLES[role]):<28} {login:<8} → {base}/login/"
            for login, role in DEMO_LOGINS.items()
        ]
        lines.append(
            "Guides and store managers land on the mobile workbench (/m/), the others on the console."
        )
        lines.append(f"Branch and store managers' mobile BI: {base}/m/bi/")
        lines.append("Ctrl-C stops the web server, the worker and the scheduler.\n")
        self.stdout.write("\n".join(lines))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
