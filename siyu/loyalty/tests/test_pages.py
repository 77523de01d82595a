"""Loyalty pages: HQ's programme page, the member card on the guide's workbench (serving a
benefit from it), the member-code lookup, the member's own card."""

from __future__ import annotations

from typing import Any

from django.test import Client

from siyu.conftest import World
from siyu.loyalty import member_code, views
from siyu.loyalty.models import BenefitUse


def test_hq_sees_the_programme_and_its_figures(related_world: World, django_assert_max_num_queries: Any) -> None:  # fmt: skip
    hana = related_world.login(Client(), "hana")
    with django_assert_max_num_queries(40):  # constant: never one query per member or coupon
        page = hana.get("/console/loyalty/").content.decode()
    assert "Alpine 会员" in page and "Beta 会员" not in page  # Hana is Alpine's
    assert 'data-testid="members">4<' in page  # c1–c4, Alpine's customers


def test_guide_serves_a_benefit_from_the_member_card(related_world: World) -> None:
    world = related_world
    gia = world.login(Client(), "gia")
    c1 = world.customers["c1"]
    card = gia.get(f"/m/customers/{c1.pk}/loyalty/").content.decode()
    assert "普卡" in card and 'data-testid="use-laundry"' not in card  # gold only
    # Gus cannot open Gia's customer's member card
    gus = world.login(Client(), "gus")
    assert "普卡" not in gus.get(f"/m/customers/{c1.pk}/loyalty/").content.decode()
    # The birthday gift is offered only in the birthday month; serving it records who and where
    account = world.accounts["c1"]  # type: ignore[attr-defined]
    from django.utils import timezone

    c1.birthday = timezone.localdate().replace(year=1990, day=1)
    c1.save()
    card = gia.get(f"/m/customers/{c1.pk}/loyalty/").content.decode()
    assert 'data-testid="use-birthday"' in card
    benefit = account.programme.benefits.get(code="birthday")
    gia.post(f"/m/customers/{c1.pk}/loyalty/", {"account": account.pk, "benefit": benefit.pk}, HTTP_HX_REQUEST="true")  # fmt: skip
    use = BenefitUse.objects.get(account=account)
    assert (use.staff, use.store, use.channel) == (world.staff["gia"], world.stores["s1"], "store")


def test_member_code_lookup_and_the_members_own_card(related_world: World) -> None:
    world = related_world
    c1 = world.customers["c1"]
    gia = world.login(Client(), "gia")
    code = member_code.member_code(customer_id=c1.pk)
    found = gia.get(f"/m/member-code/?code={code}")
    assert found.status_code == 302 and found["Location"] == f"/m/customers/{c1.pk}/"
    assert gia.get("/m/member-code/?code=M1-1-abc").status_code == 404
    mine = Client().get(f"/h5/card/{views.card_token(c1.pk)}/")
    page = mine.content.decode()
    assert mine.status_code == 200 and "普卡" in page and "<svg" in page
    assert "新客首单立减 50" in page  # the first-order coupon
    assert Client().get("/h5/card/forged-token/").status_code == 404


def test_hq_changes_settings_and_a_bad_value_changes_nothing(related_world: World) -> None:
    from siyu.loyalty.models import Programme

    programme = Programme.objects.get(name="Alpine 会员")
    hana = related_world.login(Client(), "hana")
    form = {"programme": programme.pk, "name": "Alpine 会员", "points_per_yuan": "2", "join_bonus": "200", "birthday_multiplier": "2", "grace_days": "30"}  # fmt: skip
    hana.post("/console/loyalty/", form)
    programme.refresh_from_db()
    assert (programme.points_per_yuan, programme.join_bonus) == (2, 200)
    hana.post("/console/loyalty/", {**form, "points_per_yuan": "500"})
    programme.refresh_from_db()
    assert programme.points_per_yuan == 2
    # A guide may not change them
    gia = related_world.login(Client(), "gia")
    assert gia.post("/console/loyalty/", {**form, "join_bonus": "9"}).status_code == 403
