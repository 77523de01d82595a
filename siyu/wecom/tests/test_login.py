"""Logging in from WeCom: the browser round trip through the fake's authorize page."""

import json
import urllib.error
import urllib.parse
import urllib.request

from django.test import Client

from siyu.conftest import World
from siyu.wecom import http


def _authorize(client: Client, fake_wecom, *, as_userid: str) -> str:
    """Follow our redirect to WeCom and WeCom's back; returns the callback URL WeCom sends us to."""
    start = client.get("/login/wecom/")
    assert start.status_code == 302
    location = start["Location"]
    assert (
        location.startswith(fake_wecom.base_url + "/connect/oauth2/authorize?")
        and "snsapi_base" in location
    )
    url = location.split("#")[0] + "&fake_userid=" + urllib.parse.quote(as_userid)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=10)  # noqa: S310 (the local fake)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return exc.headers["Location"]
    raise AssertionError("WeCom did not redirect back")


def test_guide_logs_in_from_wecom(world: World, fake_wecom) -> None:
    fake_wecom.members["wx_gia"] = {"name": "Gia", "status": 1}
    client = Client()
    back = _authorize(client, fake_wecom, as_userid="wx_gia")
    response = client.get(back.replace("http://testserver", ""))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/m/"
    assert "Gia" in client.get("/m/").content.decode()
    # The code was single use: replaying the callback logs nobody in
    replay = Client().get(back.replace("http://testserver", ""))
    assert replay.status_code == 403


def test_unknown_or_resigned_members_are_refused(world: World, fake_wecom) -> None:
    fake_wecom.members["wx_stranger"] = {"name": "?", "status": 1}
    client = Client()
    response = client.get(
        _authorize(client, fake_wecom, as_userid="wx_stranger").replace("http://testserver", "")
    )
    assert response.status_code == 403 and 'data-testid="login-error"' in response.content.decode()
    assert client.get("/m/").status_code == 302  # not logged in


def test_forged_state_is_refused(world: World, fake_wecom) -> None:
    client = Client()
    client.get("/login/wecom/")
    _status, raw = http.request(
        f"{fake_wecom.base_url}/fake/oauth-code",
        data=b'{"userid": "wx_gia"}',
        method="POST",
        content_type="application/json",
        timeout=5,
    )
    code = json.loads(raw)["code"]
    response = client.get(f"/login/wecom/callback/?code={code}&state=forged")
    assert response.status_code == 403
