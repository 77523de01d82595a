"""Importing stores and staff: row-level report, no half-written rows, safe to repeat."""

import io

import openpyxl
from django.test import Client

from siyu.conftest import World
from siyu.org.models import Staff, Store

STORES_CSV = """门店编码,门店名称,品牌,分公司,地址,省,市,区,营业开始,营业结束
N1,沈阳中街店,ALP,ALP-N,中街100号,辽宁,沈阳,沈河区,10:00,22:00
N2,大连店,Alpine,North,,辽宁省,大连市,,09:30,21:30
N3,坏城市店,ALP,ALP-N,,辽宁,火星市,,10:00,22:00
N4,错品牌店,ALP,BET-E,,上海,上海,,10:00,22:00
N5,坏时间店,ALP,ALP-N,,辽宁,沈阳,,25:99,22:00
"""


def _upload(client: Client, kind: str, name: str, content: bytes):
    return client.post(f"/api/v1/imports/{kind}", {"file": _named(content, name)})


def _named(content: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


def test_store_import_reports_bad_rows_and_imports_good_ones(world: World, client: Client) -> None:
    world.login(client, "hana")
    response = _upload(client, "stores", "stores.csv", STORES_CSV.encode())
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["updated"]) == (2, 0)
    errors = {e["row"]: e["fields"] for e in report["errors"]}
    assert set(errors) == {4, 5, 6}
    assert "city" in errors[4]
    assert "branch" in errors[5]
    assert "opens_at" in errors[6]
    # Good rows are in, with codes resolved and coordinates from the district; bad rows left nothing
    n1 = Store.objects.get(code="N1")
    assert (n1.province_code, n1.city_code, n1.district_code) == ("210000", "210100", "210103")
    assert n1.latitude is not None
    assert not Store.objects.filter(code__in=["N3", "N4", "N5"]).exists()


def test_importing_the_same_file_twice_creates_nothing_new(world: World, client: Client) -> None:
    world.login(client, "hana")
    _upload(client, "stores", "stores.csv", STORES_CSV.encode())
    count = Store.objects.count()
    report = _upload(client, "stores", "stores.csv", STORES_CSV.encode()).json()
    assert (report["created"], report["updated"]) == (0, 2)
    assert Store.objects.count() == count


def test_gbk_csv_is_read(world: World, client: Client) -> None:
    world.login(client, "hana")
    report = _upload(client, "stores", "stores.csv", STORES_CSV.encode("gbk")).json()
    assert report["created"] == 2


def test_staff_import_from_excel(world: World, client: Client) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "角色", "门店", "企微账号", "入职日期", "状态", "离职日期"])
    sheet.append(["G101", "王芳", "导购", "S1", "wx_g101", "2025-03-01", "在职", None])
    sheet.append(
        ["G102", "赵敏", "导购", "S9", "wx_g102", "2025-03-01", "在职", None]
    )  # no such store
    sheet.append(["G001", "Gia", "导购", "S2", "wx_gia", None, "在职", None])  # Gia moves to S2
    sheet.append(["G002", "Gus", "导购", "S2", "wx_gus", None, "离职", "2026-11-01"])  # Gus leaves
    sheet.append(["G103", "", "店长", "S1", None, None, None, None])  # no name
    buffer = io.BytesIO()
    book.save(buffer)
    world.login(client, "hana")
    report = _upload(client, "staff", "staff.xlsx", buffer.getvalue()).json()
    assert (report["created"], report["updated"]) == (1, 2)
    assert {e["row"]: sorted(e["fields"]) for e in report["errors"]} == {3: ["store"], 6: ["name"]}
    assert Staff.objects.get(employee_no="G101").store == world.stores["s1"]
    assert Staff.objects.get(employee_no="G001").store == world.stores["s2"]
    gus = Staff.objects.get(employee_no="G002")
    assert (gus.status, str(gus.left_on)) == ("resigned", "2026-11-01")
    assert not Staff.objects.filter(employee_no__in=["G102", "G103"]).exists()


def test_import_page_shows_the_report(world: World, client: Client) -> None:
    world.login(client, "hana")
    response = client.post(
        "/console/import/", {"kind": "stores", "file": _named(STORES_CSV.encode(), "s.csv")}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'data-testid="import-report"' in html and "火星市" not in html
    )  # row numbers and reasons, not data
    assert ">4<" in html and ">5<" in html and ">6<" in html


def test_import_refuses_other_files_and_roles(world: World, client: Client) -> None:
    world.login(client, "hana")
    response = _upload(client, "stores", "stores.txt", b"hello")
    assert response.status_code == 422 and "file" in response.json()["fields"]
    world.login(client, "sam")
    assert _upload(client, "stores", "stores.csv", STORES_CSV.encode()).status_code == 403
    assert not Store.objects.filter(code="N1").exists()
