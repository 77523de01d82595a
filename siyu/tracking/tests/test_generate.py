"""Generated behaviour is what ingestion would have stored: rollups equal a recomputation from
the raw events, every attributed event matches its share visit's link, and the streams look
like people (short views mostly, a few carts and orders, evening peaks)."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.utils import timezone

from siyu.content.models import ShareLink, ShareVisit
from siyu.tracking import services
from siyu.tracking.models import CustomerActivity, Event, EventType


def test_generated_rollups_equal_the_recomputation_from_raw_events(generated) -> None:
    stored = services.rollups_stored()
    recomputed, _viewers = services.rollups_recompute()
    assert stored and stored == recomputed
    # …and each customer's activity summary is what their events say
    for activity in CustomerActivity.objects.order_by("?")[:25]:
        events = Event.objects.filter(customer_id=activity.customer_id)
        assert activity.events == events.count()
        assert activity.carts == events.filter(type=EventType.ADD_TO_CART).count()
        assert activity.last_seen_at == max(e.occurred_at for e in events)


def test_events_stand_behind_share_visits_and_look_like_people(generated) -> None:
    views = Event.objects.filter(type=EventType.CONTENT_VIEW)
    assert views.count() == ShareVisit.objects.count()  # one opening per visit
    links = {link.pk: link for link in ShareLink.objects.all()}
    for view in views.order_by("?")[:50]:
        link = links[view.link_id]
        assert (view.content_id, view.staff_id, view.store_id) == (
            link.content_id, link.staff_id, link.store_id,
        )  # fmt: skip
    kinds = Counter(Event.objects.values_list("type", flat=True))
    assert (
        kinds["view_end"] > kinds["product_view"] > kinds["add_to_cart"] > kinds["order_paid"] > 0
    )
    dwell = sorted(Event.objects.filter(type=EventType.VIEW_END).values_list("dwell_ms", flat=True))
    assert dwell[len(dwell) // 2] < 30_000 and dwell[-1] > 240_000  # mostly short, some deep
    organic = Counter(
        timezone.localtime(at).hour
        for at in Event.objects.filter(type=EventType.PAGE_VIEW).values_list(
            "occurred_at", flat=True
        )
    )
    assert sum(organic[h] for h in (20, 21)) > 3 * sum(organic[h] for h in (3, 4))  # evening peak
    end = dt.datetime(2026, 11, 20, 21, tzinfo=ZoneInfo("Asia/Shanghai"))  # the reference time
    assert not Event.objects.filter(occurred_at__gt=end).exists()
