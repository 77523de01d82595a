"""Template context: the caller's scope and staff record, for navigation."""

from typing import Any

from django.http import HttpRequest


def scope(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "scope", None)
    return {"scope": current, "can": set(current.capabilities) if current else set()}
