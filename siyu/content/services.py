"""Writes of the content hub: items and their workflow, forwards, visits, moments tasks."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from siyu.content.models import (
    Category,
    Channel,
    Content,
    ContentImage,
    ContentTarget,
    ContentTransition,
    Forward,
    Kind,
    MomentSender,
    MomentTask,
    Scenario,
    ShareLink,
    ShareVisit,
    Status,
    TargetLevel,
)
from siyu.content.selectors import is_live, live_q, place_of, reach_q, stores_reached
from siyu.content.share import public_url
from siyu.members import merge
from siyu.members import services as member_services
from siyu.members.models import IdentityKind
from siyu.org import regions
from siyu.org.models import Branch, Brand, Role, Staff, StaffStatus, Store
from siyu.org.scope import Capability, Level, Scope

logger = logging.getLogger(__name__)

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MIN_SIDE, IMAGE_MAX_SIDE = 200, 8000
VIDEO_MAX_BYTES = 50 * 1024 * 1024
MAX_MOMENT_IMAGES = 9
ARTICLE_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "h2", "h3", "ul", "ol", "li", "img", "a", "blockquote", "span"}  # fmt: skip
ARTICLE_ATTRIBUTES = {"img": {"src", "alt"}, "a": {"href"}}

EDITABLE = {Status.DRAFT, Status.REJECTED}

merge.register_reference(ShareVisit, "customer")  # a merged customer's visits are the survivor's


@dataclass(frozen=True)
class Move:
    """One workflow action: where it may start, where it ends, who may take it."""

    sources: frozenset[str]
    target: str
    capability: Capability | None  # None: only the system (expiry)
    needs_comment: bool = False


ACTION_LABELS = {
    "submit": gettext_lazy("Submit for review"), "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"), "publish": gettext_lazy("Publish"),
    "withdraw": gettext_lazy("Withdraw"), "revise": gettext_lazy("Revise"),
    "expire": gettext_lazy("Expire"),
}  # fmt: skip

MOVES: dict[str, Move] = {
    "submit": Move(frozenset({Status.DRAFT, Status.REJECTED}), Status.IN_REVIEW, Capability.EDIT_CONTENT),
    "approve": Move(frozenset({Status.IN_REVIEW}), Status.APPROVED, Capability.APPROVE_CONTENT),
    "reject": Move(frozenset({Status.IN_REVIEW}), Status.REJECTED, Capability.APPROVE_CONTENT, needs_comment=True),
    "publish": Move(frozenset({Status.APPROVED}), Status.PUBLISHED, Capability.APPROVE_CONTENT),
    "withdraw": Move(frozenset({Status.APPROVED, Status.PUBLISHED}), Status.WITHDRAWN, Capability.APPROVE_CONTENT),
    "revise": Move(frozenset({Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED}), Status.DRAFT, Capability.EDIT_CONTENT),
    "expire": Move(frozenset({Status.PUBLISHED}), Status.EXPIRED, None),
}  # fmt: skip


# -- checks -------------------------------------------------------------------------------------
def check_image(upload: UploadedFile, field: str) -> None:
    """A JPEG, PNG or WebP of at most 5 MB whose sides are 200–8,000 px."""
    if upload.size and upload.size > IMAGE_MAX_BYTES:
        raise ValidationError({field: _("The image is larger than 5 MB.")})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError({field: _("This is not an image siyu can read.")}) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(
            {field: _("Use a JPEG, PNG or WebP image (got %(format)s).") % {"format": fmt}}
        )
    if min(width, height) < IMAGE_MIN_SIDE or max(width, height) > IMAGE_MAX_SIDE:
        raise ValidationError(
            {
                field: _("The image is %(w)s×%(h)s px; each side must be 200–8,000 px.")
                % {"w": width, "h": height}
            }
        )


def check_video(upload: UploadedFile, field: str = "video") -> None:
    """An MP4 of at most 50 MB (its `ftyp` box says so, not just its name)."""
    if upload.size and upload.size > VIDEO_MAX_BYTES:
        raise ValidationError({field: _("The video is larger than 50 MB.")})
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise ValidationError({field: _("Use an MP4 video.")})


def _check_fields(fields: dict[str, Any], kind: str) -> None:
    """What every saved item needs, draft or not."""
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose a kind.")
    if not (fields.get("title") or "").strip():
        errors["title"] = _("Give the item a title.")
    if fields.get("category") not in Category.values:
        errors["category"] = _("Choose lifestyle, brand or transaction.")
    scenarios = fields.get("scenarios") or []
    if not scenarios or any(s not in Scenario.values for s in scenarios):
        errors["scenarios"] = _("Choose where guides use it: moments, 1:1 chat or group.")
    start, end = fields.get("publish_at"), fields.get("expires_at")
    if start and end and end <= start:
        errors["expires_at"] = _("The item must expire after it is published.")
    if errors:
        raise ValidationError(errors)


def check_complete(content: Content) -> None:
    """What an item of its kind must carry before it goes to review."""
    errors: dict[str, str] = {}
    kind, images = content.kind, content.images.count()
    if kind == Kind.POSTER and not content.image:
        errors["image"] = _("A poster needs its image.")
    if kind == Kind.ARTICLE and not content.body.strip():
        errors["body"] = _("An article needs a body.")
    if kind == Kind.PRODUCT:
        if not content.product_code:
            errors["product_code"] = _("A product card needs the product's code.")
        if content.price_fen is None:
            errors["price_fen"] = _("A product card needs the price.")
        if not content.image:
            errors["image"] = _("A product card needs the product's picture.")
    if kind == Kind.VIDEO and not content.video:
        errors["video"] = _("A video item needs its video.")
    if kind == Kind.MOMENTS:
        if not content.share_copy.strip():
            errors["share_copy"] = _("Moments copy needs its text.")
        if images > MAX_MOMENT_IMAGES:
            errors["images"] = _("Moments take at most nine images.")
    if kind == Kind.MINIPROGRAM and not (content.miniprogram_appid and content.miniprogram_path):
        errors["miniprogram_path"] = _("A mini-program item needs the appid and the page path.")
    if errors:
        raise ValidationError(errors)


def _targets(brand: Brand, targets: Sequence[dict[str, str]]) -> list[tuple[str, str]]:
    """Validated (level, code) pairs; stores and branches must be the brand's."""
    pairs: list[tuple[str, str]] = []
    for target in targets:
        level, code = target.get("level", ""), str(target.get("code", "")).strip()
        ok = False
        if level == TargetLevel.BRANCH:
            ok = code.isdigit() and Branch.objects.filter(pk=int(code), brand=brand).exists()
        elif level == TargetLevel.STORE:
            ok = code.isdigit() and Store.objects.filter(pk=int(code), brand=brand).exists()
        elif level in (TargetLevel.PROVINCE, TargetLevel.CITY):
            region = regions.get(code)
            ok = region is not None and region.level == level
        if not ok:
            raise ValidationError(
                {
                    "targets": _("Unknown target %(level)s %(code)s.")
                    % {"level": level, "code": code}
                }
            )
        pairs.append((level, code))
    return sorted(set(pairs))


