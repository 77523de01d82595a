"""The callback endpoint WeCom calls: URL verification (GET) and encrypted events (POST)."""

import logging
import urllib.parse

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.org.scope import Capability
from siyu.org.web import scope_required
from siyu.wecom.crypto import CallbackCrypto, WeComCryptoError
from siyu.wecom.events import callback_receive, callback_retry
from siyu.wecom.models import CallbackEvent, CallbackStatus

logger = logging.getLogger(__name__)


def _crypto() -> CallbackCrypto:
    return CallbackCrypto(settings.WECOM_TOKEN, settings.WECOM_AES_KEY, settings.WECOM_CORP_ID)


def _query(query_string: str) -> dict[str, str]:
    # Decode once with unquote, not QueryDict's unquote_plus: a "+" in echostr is base64, not a space.
    pairs = (part.partition("=") for part in query_string.split("&") if part)
    return {k: urllib.parse.unquote(v) for k, _sep, v in pairs}


def callback_handle(*, method: str, query_string: str, body: bytes, remote: str) -> tuple[int, str]:
    """WeCom's callback, whichever way it arrives (this view, or the lean WSGI path in
    siyu.wsgi): URL verification for GET, a verified, decrypted, stored event for POST.
    Returns the HTTP status and the text to answer."""
    q = _query(query_string)
    try:
        if method == "GET":
            echo = _crypto().verify_url(
                q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""),
                q.get("echostr", ""),
            )  # fmt: skip
            return 200, echo
        plaintext = _crypto().decrypt_message(
            body, q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
        )
    except WeComCryptoError as exc:
        logger.warning("WeCom callback refused (%s): %s from %s", exc.code, exc, remote)
        return 403, ""
    callback_receive(plaintext)
    return 200, "success"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    status, text = callback_handle(
        method=request.method or "",
        query_string=request.META.get("QUERY_STRING", ""),
        body=request.body if request.method == "POST" else b"",
        remote=request.META.get("REMOTE_ADDR", ""),
    )
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@scope_required(capability=Capability.MANAGE_WECOM)
def callback_failures(request: HttpRequest) -> HttpResponse:
    """Callbacks whose processing failed, with the error; an admin can retry one now."""
    if request.method == "POST":
        event = CallbackEvent.objects.filter(pk=request.POST.get("event") or 0).first()
        if event is not None:
            callback_retry(event=event)
        return redirect("callback_failures")
    failed = CallbackEvent.objects.filter(status=CallbackStatus.FAILED).order_by("-id")[:200]
    return render(request, "wecom/callback_failures.html", {"events": failed})
