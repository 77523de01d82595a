"""Page plumbing for the org scope: the decorator every page view wears."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from siyu.org.scope import Capability, scope_for_user


def scope_required(
    view: Callable[..., HttpResponse] | None = None, *, capability: Capability | None = None
) -> Any:
    """Log-in required; sets `request.scope`; optionally requires a capability (403 otherwise)."""

    def decorate(fn: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(fn)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            request.scope = scope_for_user(request.user)  # type: ignore[attr-defined]
            if capability is not None and not request.scope.can(capability):  # type: ignore[attr-defined]
                raise PermissionDenied(capability.value)
            return fn(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
