"""Sales KPIs as product.md defines them, on a day with known orders (the related world's
POS orders of 2026-11-20 plus three mall orders), for HQ and per persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client

from siyu.commerce import services
from siyu.commerce.tests.factories import BOOTS_FEN, PARKA_FEN, local, notice, root
from siyu.content import services as content_services
from siyu.members.models import Membership
from siyu.relations.models import Friendship

DAY = dt.date(2026, 11, 20)


def _paid(order, at) -> None:
    body, headers = notice(order.number, order.total_fen, at)
    services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)


def test_sales_kpis_of_a_day_by_store(related_world) -> None:
    w = related_world
    # Given c1 and c2 have been members since January, and three mall orders at S1 that day
    Membership.objects.filter(customer__in=[w.customers["c1"], w.customers["c2"]]).update(
        joined_at=local(dt.date(2026, 1, 1), 12)
    )
    Friendship.objects.update(added_at=local(dt.date(2026, 10, 1), 12))  # friends since October
    link, _forward = content_services.content_forward(
        staff=w.staff["gia"], content=w.contents["north"], channel="moments"
    )
    s1 = w.stores["s1"]
    night = services.order_create(
        store=s1, items=[("ALP-P1-BK-M", 1)], customer_id=w.customers["c2"].pk,
        share_code=link.code, landed_at=local(DAY, 22, 50), placed_at=local(DAY, 23, 10),
    )  # fmt: skip
    _paid(night, local(DAY, 23, 12))
    day = services.order_create(
        store=s1,
        items=[("ALP-B1-40", 1)],
        customer_id=w.customers["c1"].pk,
        placed_at=local(DAY, 15),
    )
    _paid(day, local(DAY, 15, 2))
    away = services.order_create(  # c4 lives in Guangzhou (S3): a cross-city sale
        store=s1,
        items=[("ALP-B1-40", 1)],
        customer_id=w.customers["c4"].pk,
        placed_at=local(DAY, 14),
    )
    _paid(away, local(DAY, 14, 5))
    # …and c1 also buys at S2's till, where they are nobody's WeCom friend
    services.pos_order_record(
        scope=root(w), store=w.stores["s2"], number="S2-9", placed_at=local(DAY, 16),
        items=[("ALP-B1-40", 1, 50_000)], customer_id=w.customers["c1"].pk,
    )  # fmt: skip
    # When HQ reads the day's KPIs by store
    ada = w.login(Client(), "ada")
    rows = {r["label"]: r for r in ada.get("/api/v1/commerce/kpis", {"start": DAY, "end": DAY, "by": "store"}).json()}  # fmt: skip
    online = PARKA_FEN + 2 * BOOTS_FEN
    s1_row = rows["门店S1"]
    assert (s1_row["online_fen"], s1_row["pos_fen"], s1_row["orders"]) == (online, 100_000, 5)
    assert Decimal(s1_row["after_hours_share"]) == Decimal(PARKA_FEN / online).quantize(
        Decimal("0.0001")
    )
    assert Decimal(s1_row["moments_share"]) == Decimal(s1_row["after_hours_share"])
    assert Decimal(s1_row["cross_city_share"]) == Decimal(BOOTS_FEN / online).quantize(
        Decimal("0.0001")
    )
    members = PARKA_FEN + BOOTS_FEN  # c2's night order and c1's day order
    assert Decimal(s1_row["member_share"]) == Decimal(members / (online + 100_000)).quantize(
        Decimal("0.0001")
    )
    # POS buyers who are friends of the store: S1's c1 and c2 are; at S2, c3 is and c1 is not
    assert (s1_row["pos_buyer_friends"], s1_row["pos_buyers"]) == (2, 2)
    s2_row = rows["门店S2"]
    assert (s2_row["pos_buyer_friends"], s2_row["pos_buyers"], s2_row["friend_conversion"]) == (
        1,
        2,
        "0.5000",
    )
    # The page shows the same table
    html = ada.get("/console/sales/", {"start": DAY, "end": DAY, "by": "store"}).content.decode()
    s2 = html[html.index("<td>门店S2</td>") :]
    assert 'data-testid="friend-conversion">50%<' in s2[: s2.index("</tr>")]


def test_a_guide_reads_only_their_own_sales(related_world) -> None:
    gia = related_world.login(Client(), "gia")
    rows = gia.get("/api/v1/commerce/kpis", {"start": DAY, "end": DAY, "by": "guide"}).json()
    assert [r["label"] for r in rows] == ["Gia"]  # o1, which she rang up
    by_store = gia.get("/api/v1/commerce/kpis", {"start": DAY, "end": DAY, "by": "store"}).json()
    assert [(r["label"], r["orders"]) for r in by_store] == [("门店S1", 1)]


def test_the_months_statement_as_a_page_and_an_excel_file(related_world) -> None:
    import io

    import openpyxl

    sam = related_world.login(Client(), "sam")  # S1: o1 (Gia, ¥500) and o2 (no guide)
    page = sam.get("/console/statements/", {"month": "2026-11", "by": "guide"}).content.decode()
    assert "<td>Gia</td>" in page and "<td>Gus</td>" not in page
    sheet = sam.get("/console/statements/", {"month": "2026-11", "by": "store", "format": "xlsx"})
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "门店" and [r[:5] for r in rows[1:]] == [("门店S1", 2, 0, 1000, 1000)]
