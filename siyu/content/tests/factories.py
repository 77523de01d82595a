"""Uploads and items for content tests, made through the real services."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from siyu.content import services
from siyu.content.models import Content
from siyu.org.scope import scope_for_user


def image_upload(
    width: int = 600, height: int = 800, fmt: str = "PNG", name: str = "poster.png"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def poster(world: Any, *, by: str = "hana", targets: list | None = None, **fields: Any) -> Content:
    """A draft poster of brand Alpine by `by` (an editor)."""
    staff = world.staff[by]
    return services.content_create(
        scope=scope_for_user(staff.user),
        actor=staff.user,
        brand=world.brands["alpine"],
        kind="poster",
        fields={
            "title": "冬季新品 极寒羽绒",
            "share_copy": "零下30度也不怕",
            "category": "brand",
            "scenarios": ["moments", "chat"],
            **fields,
        },
        targets=targets or [],
        image=image_upload(),
    )


def publish(world: Any, content: Content, *, approver: str = "ada") -> Content:
    """Submit (as its author), approve and publish (as `approver`)."""
    author = content.created_by
    from siyu.org.models import Staff

    editor_scope = scope_for_user(Staff.objects.get(user=author).user)
    services.content_transition(scope=editor_scope, actor=author, content=content, action="submit")
    user = world.staff[approver].user
    for action in ("approve", "publish"):
        content = services.content_transition(
            scope=scope_for_user(user), actor=user, content=content, action=action
        )
    return content
