"""Logging staff in from inside WeCom (web OAuth, snsapi_base): code → member user id → staff.

The workbench opens inside WeCom; WeCom redirects to our callback with a single-use code,
which the API turns into the member's user id. A random `state` kept in the session ties
the callback to the login that started it.
"""

import secrets
import urllib.parse

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from siyu.org.models import Staff, StaffStatus
from siyu.wecom.client import WeComClient, WeComError

SESSION_KEY = "wecom_oauth_state"


def wecom_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to WeCom's authorize page; WeCom comes back to wecom_login_callback."""
    state = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = state
    query = urllib.parse.urlencode(
        {
            "appid": settings.WECOM_CORP_ID,
            "redirect_uri": request.build_absolute_uri(reverse("wecom_login_callback")),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
            "agentid": settings.WECOM_AGENT_ID,
        }
    )
    return HttpResponseRedirect(f"{settings.WECOM_OAUTH_URL}?{query}#wechat_redirect")


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "wecom/login_failed.html", {"message": message}, status=403)


def wecom_login_callback(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop(SESSION_KEY, None)
    if not expected or request.GET.get("state") != expected:
        return _refuse(
            request, _("This login link has expired. Open the workbench from WeCom again.")
        )
    try:
        userid = WeComClient().user_from_code(request.GET.get("code", ""))
    except WeComError:
        return _refuse(
            request, _("WeCom did not confirm who you are. Open the workbench from WeCom again.")
        )
    staff = (
        Staff.objects.select_related("user")
        .filter(wecom_userid=userid, status=StaffStatus.EMPLOYED)
        .first()
    )
    if staff is None or staff.user is None:
        return _refuse(
            request, _("Your WeCom account is not set up in siyu. Ask your store manager.")
        )
    login(request, staff.user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(reverse("home"))
