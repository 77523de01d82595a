"""Turning ids in a request body into objects, inside the caller's scope."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from siyu.org.scope import Scope, access

M = TypeVar("M", bound=models.Model)


def ref(model: type[M], scope: Scope, pk: int | None, field: str) -> M | None:
    """The `model` row `pk` if the caller can see it; a field error (not a 404) otherwise."""
    if pk is None:
        return None
    try:
        return access(model._default_manager.all(), scope, pk=pk)
    except Http404:
        raise ValidationError(
            {field: _("No such object in your part of the organisation.")}
        ) from None


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def scope_of(request: Any) -> Scope:
    """The caller's scope, set by the API's authentication."""
    return request.scope


def actor_of(request: Any) -> Any:
    """The logged-in user behind a request, or None for an API token."""
    return request.user if request.user.is_authenticated else None