def _check_brand(scope: Scope, brand: Brand) -> None:
    if scope.level > Level.BRAND or (scope.level == Level.BRAND and scope.brand_id != brand.pk):
        raise PermissionDenied("brand")


# -- items ------------------------------------------------------------------------------------
CONTENT_FIELDS = (
    "title", "body", "share_copy", "product_code", "price_fen", "product_codes", "miniprogram_appid",
    "miniprogram_path", "business_unit", "campaign", "scenarios", "category", "publish_at", "expires_at",
)  # fmt: skip


def sanitize(html: str) -> str:
    """Article HTML reduced to what a landing page shows (no scripts, styles or handlers)."""
    return nh3.clean(html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES)


NULLABLE = {"price_fen", "publish_at", "expires_at"}


def _apply(content: Content, fields: dict[str, Any]) -> None:
    for name in CONTENT_FIELDS:
        if name in fields:
            value = fields[name]
            # Text fields hold "" for nothing; the price and the dates hold None.
            setattr(content, name, "" if value is None and name not in NULLABLE else value)
    content.body = sanitize(content.body or "")
    content.direct_sale = content.kind == Kind.PRODUCT or bool(content.product_codes)


@transaction.atomic
def content_create(
    *,
    scope: Scope,
    actor: Any,
    brand: Brand,
    kind: str,
    fields: dict[str, Any],
    targets: Sequence[dict[str, str]] = (),
    image: UploadedFile | None = None,
    video: UploadedFile | None = None,
    images: Sequence[UploadedFile] = (),
) -> Content:
    """A new draft in `brand`'s library."""
    scope.require(Capability.EDIT_CONTENT)
    _check_brand(scope, brand)
    content = Content(brand=brand, kind=kind, created_by=actor)
    _apply(content, fields)
    _save_with_files(content, fields, targets, image, video, images, replace_images=True)
    return content


