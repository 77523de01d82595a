"""The callback endpoint: verification, refusal of forged callbacks, exactly-once processing."""

import datetime as dt
import io
import urllib.parse
from dataclasses import dataclass
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from siyu.wecom import events
from siyu.wecom.crypto import CallbackCrypto, signature
from siyu.wecom.models import CallbackEvent, CallbackStatus

ADD = (
    "<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
    "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>"
    "<Event><![CDATA[{event}]]></Event><ChangeType><![CDATA[{change}]]></ChangeType>"
    "<UserID><![CDATA[g1]]></UserID><ExternalUserID><![CDATA[wmX]]></ExternalUserID></xml>"
)


def _crypto(corp: str | None = None) -> CallbackCrypto:
    return CallbackCrypto(
        settings.WECOM_TOKEN, settings.WECOM_AES_KEY, corp or settings.WECOM_CORP_ID
    )


def _post(
    client: Client, plaintext: str, crypto: CallbackCrypto | None = None, *, tamper: bool = False
):
    body, signature = (crypto or _crypto()).encrypt_message(plaintext, "123", "1700000000")
    if tamper:
        signature = "0" * 40
    query = urllib.parse.urlencode(
        {"msg_signature": signature, "timestamp": "1700000000", "nonce": "123"}
    )
    return client.post(f"/wecom/callback?{query}", body, content_type="text/xml")


class WsgiClient:
    """POSTs straight into `siyu.wsgi.application`, as waitress does in production, so the lean
    callback path (which bypasses Django's test client and middleware) is what answers."""

    @dataclass
    class Answer:
        status_code: int
        content: bytes

    def post(self, path: str, body: str, content_type: str) -> "WsgiClient.Answer":
        from siyu.wsgi import application

        raw = body.encode()
        path, _sep, query = path.partition("?")
        environ: dict = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw), "REMOTE_ADDR": "127.0.0.1",
        }  # fmt: skip
        setup_testing_defaults(environ)
        status: list[str] = []
        chunks = application(environ, lambda s, headers: status.append(s))
        return self.Answer(int(status[0].split()[0]), b"".join(chunks))


CLIENTS = pytest.mark.parametrize("client_kind", ["django", "wsgi"])


def _client(kind: str):
    return Client() if kind == "django" else WsgiClient()


@pytest.fixture
def recorded(monkeypatch):
    seen = []
    monkeypatch.setitem(
        events._handlers, ("test_event", "ping"), lambda fields: seen.append(fields)
    )
    return seen


def test_url_verification_keeps_plus_signs(db, client) -> None:
    crypto = _crypto()
    # Find an echostr whose base64 holds a "+", the character naive query parsing turns into a space.
    for i in range(200):
        echostr = crypto.encrypt(f"echo-{i}")
        if "+" in echostr:
            break
    assert "+" in echostr
    sig = signature(settings.WECOM_TOKEN, "1", "n", echostr)
    query = (
        f"msg_signature={sig}&timestamp=1&nonce=n&echostr={urllib.parse.quote(echostr, safe='')}"
    )
    response = client.get(f"/wecom/callback?{query}")
    assert response.status_code == 200
    assert response.content.decode() == f"echo-{i}"


@CLIENTS
@pytest.mark.django_db(transaction=True)
def test_event_is_stored_and_processed_once_even_when_resent(
    immediate_tasks, recorded, client_kind
) -> None:
    client = _client(client_kind)
    plaintext = ADD.format(corp=settings.WECOM_CORP_ID, event="test_event", change="ping")
    for _ in range(3):  # WeCom resends when the answer is slow
        response = _post(client, plaintext)
        assert response.status_code == 200 and response.content == b"success"
    assert CallbackEvent.objects.count() == 1
    assert CallbackEvent.objects.get().status == CallbackStatus.DONE
    assert len(recorded) == 1 and recorded[0]["UserID"] == "g1"


@CLIENTS
@pytest.mark.django_db(transaction=True)
def test_forged_and_foreign_callbacks_store_nothing(
    immediate_tasks, recorded, caplog, client_kind
) -> None:
    client = _client(client_kind)
    plaintext = ADD.format(corp=settings.WECOM_CORP_ID, event="test_event", change="ping")
    assert _post(client, plaintext, tamper=True).status_code == 403
    assert _post(client, plaintext, _crypto("wwSOMEONEELSE")).status_code == 403
    assert (
        client.post(
            "/wecom/callback?msg_signature=x&timestamp=1&nonce=n", "<xml>", content_type="text/xml"
        ).status_code
        == 403
    )
    assert CallbackEvent.objects.count() == 0 and recorded == []
    assert "-40001" in caplog.text and "-40005" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_unknown_events_are_kept_and_ignored(immediate_tasks) -> None:
    _post(
        Client(),
        ADD.format(corp=settings.WECOM_CORP_ID, event="change_external_chat", change="dismiss"),
    )
    event = CallbackEvent.objects.get()
    assert (event.event, event.status) == ("change_external_chat", CallbackStatus.IGNORED)


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_is_retried_with_backoff(immediate_tasks, monkeypatch) -> None:
    calls = []

    def flaky(fields):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")

    monkeypatch.setitem(events._handlers, ("test_event", "ping"), flaky)
    _post(Client(), ADD.format(corp=settings.WECOM_CORP_ID, event="test_event", change="ping"))
    event = CallbackEvent.objects.get()
    assert (event.status, event.attempts) == (CallbackStatus.FAILED, 1)
    assert "database hiccup" in event.last_error
    assert events.callbacks_retry_due(timezone.now()) == 0  # still backing off
    assert events.callbacks_retry_due(timezone.now() + dt.timedelta(seconds=31)) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, len(calls)) == (CallbackStatus.DONE, 2, 2)
    assert events.callbacks_retry_due(timezone.now() + dt.timedelta(days=1)) == 0


@pytest.mark.django_db(transaction=True)
def test_admins_see_failures_and_retry_them(immediate_tasks, monkeypatch) -> None:
    from siyu.conftest import build_world

    world = build_world()
    failing = {"on": True}

    def handler(fields):
        if failing["on"]:
            raise RuntimeError("WeCom API down")

    monkeypatch.setitem(events._handlers, ("test_event", "ping"), handler)
    _post(Client(), ADD.format(corp=settings.WECOM_CORP_ID, event="test_event", change="ping"))
    admin, store_manager = Client(), Client()
    world.login(admin, "ada")
    world.login(store_manager, "sam")
    assert store_manager.get("/console/wecom/failures/").status_code == 403
    page = admin.get("/console/wecom/failures/").content.decode()
    assert "WeCom API down" in page
    failing["on"] = False
    admin.post("/console/wecom/failures/", {"event": CallbackEvent.objects.get().pk})
    assert CallbackEvent.objects.get().status == CallbackStatus.DONE
    assert "WeCom API down" not in admin.get("/console/wecom/failures/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_lean_path_refuses_empty_or_huge_bodies_and_leaves_the_rest_to_django() -> None:
    client = WsgiClient()
    assert client.post("/wecom/callback?x=1", "", "text/xml").status_code == 400
    assert client.post("/wecom/callback?x=1", "x" * 70_000, "text/xml").status_code == 400
    assert CallbackEvent.objects.count() == 0
    # Any other path is Django's: an anonymous POST to a console page is sent to log in
    assert client.post("/console/customers/", "", "text/plain").status_code in (302, 403)
