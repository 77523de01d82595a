"""The mobile BI figures as JSON (the same selector as the page)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from siyu.api.refs import scope_of
from siyu.dashboards import selectors

router = Router(tags=["dashboards"])


class BiRowOut(Schema):
    key: int
    label: str
    rank: int
    online_rank: int
    sales_fen: int
    online_fen: int
    active_guides: int
    sharing_guides: int
    share_rate: Decimal | None
    forwards: int
    pv: int
    uv: int
    assignments: int
    done: int
    completion: Decimal | None


class BiOut(Schema):
    day: dt.date
    stores: list[BiRowOut]
    guides: list[BiRowOut]


@router.get("/bi", response=BiOut)
def daily_bi(request: HttpRequest, day: dt.date | None = None):
    """A day's store ranking (default yesterday), share rates and task completion in scope."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    return selectors.daily_bi(scope=scope_of(request), day=day)
