"""The content hub end to end in a real browser (headless Chromium via Playwright).

HQ's editor creates a poster (a bad upload is refused first), submits it; the reviewer
approves and publishes it for one branch; a guide of that branch forwards it and gets the
link and the poster with their QR code; a guide of another branch never sees it; a customer
opens the link and the visit is recorded with the guide's attribution.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from siyu.content.models import Content, Forward, ShareLink, ShareVisit, Status
from siyu.core.testing.browser import Browsing, login, shot
from siyu.org.models import Role, Staff, StaffStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "冬日暖阳：羽绒服叠穿指南"


def _image(path: Path, size: tuple[int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 30, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _as(browser: Browsing, base: str, username: str, password: str | None = None) -> Page:
    """A fresh browser session logged in as `username` (a person each, as in real life)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if password:
        login(page, base, username, password)
    else:
        login(page, base, username)
    return page


def test_editor_to_guide_to_customer(demo: str, browser: Browsing, tmp_path: Path) -> None:
    guide = Staff.objects.select_related("store", "branch").get(employee_no="guide")
    outsider = (
        Staff.objects.filter(role=Role.GUIDE, status=StaffStatus.EMPLOYED, brand=guide.brand)
        .exclude(branch=guide.branch)
        .select_related("user")
        .first()
    )
    assert outsider is not None, "the demo must have a guide in another branch of the brand"
    outsider.user.set_password("outsider-pass-2026")
    outsider.user.save()

    # The editor: a too-small image is refused with the reason and nothing is saved
    editor = _as(browser, demo, "hq")
    editor.goto(f"{demo}/console/content/new/")
    editor.select_option("[data-testid=kind]", "poster")
    editor.fill("input[name=title]", TITLE)
    editor.fill("textarea[name=share_copy]", "降温了，给你挑了几套搭配")
    editor.set_input_files("[data-testid=image]", _image(tmp_path / "small.png", (120, 120)))
    editor.check("input[name=category][value=lifestyle]")
    editor.check("input[name=scenarios][value=moments]")
    editor.select_option("[data-testid=target-branch]", str(guide.branch_id))
    editor.click("[data-testid=save]")
    expect(editor.locator(".flash.error")).to_contain_text("120×120")
    assert not Content.objects.filter(title=TITLE).exists()

    # …the form keeps what was typed; with a real image the poster is saved as a draft
    expect(editor.locator("input[name=title]")).to_have_value(TITLE)
    expect(editor.locator("[data-testid=kind]")).to_have_value("poster")
    expect(editor.locator("[data-testid=target-branch]")).to_have_value(str(guide.branch_id))
    editor.set_input_files("[data-testid=image]", _image(tmp_path / "poster.png", (750, 1000)))
    editor.click("[data-testid=save]")
    expect(editor.get_by_test_id("status")).to_have_text("草稿")
    content = Content.objects.get(title=TITLE)
    assert (content.share_copy, content.category, content.scenarios) == (
        "降温了，给你挑了几套搭配",
        "lifestyle",
        ["moments"],
    )
    expect(editor.get_by_test_id("do-approve")).to_have_count(0)  # editors do not approve
    editor.click("[data-testid=do-submit]")
    expect(editor.get_by_test_id("status")).to_have_text("审核中")
    shot(editor, "content-submitted")

    # The reviewer approves and publishes it
    reviewer = _as(browser, demo, "reviewer")
    reviewer.goto(f"{demo}/console/content/review/")
    reviewer.get_by_role("link", name=TITLE).click()
    reviewer.click("[data-testid=do-approve]")
    expect(reviewer.get_by_test_id("status")).to_have_text("已通过")
    reviewer.click("[data-testid=do-publish]")
    expect(reviewer.get_by_test_id("status")).to_have_text("已发布")
    expect(reviewer.get_by_test_id("transitions").locator("tr")).to_have_count(3)
    content.refresh_from_db()
    assert content.status == Status.PUBLISHED
    assert [t.action for t in content.transitions.all()] == ["submit", "approve", "publish"]

    # The guide of that branch sees it and forwards it to moments
    mobile = _as(browser, demo, "guide")
    mobile.goto(f"{demo}/m/content/")
    expect(mobile.get_by_test_id(f"content-{content.pk}").first).to_be_visible()
    mobile.get_by_test_id(f"forward-{content.pk}-moments").click()
    share_url = mobile.get_by_test_id("share-url").inner_text()
    expect(mobile.get_by_test_id("poster")).to_be_visible()
    # The poster really rendered (QR band and all) and the browser could load it
    mobile.wait_for_function("() => document.querySelector('[data-testid=poster]').complete")
    width = mobile.evaluate("() => document.querySelector('[data-testid=poster]').naturalWidth")
    assert width == 750
    shot(mobile, "content-forwarded")
    link = ShareLink.objects.get(content=content, staff=guide)
    assert share_url.endswith(f"/s/{link.code}")
    assert Forward.objects.filter(link=link, staff=guide, store=guide.store).count() == 1

    # A guide in another branch of the same brand does not see it
    elsewhere = _as(browser, demo, outsider.employee_no, "outsider-pass-2026")
    elsewhere.goto(f"{demo}/m/content/")
    expect(elsewhere.locator("h1")).to_be_visible()
    expect(elsewhere.get_by_test_id(f"content-{content.pk}")).to_have_count(0)

    # A customer opens the link: the item, the guide and store, and the visit is recorded
    customer = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    landing = customer.new_page()
    landing.goto(f"{demo}/s/{link.code}")
    expect(landing.get_by_test_id("landing-body")).to_contain_text(TITLE)
    expect(landing.get_by_test_id("guide")).to_contain_text(guide.name)
    expect(landing.get_by_test_id("guide")).to_contain_text(guide.store.name)
    shot(landing, "content-landing")
    visit = ShareVisit.objects.get(link=link)
    assert (visit.content_id, visit.staff_id, visit.store_id, visit.live) == (
        content.pk,
        guide.pk,
        guide.store_id,
        True,
    )
    assert visit.device_id

    # The item's page counts the forward and the visit
    reviewer.reload()
    expect(reviewer.get_by_test_id("stats")).to_contain_text("1")
    stats = reviewer.get_by_test_id("stats").inner_text()
    assert "PV 1" in stats and "UV 1" in stats
