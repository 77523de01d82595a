"""The library's rules: validation, the approval workflow, who reaches what, the 532 mix."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from siyu.content import mix, selectors, services
from siyu.content.models import ContentTransition, Forward, ShareLink, Status
from siyu.content.tests.factories import image_upload, poster, publish
from siyu.org.scope import scope_for_user


@pytest.fixture(autouse=True)
def _english():
    """Services speak the caller's language (zh-Hans by default); these assert the English."""
    with translation.override("en"):
        yield


def _scope(world, persona):
    return scope_for_user(world.staff[persona].user)


def _fields(**extra):
    return {"title": "t", "category": "brand", "scenarios": ["chat"], **extra}


def test_uploads_and_fields_are_checked_with_a_reason_each(world) -> None:
    hana = world.staff["hana"]
    cases = [
        ({"image": image_upload(100, 100)}, "image", "200–8,000"),
        ({"image": image_upload(fmt="GIF", name="a.gif")}, "image", "GIF"),
        (
            {"image": image_upload(name="x.png").__class__("x.png", b"not an image")},
            "image",
            "not an image",
        ),
    ]
    for extra, field, words in cases:
        with pytest.raises(ValidationError) as caught:
            services.content_create(
                scope=_scope(world, "hana"), actor=hana.user, brand=world.brands["alpine"],
                kind="poster", fields=_fields(), **extra,
            )  # fmt: skip
        assert words in " ".join(caught.value.message_dict[field])
    with pytest.raises(ValidationError) as caught:
        services.content_create(
            scope=_scope(world, "hana"), actor=hana.user, brand=world.brands["alpine"],
            kind="product", fields={"title": "", "category": "x", "scenarios": ["tv"],
                                    "publish_at": timezone.now(), "expires_at": timezone.now() - dt.timedelta(hours=1)},
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"title", "category", "scenarios", "expires_at"}
    # A draft may be incomplete; going to review it may not
    card = services.content_create(
        scope=_scope(world, "hana"), actor=hana.user, brand=world.brands["alpine"],
        kind="product", fields=_fields(),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.content_transition(
            scope=_scope(world, "hana"), actor=hana.user, content=card, action="submit"
        )
    assert set(caught.value.message_dict) == {"product_code", "price_fen", "image"}
    assert card.transitions.count() == 0
    with pytest.raises(ValidationError) as caught:
        poster(world, targets=[{"level": "store", "code": str(world.stores["x1"].pk)}])
    assert "targets" in caught.value.message_dict  # another brand's store


def test_editors_cannot_approve_and_approvers_not_their_own(world) -> None:
    item = poster(world)
    hana, ada = world.staff["hana"].user, world.staff["ada"].user
    services.content_transition(
        scope=_scope(world, "hana"), actor=hana, content=item, action="submit"
    )
    with pytest.raises(PermissionDenied):
        services.content_transition(
            scope=_scope(world, "hana"), actor=hana, content=item, action="approve"
        )
    # Given the approver permission, Hana still may not approve what she wrote
    hana.user_permissions.add(Permission.objects.get(codename="approve_content"))
    hana = type(hana).objects.get(pk=hana.pk)
    with pytest.raises(ValidationError, match="other than its author"):
        services.content_transition(
            scope=scope_for_user(hana), actor=hana, content=item, action="approve"
        )
    with pytest.raises(ValidationError, match="Say why"):
        services.content_transition(
            scope=_scope(world, "ada"), actor=ada, content=item, action="reject"
        )
    item = services.content_transition(
        scope=_scope(world, "ada"), actor=ada, content=item, action="reject", comment="换一张图"
    )
    assert item.status == Status.REJECTED
    with pytest.raises(ValidationError, match="Rejected cannot be sent to Publish"):
        services.content_transition(
            scope=_scope(world, "ada"), actor=ada, content=item, action="publish"
        )
    services.content_update(scope=_scope(world, "hana"), content=item, fields={"title": "新标题"})
    for persona, action in (("hana", "submit"), ("ada", "approve"), ("ada", "publish")):
        user = world.staff[persona].user
        item = services.content_transition(
            scope=_scope(world, persona), actor=user, content=item, action=action
        )
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.content_update(scope=_scope(world, "hana"), content=item, fields={"title": "x"})
    trail = list(
        ContentTransition.objects.filter(content=item).values_list(
            "action", "to_status", "actor__username", "comment"
        )
    )
    assert trail == [
        ("submit", "in_review", "H001", ""), ("reject", "rejected", "A001", "换一张图"),
        ("submit", "in_review", "H001", ""), ("approve", "approved", "A001", ""),
        ("publish", "published", "A001", ""),
    ]  # fmt: skip


def test_only_live_items_in_region_reach_a_guide(world) -> None:
    gia, gus, otto = world.staff["gia"], world.staff["gus"], world.staff["otto"]
    north = publish(
        world, poster(world, targets=[{"level": "branch", "code": str(world.branches["north"].pk)}])
    )
    shenyang = publish(world, poster(world, targets=[{"level": "city", "code": "210100"}]))
    s2_only = publish(
        world, poster(world, targets=[{"level": "store", "code": str(world.stores["s2"].pk)}])
    )
    everywhere = publish(world, poster(world))
    later = publish(world, poster(world, publish_at=timezone.now() + dt.timedelta(days=1)))
    draft = poster(world)

    def seen(staff):
        return {c.pk for items in selectors.content_for_guide(staff=staff).values() for c in items}

    assert seen(gia) == {north.pk, shenyang.pk, everywhere.pk}
    assert seen(gus) == {north.pk, shenyang.pk, everywhere.pk, s2_only.pk}
    assert seen(otto) == {everywhere.pk}
    assert later.pk not in seen(gia) and draft.pk not in seen(gia)
    # Store managers and branches see what is published for them (scheduled items too, to
    # prepare); HQ sees the whole library
    sam_sees = set(selectors.content_list(scope=_scope(world, "sam")).values_list("pk", flat=True))
    assert sam_sees == seen(gia) | {later.pk}
    assert selectors.content_list(scope=_scope(world, "bo")).count() == 5
    assert selectors.content_list(scope=_scope(world, "hana")).count() == 6
    assert selectors.content_list(scope=_scope(world, "xena")).count() == 0
    # A guide cannot forward what does not reach them
    with pytest.raises(ValidationError):
        services.content_forward(staff=otto, content=north, channel="moments")
    # Expired items stop reaching guides and are marked expired by the periodic job
    services.content_transition(
        scope=_scope(world, "ada"),
        actor=world.staff["ada"].user,
        content=everywhere,
        action="withdraw",
    )
    assert everywhere.pk not in seen(gia)
    north.expires_at = timezone.now() - dt.timedelta(minutes=1)
    north.save()
    assert north.pk not in seen(gia)
    assert services.content_expire_due() == 1
    north.refresh_from_db()
    assert north.status == Status.EXPIRED


def test_forwarding_again_reuses_the_link(world) -> None:
    item = publish(world, poster(world))
    gia = world.staff["gia"]
    first, _ = services.content_forward(staff=gia, content=item, channel="moments")
    again, _ = services.content_forward(staff=gia, content=item, channel="moments")
    chat, _ = services.content_forward(staff=gia, content=item, channel="chat")
    assert first.pk == again.pk != chat.pk
    assert (first.staff, first.store, first.content) == (gia, world.stores["s1"], item)
    assert ShareLink.objects.count() == 2 and Forward.objects.filter(staff=gia).count() == 3


def test_the_mix_against_532_and_the_direct_sale_ceiling(world) -> None:
    gia, gus = world.staff["gia"], world.staff["gus"]
    items = {
        cat: publish(world, poster(world, category=cat))
        for cat in ("lifestyle", "brand", "transaction")
    }
    sale = publish(world, poster(world, category="transaction", product_codes=["SKU-1"]))
    # Gia: 5 lifestyle, 3 brand, 2 transaction (one a direct sale link): on target
    for cat, n in (("lifestyle", 5), ("brand", 3), ("transaction", 1)):
        for _ in range(n):
            services.content_forward(staff=gia, content=items[cat], channel="chat")
    services.content_forward(staff=gia, content=sale, channel="chat")
    # Gus: only sale links
    for _ in range(4):
        services.content_forward(staff=gus, content=sale, channel="moments")
    today = timezone.localdate()
    rows = {r.label: r for r in mix.content_mix(scope=_scope(world, "bo"), start=today, end=today)}
    assert rows["Gia"].forwards == 10 and rows["Gia"].shares["lifestyle"] == Decimal("0.5000")
    assert rows["Gia"].direct_sale_share == Decimal("0.1000") and not rows["Gia"].over_ceiling
    assert rows["Gia"].off_target == []
    assert rows["Gus"].direct_sale_share == Decimal("1.0000") and rows["Gus"].over_ceiling
    assert rows["Gus"].off_target == ["lifestyle", "brand", "transaction"]
    by_store = mix.content_mix(scope=_scope(world, "hana"), start=today, end=today, by="store")
    assert [(r.label, r.forwards) for r in by_store] == [("门店S1", 10), ("门店S2", 4)]
    # Sam sees his own store only; share rate: Gia and Gus of Alpine's 3 guides shared
    assert [
        r.label for r in mix.content_mix(scope=_scope(world, "sam"), start=today, end=today)
    ] == ["Gia"]
    rate = mix.share_rate(scope=_scope(world, "hana"), start=today, end=today)
    assert (rate.active_guides, rate.sharing_guides, rate.share_rate) == (3, 2, Decimal("0.6667"))
