"""The content API: the library and its workflow, a guide's feed and forwards, the mix, moments tasks."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, ref, scope_of
from siyu.content import mix, selectors, services, share
from siyu.content.models import Content, ContentTransition
from siyu.core.periods import check_period
from siyu.org.models import Brand, Store

router = Router(tags=["content"])


class TargetIn(Schema):
    level: str = Field(pattern="^(branch|province|city|store)$")
    code: str = Field(max_length=20)


class ContentIn(Schema):
    brand_id: int
    kind: str
    title: str = Field(max_length=100)
    body: str = ""
    share_copy: str = Field("", max_length=1000)
    product_code: str = Field("", max_length=40)
    price_fen: int | None = Field(None, ge=0)
    product_codes: list[str] = Field(default_factory=list, max_length=50)
    miniprogram_appid: str = Field("", max_length=40)
    miniprogram_path: str = Field("", max_length=200)
    business_unit: str = Field("", max_length=50)
    campaign: str = Field("", max_length=50)
    scenarios: list[str] = Field(default_factory=list)
    category: str = ""
    publish_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    targets: list[TargetIn] = Field(default_factory=list, max_length=500)


class ContentPatch(Schema):
    title: str | None = Field(None, max_length=100)
    body: str | None = None
    share_copy: str | None = Field(None, max_length=1000)
    product_code: str | None = Field(None, max_length=40)
    price_fen: int | None = Field(None, ge=0)
    product_codes: list[str] | None = None
    miniprogram_appid: str | None = Field(None, max_length=40)
    miniprogram_path: str | None = Field(None, max_length=200)
    business_unit: str | None = Field(None, max_length=50)
    campaign: str | None = Field(None, max_length=50)
    scenarios: list[str] | None = None
    category: str | None = None
    publish_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    targets: list[TargetIn] | None = None


class TargetOut(Schema):
    level: str
    code: str


class ContentOut(Schema):
    id: int
    brand_id: int
    kind: str
    title: str
    body: str
    share_copy: str
    image_url: str | None
    video_url: str | None
    image_urls: list[str]
    product_code: str
    price_fen: int | None
    product_codes: list[str]
    business_unit: str
    campaign: str
    scenarios: list[str]
    category: str
    direct_sale: bool
    targets: list[TargetOut]
    publish_at: dt.datetime | None
    expires_at: dt.datetime | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_image_url(obj: Content) -> str | None:
        return obj.image.url if obj.image else None

    @staticmethod
    def resolve_video_url(obj: Content) -> str | None:
        return obj.video.url if obj.video else None

    @staticmethod
    def resolve_image_urls(obj: Content) -> list[str]:
        return [i.image.url for i in obj.images.all()]

    @staticmethod
    def resolve_targets(obj: Content) -> list[dict[str, str]]:
        return [{"level": t.level, "code": t.code} for t in obj.targets.all()]


class ContentFilters(Schema):
    q: str = Field("", max_length=100)
    kind: str = ""
    status: str = ""
    category: str = ""
    campaign: str = ""
    brand_id: int | None = None


class TransitionIn(Schema):
    action: str
    comment: str = Field("", max_length=1000)


class TransitionOut(Schema):
    id: int
    action: str
    from_status: str
    to_status: str
    actor: str | None
    comment: str
    at: dt.datetime

    @staticmethod
    def resolve_actor(obj: ContentTransition) -> str | None:
        return obj.actor.username if obj.actor else None


class StatsOut(Schema):
    forwards: int
    guides: int
    pv: int
    uv: int


class ForwardIn(Schema):
    channel: str = Field(pattern="^(moments|chat|group)$")


class ForwardOut(Schema):
    code: str
    url: str
    share_copy: str
    poster_url: str | None
    channel: str


class MixQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    by: str = Field("guide", pattern="^(guide|store)$")


class MixRowOut(Schema):
    key: int
    label: str
    forwards: int
    counts: dict[str, int]
    shares: dict[str, Decimal | None]
    direct_sale: int
    direct_sale_share: Decimal | None
    off_target: list[str]
    over_ceiling: bool


class MixOut(Schema):
    start: dt.date
    end: dt.date
    target: dict[str, Decimal]
    direct_sale_ceiling: Decimal
    active_guides: int
    sharing_guides: int
    share_rate: Decimal | None
    rows: list[MixRowOut]


class MomentTaskIn(Schema):
    content_id: int
    store_ids: list[int] = Field(default_factory=list, max_length=5000)


class MomentSenderOut(Schema):
    staff_id: int
    store_id: int
    posted: bool
    invalid: bool


class MomentTaskOut(Schema):
    id: int
    content_id: int
    jobid: str
    moment_id: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    senders: list[MomentSenderOut]

    @staticmethod
    def resolve_senders(obj) -> list:
        return list(obj.senders.all())


def _content(request: HttpRequest, content_id: int) -> Content:
    return selectors.content_get(scope=scope_of(request), content_id=content_id)


def _fields(payload: Schema) -> dict:
    return payload.dict(exclude={"brand_id", "kind", "targets"}, exclude_unset=True)


@router.get("/content", response=list[ContentOut])
@paginate(CursorPagination, ordering=("-id",))
def content_list(request: HttpRequest, filters: Query[ContentFilters]):
    """The library as the caller sees it; `q` matches title, body, copy and campaign."""
    return selectors.content_list(scope=scope_of(request), **filters.dict()).prefetch_related(
        "targets", "images"
    )


@router.post("/content", response={201: ContentOut})
def content_create(request: HttpRequest, payload: ContentIn):
    """A new draft; upload its files with POST /content/{id}/files."""
    scope = scope_of(request)
    content = services.content_create(
        scope=scope,
        actor=actor_of(request),
        brand=ref(Brand, scope, payload.brand_id, "brand_id"),
        kind=payload.kind,
        fields=_fields(payload),
        targets=[t.dict() for t in payload.targets],
    )
    return Status(201, content)


@router.get("/content/today", response=dict[str, list[ContentOut]])
def content_today(request: HttpRequest):
    """A guide's items for today, by scenario (moments, chat, group)."""
    return selectors.content_for_guide(staff=selectors.guide_of(scope_of(request)))


