"""API authentication: a Bearer token for integrations, else the page session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from siyu.org.scope import scope_for_token, scope_for_user
from siyu.org.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        request.scope = scope_for_token(api_token)  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token


class SessionAuth(APIKeyCookie):
    """The logged-in staff member's session; ninja checks CSRF on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        try:
            request.scope = scope_for_user(request.user)  # type: ignore[attr-defined]
        except PermissionDenied:
            return None
        return request.user


auth = [TokenAuth(), SessionAuth()]
