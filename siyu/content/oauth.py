"""Who is opening a landing page: WeChat web OAuth behind one small interface.

`mp` is the real Official Account flow (snsapi_base: a silent redirect that yields the
visitor's openid, and unionid when the account is bound to the brand's open platform);
`dev` stands in for it offline — its "authorize" page hands back a code naming a stable
made-up visitor per browser; `off` leaves every visitor anonymous (a device id only).
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.urls import reverse

from siyu.wecom import http

SALT = "siyu.content.oauth"


@dataclass(frozen=True)
class WeChatUser:
    openid: str
    unionid: str = ""


class WeChatOAuth(Protocol):
    def authorize_url(self, *, redirect_uri: str, state: str) -> str: ...

    def identify(self, code: str) -> WeChatUser | None: ...


class OfficialAccountOAuth:
    """The real flow (https://open.weixin.qq.com/connect/oauth2/authorize, snsapi_base)."""

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urllib.parse.urlencode(
            {
                "appid": settings.WECHAT_APPID,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
            }
        )
        return f"https://open.weixin.qq.com/connect/oauth2/authorize?{query}#wechat_redirect"

    def identify(self, code: str) -> WeChatUser | None:
        query = urllib.parse.urlencode(
            {
                "appid": settings.WECHAT_APPID,
                "secret": settings.WECHAT_SECRET,
                "code": code,
                "grant_type": "authorization_code",
            }
        )
        try:
            _status, raw = http.request(
                f"https://api.weixin.qq.com/sns/oauth2/access_token?{query}",
                data=None,
                method="GET",
                content_type="application/json",
                timeout=5,
            )
            answer = json.loads(raw)
        except (OSError, ValueError):
            return None
        if not answer.get("openid"):
            return None
        return WeChatUser(openid=answer["openid"], unionid=answer.get("unionid", ""))


class DevOAuth:
    """Offline: siyu's own authorize page returns a signed code for a made-up visitor."""

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urllib.parse.urlencode({"redirect_uri": redirect_uri, "state": state})
        return f"{reverse('dev_oauth')}?{query}"

    def identify(self, code: str) -> WeChatUser | None:
        try:
            data = signing.loads(code, salt=SALT, max_age=300)
        except signing.BadSignature:
            return None
        return WeChatUser(openid=data["openid"], unionid=data.get("unionid", ""))

    @staticmethod
    def code_for(visitor: str) -> str:
        """The code the dev authorize page hands back for a browser's made-up visitor."""
        return signing.dumps({"openid": f"dev-{visitor}", "unionid": f"udev-{visitor}"}, salt=SALT)

    @staticmethod
    def new_visitor() -> str:
        return secrets.token_hex(8)


def backend() -> WeChatOAuth | None:
    """The configured adapter, or None when visitors stay anonymous."""
    return {"mp": OfficialAccountOAuth, "dev": DevOAuth}.get(settings.WECHAT_OAUTH, lambda: None)()