@transaction.atomic
def content_update(
    *,
    scope: Scope,
    content: Content,
    fields: dict[str, Any],
    targets: Sequence[dict[str, str]] | None = None,
    image: UploadedFile | None = None,
    video: UploadedFile | None = None,
    images: Sequence[UploadedFile] | None = None,
) -> Content:
    """Edit a draft or a rejected item (others must be revised back to a draft first)."""
    scope.require(Capability.EDIT_CONTENT)
    _check_brand(scope, content.brand)
    content = Content.objects.select_for_update().get(pk=content.pk)
    if content.status not in EDITABLE:
        raise ValidationError(
            {
                "status": _("A %(status)s item cannot be edited; revise it back to a draft first.")
                % {"status": content.get_status_display()}
            }
        )
    _apply(content, fields)
    current = [{"level": t.level, "code": t.code} for t in content.targets.all()]
    _save_with_files(
        content, {**_current_fields(content), **fields}, current if targets is None else targets,
        image, video, images or (), replace_images=images is not None,
    )  # fmt: skip
    return content


def _current_fields(content: Content) -> dict[str, Any]:
    return {name: getattr(content, name) for name in CONTENT_FIELDS}


def _save_with_files(
    content: Content,
    fields: dict[str, Any],
    targets: Sequence[dict[str, str]],
    image: UploadedFile | None,
    video: UploadedFile | None,
    images: Sequence[UploadedFile],
    *,
    replace_images: bool,
) -> None:
    if image is not None:
        check_image(image, "image")
    if video is not None:
        check_video(video)
    for upload in images:
        check_image(upload, "images")
    if replace_images and len(images) > MAX_MOMENT_IMAGES:
        raise ValidationError({"images": _("Moments take at most nine images.")})
    _check_fields(fields, content.kind)
    pairs = _targets(content.brand, targets)
    if image is not None:
        content.image.save(image.name or "image", image, save=False)
    if video is not None:
        content.video.save(video.name or "video.mp4", video, save=False)
    content.targeted = bool(pairs)
    content.save()
    content.targets.all().delete()
    ContentTarget.objects.bulk_create(
        ContentTarget(content=content, level=lv, code=c) for lv, c in pairs
    )
    if replace_images:
        content.images.all().delete()
        for position, upload in enumerate(images):
            ContentImage(content=content, position=position).image.save(
                upload.name or "image", upload, save=True
            )


@transaction.atomic
def content_transition(
    *, scope: Scope | None, actor: Any, content: Content, action: str, comment: str = ""
) -> Content:
    """Move an item through the workflow, recording who, when and why.

    Refused with the reason: an unknown action, a move from the wrong state, a caller
    without the capability, an approver approving their own item, a reject without comment.
    """
    move = MOVES.get(action)
    if move is None or move.capability is None and scope is not None:
        raise ValidationError({"action": _("Unknown action “%(action)s”.") % {"action": action}})
    if scope is not None:
        assert move.capability is not None
        scope.require(move.capability)
        _check_brand(scope, content.brand)
    content = Content.objects.select_for_update().get(pk=content.pk)
    if content.status not in move.sources:
        raise ValidationError(
            {
                "action": _("An item that is %(status)s cannot be sent to %(action)s.")
                % {"status": content.get_status_display(), "action": ACTION_LABELS[action]}
            }
        )
    if move.needs_comment and not comment.strip():
        raise ValidationError({"comment": _("Say why, so the editor can fix it.")})
    if action == "submit":
        check_complete(content)
    if action == "approve" and actor is not None and content.created_by_id == actor.pk:
        raise ValidationError({"action": _("Someone other than its author must approve an item.")})
    if action == "publish" and content.expires_at and content.expires_at <= timezone.now():
        raise ValidationError(
            {"expires_at": _("This item has already expired; change its dates first.")}
        )
    ContentTransition.objects.create(
        content=content, action=action, from_status=content.status, to_status=move.target,
        actor=actor, comment=comment.strip(),
    )  # fmt: skip
    content.status = move.target
    content.save(update_fields=["status", "updated_at"])
    return content


