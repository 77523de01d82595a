"""Storefront routing (share → home store → location → HQ) and what each storefront sells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from siyu.commerce import routing, selectors, services
from siyu.commerce.models import Assortment, StoreSku
from siyu.commerce.tests.factories import catalog, root
from siyu.content import services as content_services
from siyu.content.tests.factories import poster, publish
from siyu.org import services as org_services

SHENYANG = (41.80, 123.43)
GUANGZHOU = (23.13, 113.26)
SHANGHAI = (31.23, 121.47)


def _route(brand: str, **params: object) -> dict:
    return Client().get("/api/v1/commerce/route", {"brand": brand, **params}).json()


def test_one_plus_n_sends_a_shenyang_customer_to_the_store_of_the_branch_covering_shenyang(
    world,
) -> None:
    # Given Alpine routes by branch: North (Liaoning) is served by S2, the HQ store is S3
    scope, alpine = root(world), world.brands["alpine"]
    services.storefront_settings_set(
        scope=scope, brand=alpine, routing_mode="branch", hq_store=world.stores["s3"]
    )
    services.branch_storefront_set(
        scope=scope, branch=world.branches["north"], store=world.stores["s2"]
    )
    # Then a customer in Shenyang lands on S2, by location or by the city they name
    assert _route("ALP", lat=SHENYANG[0], lng=SHENYANG[1]) == {
        "store_id": world.stores["s2"].pk, "store_code": "S2", "store_name": "门店S2",
        "reason": "branch", "city_code": "210100",
    }  # fmt: skip
    assert _route("ALP", city="210200")["store_code"] == "S2"  # Dalian: same province
    # …one in Guangzhou (South has no storefront of its own) lands on the HQ store
    assert _route("ALP", lat=GUANGZHOU[0], lng=GUANGZHOU[1])["reason"] == "hq"
    # …and a shared link still wins over where the customer is
    link, _forward = content_services.content_forward(
        staff=world.staff["gia"], content=publish(world, poster(world)), channel="chat"
    )
    assert _route("ALP", share=link.code, lat=GUANGZHOU[0], lng=GUANGZHOU[1])["store_code"] == "S1"
    assert Client().get("/api/v1/commerce/route", {"brand": "NOPE"}).status_code == 404


def test_nearest_mode_picks_the_closest_open_store_and_skips_closed_ones(world) -> None:
    scope, alpine = root(world), world.brands["alpine"]
    shanghai, _created = org_services.store_upsert(
        scope=scope, code="S9", name="门店S9", brand=alpine, branch=world.branches["south"],
        province_code="310000", city_code="310100",
        latitude=Decimal(str(SHANGHAI[0])), longitude=Decimal(str(SHANGHAI[1])),
    )  # fmt: skip
    assert _route("ALP", lat=SHANGHAI[0], lng=SHANGHAI[1]) == {
        "store_id": shanghai.pk, "store_code": "S9", "store_name": "门店S9",
        "reason": "nearest", "city_code": "",
    }  # fmt: skip
    # Closed, it is passed over (routing rereads a brand's stores every minute)
    org_services.store_upsert(
        scope=scope, code="S9", name="门店S9", brand=alpine, branch=world.branches["south"],
        province_code="310000", city_code="310100", status="closed",
    )  # fmt: skip
    routing.caches_clear()
    assert _route("ALP", lat=SHANGHAI[0], lng=SHANGHAI[1])["store_code"] in {"S1", "S2", "S3"}
    # A customer's own store wins over location (resolved server-side, never from the query)
    route = selectors.storefront_for(
        brand=alpine, customer_id=world.customers["c3"].pk, latitude=SHANGHAI[0], longitude=SHANGHAI[1]
    )  # fmt: skip
    assert route is not None and (route.store_id, route.reason) == (world.stores["s2"].pk, "bound")


def test_a_storefront_sells_its_brand_and_its_regions_assortment(world) -> None:
    products = catalog(world)
    s1, s3 = world.stores["s1"], world.stores["s3"]
    # Snow boots: only in the North branch, from November on
    Assortment.objects.create(
        product=products["boots"], branch=world.branches["north"], starts_on=dt.date(2026, 11, 1)
    )
    in_november, in_october = dt.date(2026, 11, 20), dt.date(2026, 10, 20)
    shown = {p.style_no for p in selectors.storefront_products(store=s1, day=in_november)}
    assert shown == {"ALP-P1", "ALP-B1"}  # Beta's coat is not Alpine's
    assert {p.style_no for p in selectors.storefront_products(store=s1, day=in_october)} == {
        "ALP-P1"
    }
    assert {p.style_no for p in selectors.storefront_products(store=s3, day=in_november)} == {
        "ALP-P1"
    }
    # One size of the parka is not sold at S1: the other still is; the order is refused
    StoreSku.objects.create(store=s1, sku=products["parka"].skus.get(size="L"), sellable=False)
    (parka,) = [p for p in selectors.storefront_products(store=s1) if p.style_no == "ALP-P1"]
    assert [s.code for s in parka.sellable] == ["ALP-P1-BK-M"]
    with pytest.raises(ValidationError) as refused:
        services.order_create(store=s1, items=[("ALP-P1-BK-L", 1), ("BET-C1-M", 1)])
    assert set(refused.value.message_dict) == {"items.0.sku", "items.1.sku"}
