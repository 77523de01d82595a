"""The generated library and forwards obey the content hub's own rules (read back through its
selectors and services), so the demo shows what the product would really hold."""

from collections import Counter

from django.test import Client

from siyu.content import selectors, services
from siyu.content.models import Category, Content, Forward, ShareVisit, Status
from siyu.core.generator import DEMO_PASSWORD
from siyu.org.models import Staff
from siyu.org.scope import Capability, scope_for_user


def test_library_spans_kinds_states_and_regions(generated) -> None:
    items = Content.objects.all()
    assert items.count() >= 300  # a few hundred items over two brands
    assert {c.kind for c in items} == {
        "poster",
        "article",
        "product",
        "video",
        "moments",
        "miniprogram",
    }
    assert {c.status for c in items} == set(Status.values)
    assert items.filter(targeted=True).exists() and items.filter(targeted=False).exists()
    # Each item's history replays the workflow's own moves and ends in its current state
    for content in items.prefetch_related("transitions"):
        state = Status.DRAFT
        for move in content.transitions.all():
            assert move.from_status == state
            assert state in services.MOVES[move.action].sources
            state = services.MOVES[move.action].target
        assert state == content.status, content.pk
    # Every item that reached review is complete for its kind
    for content in items.exclude(status=Status.DRAFT):
        services.check_complete(content)


def test_forwards_are_of_items_live_and_aimed_at_the_guides_store(generated) -> None:
    forwards = list(Forward.objects.select_related("content", "store", "staff"))
    assert len(forwards) > 300
    for forward in forwards[:400]:
        assert forward.staff.store_id == forward.store_id
        reaches = Content.objects.filter(
            selectors.reach_q([selectors.place_of(forward.store)]), pk=forward.content_id
        )
        assert reaches.exists(), forward.pk
        content = forward.content
        assert content.publish_at <= forward.at
        assert content.brand_id == forward.store.brand_id
        assert (
            forward.link.content_id == forward.content_id
            and forward.link.staff_id == forward.staff_id
        )
    # The mix leans to 532 without being exact
    mix = Counter(f.category for f in forwards)
    assert mix[Category.LIFESTYLE] > mix[Category.BRAND] > mix[Category.TRANSACTION] > 0
    assert ShareVisit.objects.filter(link__forwards__isnull=False).exists()


def test_the_demo_reviewer_approves_and_the_guide_sees_todays_content(generated) -> None:
    reviewer = Staff.objects.get(employee_no="reviewer")
    hq = Staff.objects.get(employee_no="hq")
    assert reviewer.brand_id == hq.brand_id
    assert scope_for_user(reviewer.user).can(Capability.APPROVE_CONTENT)
    assert not scope_for_user(hq.user).can(Capability.APPROVE_CONTENT)
    client = Client()
    assert client.login(username="guide", password=DEMO_PASSWORD)
    html = client.get("/m/content/").content.decode()
    guide = Staff.objects.select_related("store").get(employee_no="guide")
    today = {c for items in selectors.content_for_guide(staff=guide).values() for c in items}
    assert len(today) >= 5
    assert all(c.brand_id == guide.brand_id and c.status == Status.PUBLISHED for c in today)
    for content in today:
        assert f"/m/content/{content.pk}/forward/" in html