def content_expire_due(now: dt.datetime | None = None) -> int:
    """Mark published items whose window has closed as expired (a periodic job)."""
    now = now or timezone.now()
    due = list(
        Content.objects.filter(status=Status.PUBLISHED, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        content_transition(scope=None, actor=None, content=Content(pk=pk), action="expire")
    return len(due)


# -- forwards and visits -----------------------------------------------------------------------
def _new_code() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, 48 random bits


def _check_reaches(staff: Staff, content: Content) -> None:
    store = staff.store
    if (
        store is None
        or content.brand_id != store.brand_id
        or not Content.objects.filter(live_q(), reach_q([place_of(store)]), pk=content.pk).exists()
    ):
        raise ValidationError({"content": _("This item is not available to your store today.")})


@transaction.atomic
def content_forward(*, staff: Staff, content: Content, channel: str) -> tuple[ShareLink, Forward]:
    """A guide forwards an item: their link for this item and channel (made once), and a Forward."""
    if staff.role not in (Role.GUIDE, Role.STORE_MANAGER) or staff.status != StaffStatus.EMPLOYED:
        raise PermissionDenied("not a guide")
    if channel not in (Channel.MOMENTS, Channel.CHAT, Channel.GROUP):
        raise ValidationError({"channel": _("Choose moments, 1:1 chat or group.")})
    _check_reaches(staff, content)
    link = ShareLink.objects.filter(content=content, staff=staff, channel=channel).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ShareLink.objects.create(
                    code=_new_code(),
                    content=content,
                    staff=staff,
                    store=staff.store,
                    channel=channel,
                )
        except IntegrityError:  # the same guide tapped twice at once: use the other's link
            link = ShareLink.objects.get(content=content, staff=staff, channel=channel)
    store = link.store or staff.store
    assert store is not None  # _check_reaches refused a guide without a store
    forward = Forward.objects.create(
        link=link, content=content, staff=staff, store=store, channel=channel,
        category=content.category, direct_sale=content.direct_sale,
    )  # fmt: skip
    return link, forward


def share_visit_record(
    *, link: ShareLink, device_id: str, openid: str = "", unionid: str = ""
) -> ShareVisit:
    """Count a landing-page visit (also when the item is no longer live)."""
    customer = (
        member_services.customer_resolve(kind=IdentityKind.UNIONID, value=unionid)
        if unionid
        else None
    )
    return ShareVisit.objects.create(
        link=link, content=link.content, staff=link.staff, store=link.store, device_id=device_id[:40],
        openid=openid[:64], unionid=unionid[:64], customer=customer, live=is_live(link.content),
    )  # fmt: skip


# -- moments tasks -------------------------------------------------------------------------------
@transaction.atomic
def moment_task_create(
    *, scope: Scope, actor: Any, content: Content, stores: Sequence[Store] = ()
) -> MomentTask:
    """Push a live item to the moments of the guides of `stores` (default: every store it reaches
    in the caller's scope) through WeCom's add_moment_task."""
    from siyu.org.scope import scoped
    from siyu.wecom.client import WeComClient

    scope.require(Capability.APPROVE_CONTENT)
    _check_brand(scope, content.brand)
    if not is_live(content):
        raise ValidationError(
            {"content": _("Only a published item inside its dates can go to moments.")}
        )
    chosen = stores_reached(
        content, stores or scoped(Store.objects.filter(brand=content.brand), scope)
    )
    guides = list(
        Staff.objects.filter(
            store__in=chosen, role__in=(Role.GUIDE, Role.STORE_MANAGER), status=StaffStatus.EMPLOYED
        )
        .exclude(wecom_userid=None)
        .exclude(wecom_userid="")
    )
    if not guides:
        raise ValidationError({"stores": _("No guide with a WeCom account in these stores.")})
    link = ShareLink.objects.create(code=_new_code(), content=content, channel=Channel.MOMENTS_TASK)
    url = public_url(reverse("landing", args=[link.code]))
    jobid = WeComClient().add_moment_task(
        text=content.share_copy or content.title,
        attachments=[{"msgtype": "link", "link": {"title": content.title, "url": url}}],
        senders=[g.wecom_userid for g in guides if g.wecom_userid],
    )
    task = MomentTask.objects.create(content=content, link=link, created_by=actor, jobid=jobid)
    MomentSender.objects.bulk_create(
        MomentSender(task=task, staff=g, store_id=g.store_id) for g in guides if g.store_id
    )
    return task


def moment_tasks_poll() -> int:
    """Ask WeCom which guides have posted each unfinished task; returns tasks updated."""
    from siyu.wecom.client import WeComClient

    client, updated = WeComClient(), 0
    for task in MomentTask.objects.filter(finished_at=None).order_by("id"):
        with transaction.atomic():
            if not task.moment_id:
                result = client.moment_task_result(task.jobid)
                if result.get("status") != 3:
                    continue
                task.moment_id = result.get("result", {}).get("moment_id", "")
                invalid = (
                    result.get("result", {}).get("invalid_sender_list", {}).get("user_list", [])
                )
                task.senders.filter(staff__wecom_userid__in=invalid).update(invalid=True)
            posted = {
                row["userid"]
                for row in client.moment_publish_status(task.moment_id)
                if row.get("publish_status") == 1
            }
            now = timezone.now()
            task.senders.filter(staff__wecom_userid__in=posted).update(posted=True, checked_at=now)
            task.senders.exclude(staff__wecom_userid__in=posted).update(checked_at=now)
            if not task.senders.filter(posted=False, invalid=False).exists():
                task.finished_at = now
            task.save()
            updated += 1
    return updated