@router.get("/content/mix", response=MixOut)
def content_mix(request: HttpRequest, query: Query[MixQuery]):
    """Forwards by category against 50/30/20, direct sale links against 20 %, and the share rate."""
    scope = scope_of(request)
    start, end = check_period(query.start, query.end)
    rate = mix.share_rate(scope=scope, start=start, end=end)
    rows = mix.content_mix(scope=scope, start=start, end=end, by=query.by)
    return {
        "start": start,
        "end": end,
        "target": mix.TARGET,
        "direct_sale_ceiling": mix.DIRECT_SALE_CEILING,
        **rate.__dict__,
        "rows": [
            {**r.__dict__, "off_target": r.off_target, "over_ceiling": r.over_ceiling} for r in rows
        ],
    }


@router.get("/content/{content_id}", response=ContentOut)
def content_get(request: HttpRequest, content_id: int):
    return _content(request, content_id)


@router.patch("/content/{content_id}", response=ContentOut)
def content_update(request: HttpRequest, content_id: int, payload: ContentPatch):
    fields = _fields(payload)
    targets = [t.dict() for t in payload.targets] if payload.targets is not None else None
    return services.content_update(
        scope=scope_of(request),
        content=_content(request, content_id),
        fields=fields,
        targets=targets,
    )


@router.post("/content/{content_id}/files", response=ContentOut)
def content_files(
    request: HttpRequest,
    content_id: int,
    image: UploadedFile | None = File(None),  # type: ignore[assignment]
    video: UploadedFile | None = File(None),  # type: ignore[assignment]
    images: list[UploadedFile] | None = File(None),  # type: ignore[assignment]
):
    """Upload the item's image, video or moments images (multipart); each is checked."""
    return services.content_update(
        scope=scope_of(request),
        content=_content(request, content_id),
        fields={},
        image=image,
        video=video,
        images=images or None,
    )


@router.post("/content/{content_id}/transitions", response=ContentOut)
def content_transition(request: HttpRequest, content_id: int, payload: TransitionIn):
    """submit, approve, reject (with a comment), publish, withdraw or revise."""
    return services.content_transition(
        scope=scope_of(request),
        actor=actor_of(request),
        content=_content(request, content_id),
        action=payload.action,
        comment=payload.comment,
    )


@router.get("/content/{content_id}/transitions", response=list[TransitionOut])
def content_transitions(request: HttpRequest, content_id: int):
    return _content(request, content_id).transitions.select_related("actor")


@router.get("/content/{content_id}/stats", response=StatsOut)
def content_stats(request: HttpRequest, content_id: int):
    """Forwards, guides forwarding, visits (PV) and distinct visitors (UV), in the caller's scope."""
    scope = scope_of(request)
    return selectors.content_stats(scope=scope, content=_content(request, content_id))


@router.post("/content/{content_id}/forward", response={201: ForwardOut})
def content_forward(request: HttpRequest, content_id: int, payload: ForwardIn):
    """A guide forwards an item: their share link, the suggested copy and, for a poster, the
    poster with their QR code."""
    link, _forward = services.content_forward(
        staff=selectors.guide_of(scope_of(request)),
        content=_content(request, content_id),
        channel=payload.channel,
    )
    return Status(201, share.handout(link))


@router.get("/moment-tasks", response=list[MomentTaskOut])
@paginate(CursorPagination, ordering=("-id",))
def moment_task_list(request: HttpRequest):
    return selectors.moment_task_list(scope=scope_of(request)).prefetch_related("senders")


@router.post("/moment-tasks", response={201: MomentTaskOut})
def moment_task_create(request: HttpRequest, payload: MomentTaskIn):
    """Push a live item to the WeCom moments of the guides of these stores (default: all it reaches)."""
    scope = scope_of(request)
    return Status(
        201,
        services.moment_task_create(
            scope=scope,
            actor=actor_of(request),
            content=_content(request, payload.content_id),
            stores=[ref(Store, scope, pk, "store_ids") for pk in payload.store_ids],
        ),
    )


@router.get("/moment-tasks/{task_id}", response=MomentTaskOut)
def moment_task_get(request: HttpRequest, task_id: int):
    return selectors.moment_task_get(scope=scope_of(request), task_id=task_id)
