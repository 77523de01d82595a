"""POS orders from a file: grouped by POS number, attributed to the cashier, a bad row skips
its whole order with a reason per column, a file imported twice adds nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from siyu.commerce import pos_import
from siyu.commerce.models import CommissionEntry, Order, OrderLine
from siyu.commerce.tests.factories import catalog, plan, root
from siyu.conftest import PHONES

CSV = (
    "单号,门店编码,时间,收银员工号,会员手机,会员卡号,SKU,数量,实收金额\n"
    "A1,S1,2026-11-20 23:30,G001,{c3},,ALP-P1-BK-M,1,1199.00\n"
    "A1,S1,2026-11-20 23:30,G001,{c3},,ALP-B1-40,2,1000.00\n"
    "A2,S1,2026-11-20 14:00,,,,ALP-B1-40,1,599.00\n"
    "A3,S1,2026-11-20 15:00,G001,,,ALP-B1-40,1,-5\n"
    "A3,S1,2026-11-20 15:00,G001,,,ALP-P1-BK-M,1,1299.00\n"
    "A4,S2,2026-11-20 16:00,G001,,,ALP-B1-40,1,599.00\n"
    "A5,S9,2026-11-20 16:00,,,,ALP-B1-40,1,599.00\n"
    "A6,S1,yesterday,,,,NOPE,x,1\n"
    "A7,S1,2026-02-30 10:00,,,,ALP-B1-40,1,599.00\n"
).format(c3=PHONES["c3"])


def _upload(client: Client, name: str, data: bytes) -> dict:
    response = client.post(
        "/api/v1/commerce/pos-orders/import", {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("chunk", [None, 1], ids=["one transaction", "one order a transaction"])
def test_a_pos_file_imports_its_good_orders_once_and_reports_the_bad_rows(world, monkeypatch, chunk) -> None:  # fmt: skip
    if chunk is not None:  # the same outcome when the file is written over several chunks
        monkeypatch.setattr("siyu.commerce.pos_import.CHUNK_ORDERS", chunk)
    catalog(world)
    plan(world)
    bo = world.login(Client(), "bo")  # manages North: S1 and S2
    report = _upload(bo, "pos.csv", CSV.encode())
    assert (report["rows"], report["created"], report["duplicates"]) == (10 - 1, 2, 0)
    bad = {e["row"]: e["fields"] for e in report["errors"]}
    assert [e["row"] for e in report["errors"]] == [5, 7, 8, 9, 10]  # as the file has them
    assert set(bad[5]) == {"amount"}  # A3's first line: A3 skipped whole
    assert set(bad[7]) == {"cashier"}  # Gia works at S1, not S2
    assert set(bad[8]) == {"store"}  # S9: no such store
    assert set(bad[9]) == {"time", "quantity"}
    assert set(bad[10]) == {"time"}  # well formed, but there is no 30 February
    assert report["skipped"] == 5  # A3, A4, A5, A6, A7
    a1 = Order.objects.get(number__endswith="-A1")
    assert (a1.total_fen, a1.attribution_rule, a1.staff_id) == (
        219_900, "cashier", world.staff["gia"].pk,
    )  # fmt: skip
    assert a1.customer_id == world.customers["c3"].pk and a1.is_after_hours
    assert OrderLine.objects.filter(order=a1).count() == 2
    # after hours: parka 3 % + 2 = 5 % of 1,199.00; boots 4 % + 2 = 6 % of 1,000.00
    assert sorted(CommissionEntry.objects.filter(order=a1).values_list("amount_fen", flat=True)) == [
        5_995, 6_000,
    ]  # fmt: skip
    a2 = Order.objects.get(number__endswith="-A2")
    assert (a2.attribution_rule, a2.staff_id) == ("none", None)
    # The same file again adds nothing
    again = _upload(bo, "pos.csv", CSV.encode())
    assert (again["created"], again["duplicates"]) == (0, 2)
    assert Order.objects.count() == 2 and CommissionEntry.objects.count() == 2


def test_an_excel_file_reads_like_a_csv(world) -> None:
    catalog(world)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["pos_no", "store", "time", "cashier", "member_card", "sku", "quantity", "amount"])
    sheet.append(["X1", "S1", "2026-11-20T11:00:00+08:00", "G001", "", "ALP-B1-40", 1, 599])
    buffer = io.BytesIO()
    book.save(buffer)
    report = _upload(world.login(Client(), "ada"), "pos.xlsx", buffer.getvalue())
    assert (report["created"], report["errors"]) == (1, [])
    assert Order.objects.get().staff_id == world.staff["gia"].pk


def test_excel_cells_of_every_type_read_as_the_till_meant_them(world) -> None:
    catalog(world)
    plan(world)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单号", "门店编码", "时间", "收银员工号", "会员卡号", "SKU", "数量", "实收金额"])
    at = dt.datetime(2026, 11, 20, 23, 10)  # noqa: DTZ001 (Excel cells are naive: local time)
    sheet.append([1001, "S1", at, "G001", None, "ALP-B1-40", 2, 599.5])
    sheet.append([1001, "S1", at, "G001", None, "ALP-P1-BK-M", 1, 1199])
    sheet.append([1002, "S1", at, "G001", None, "ALP-B1-40", 1, 0.125])  # finer than fen
    buffer = io.BytesIO()
    book.save(buffer)
    report = _upload(world.login(Client(), "ada"), "pos.xlsx", buffer.getvalue())
    assert (report["created"], report["skipped"]) == (1, 1), report
    assert [(e["row"], set(e["fields"])) for e in report["errors"]] == [(4, {"amount"})]
    order = Order.objects.get(number__endswith="-1001")
    assert (order.total_fen, order.is_after_hours) == (59_950 + 119_900, True)
    assert order.placed_at == timezone.make_aware(at)


def test_uneven_rows_read_like_even_ones(world) -> None:
    """A row with a cell too many or too few (the file is then read row by row) and cells
    padded with spaces give the same orders and reasons as a tidy file."""
    catalog(world)
    rows = (
        "单号,门店编码,时间,收银员工号,会员手机,会员卡号,SKU,数量,实收金额\n"
        " B1 , S1 ,2026-11-20 14:00, G001 ,,,ALP-B1-40, 1 , 599.00 \n"
        "B1,S1,2026-11-20 14:00,G001,,,ALP-P1-BK-M,1,1299.00,extra\n"
        "B2,S1,2026-11-20 15:00,G001,,,ALP-B1-40,1,599.00\n"
        "B2,S1,2026-11-20 15:00,,,,ALP-B1-40,1,599.00\n"
        "B3,S1,2026-11-20 16:00,G001\n"
    )
    report = _upload(world.login(Client(), "ada"), "pos.csv", rows.encode())
    assert (report["rows"], report["created"], report["skipped"]) == (5, 1, 2), report
    assert {e["row"]: set(e["fields"]) for e in report["errors"]} == {
        5: {"pos_no"},  # B2's rows disagree on the cashier
        6: {"sku", "quantity", "amount"},
    }  # fmt: skip
    b1 = Order.objects.get(number__endswith="-B1")
    assert (b1.total_fen, b1.cashier_id) == (59_900 + 129_900, world.staff["gia"].pk)


def test_rows_handed_over_by_code_may_hold_any_value(world) -> None:
    """The service takes rows from code as well as from files: a cell that is a list is a bad
    cell like any other, reported by column."""
    catalog(world)
    row = {"pos_no": "C1", "store": "S1", "time": "2026-11-20 14:00", "sku": "ALP-B1-40"}
    report = pos_import.pos_import(scope=root(world), rows=[
        {**row, "quantity": "1", "amount": ["599.00"]},
        {**row, "pos_no": "C2", "quantity": 1, "amount": 599},
    ])  # fmt: skip
    assert (report.created, report.skipped) == (1, 1), report.as_dict()
    assert [(e["row"], set(e["fields"])) for e in report.errors] == [(2, {"amount"})]
    assert Order.objects.get().total_fen == 59_900


def test_guides_cannot_import(world) -> None:
    response = world.login(Client(), "gia").post(
        "/api/v1/commerce/pos-orders/import", {"file": SimpleUploadedFile("p.csv", CSV.encode())}
    )
    assert response.status_code == 403 and not Order.objects.exists()
