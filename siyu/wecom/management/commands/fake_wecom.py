"""`siyu fake-wecom --port 8100`: the local fake WeCom, with the corp settings siyu uses."""

import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand

from siyu.wecom.crypto import CallbackCrypto
from siyu.wecom.fake import FakeCorp, serve


class Command(BaseCommand):
    help = "Run the local fake WeCom (server API, callbacks to siyu, scripting under /fake/)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--callback-url", default="http://127.0.0.1:8000/wecom/callback")

    def handle(self, *args, host, port, callback_url, **options):
        corp = FakeCorp(
            corp_id=settings.WECOM_CORP_ID,
            secret=settings.WECOM_SECRET,
            app_secret=settings.WECOM_APP_SECRET,
            agent_id=settings.WECOM_AGENT_ID,
            crypto=CallbackCrypto(
                settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID
            ),
            callback_url=callback_url,
        )
        server = serve(corp, host, port)
        self.stdout.write(f"fake WeCom on http://{host}:{port} → callbacks to {callback_url}")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
