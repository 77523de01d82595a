"""The content hub through its pages, its API and its public landing pages."""

import io

from django.contrib.auth.models import Permission
from django.test import Client
from PIL import Image

from siyu.content.models import Content, Forward, MomentSender, ShareVisit, Status
from siyu.content.tests.factories import image_upload, poster, publish


def _client(world, persona):
    return world.login(Client(), persona)


def test_editor_approver_guide_and_customer_through_the_pages(world, settings) -> None:
    settings.WECHAT_OAUTH = "off"
    hana, ada, gia = _client(world, "hana"), _client(world, "ada"), _client(world, "gia")
    north = world.branches["north"]
    # Hana creates a poster for branch North; a bad image is refused with its reason
    form = {
        "brand": world.brands["alpine"].pk, "kind": "poster", "title": "冬季新品", "share_copy": "暖",
        "category": "brand", "scenarios": ["moments"], "target_branch": [north.pk],
    }  # fmt: skip
    refused = hana.post(
        "/console/content/new/", {**form, "image": image_upload(50, 50)}, follow=True
    )
    assert "200–8,000" in refused.content.decode() and Content.objects.count() == 0
    created = hana.post("/console/content/new/", {**form, "image": image_upload()})
    item = Content.objects.get()
    assert created.url == f"/console/content/{item.pk}/"
    assert list(item.targets.values_list("level", "code")) == [("branch", str(north.pk))]
    hana.post(created.url, {"action": "submit"})
    assert b"do-approve" not in hana.get(created.url).content  # editors do not approve
    assert str(item.pk) in ada.get("/console/content/review/").content.decode()
    ada.post(created.url, {"action": "approve"})
    ada.post(created.url, {"action": "publish"})
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED

    # Gia (North) sees it and forwards it; Otto (South) does not see it
    assert f"content-{item.pk}" in gia.get("/m/content/").content.decode()
    assert f"content-{item.pk}" not in _client(world, "otto").get("/m/content/").content.decode()
    handed = gia.post(f"/m/content/{item.pk}/forward/", {"channel": "moments"}).content.decode()
    link = Forward.objects.get().link
    assert f"/s/{link.code}" in handed and "poster.png" in handed
    png = Client().get(f"/s/{link.code}/poster.png")
    with Image.open(io.BytesIO(b"".join(png.streaming_content))) as picture:
        assert picture.width == 750 and picture.height > 800  # the art plus the QR band

    # A customer opens the link: the guide and store show, the visit counts; twice, one visitor
    customer = Client()
    page = customer.get(f"/s/{link.code}").content.decode()
    assert "Gia" in page and "门店S1" in page
    customer.get(f"/s/{link.code}")
    assert ShareVisit.objects.filter(staff=world.staff["gia"], live=True).count() == 2
    stats = hana.get(created.url).content.decode()
    assert "PV 2 · UV 1" in stats and "转发 1" in stats

    # Withdrawn: a polite page, and the visit still counts
    ada.post(created.url, {"action": "withdraw"})
    assert 'data-testid="gone"' in Client().get(f"/s/{link.code}").content.decode()
    assert ShareVisit.objects.filter(live=False).count() == 1
    assert Client().get("/s/nosuchcode").status_code == 404


def test_wechat_oauth_stand_in_identifies_the_visitor(world, settings) -> None:
    settings.WECHAT_OAUTH = "dev"
    item = publish(world, poster(world))
    from siyu.content import services

    link, _ = services.content_forward(staff=world.staff["gia"], content=item, channel="chat")
    visitor = Client()
    first = visitor.get(f"/s/{link.code}", follow=True)
    assert first.status_code == 200 and len(first.redirect_chain) == 2  # authorize and back
    visit = ShareVisit.objects.get()
    assert visit.openid.startswith("dev-") and visit.unionid.startswith("udev-")
    visitor.get(f"/s/{link.code}")  # identified once: no second round trip
    assert ShareVisit.objects.filter(openid=visit.openid).count() == 2


def test_api_create_upload_review_forward_and_mix(world) -> None:
    hana, ada, gia = _client(world, "hana"), _client(world, "ada"), _client(world, "gia")
    body = {"brand_id": world.brands["alpine"].pk, "kind": "poster", "title": "春季", "category": "lifestyle",
            "scenarios": ["chat"], "targets": [{"level": "city", "code": "210100"}]}  # fmt: skip
    bad = hana.post(
        "/api/v1/content",
        {**body, "category": "", "scenarios": []},
        content_type="application/json",
    )
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"category", "scenarios"}
    assert (
        ada.post(
            "/api/v1/content",
            {**body, "brand_id": world.brands["beta"].pk},
            content_type="application/json",
        ).status_code
        == 201
    )
    assert gia.post("/api/v1/content", body, content_type="application/json").status_code == 403
    created = hana.post("/api/v1/content", body, content_type="application/json").json()
    url = f"/api/v1/content/{created['id']}"
    incomplete = hana.post(
        f"{url}/transitions", {"action": "submit"}, content_type="application/json"
    )
    assert incomplete.status_code == 422 and "image" in incomplete.json()["fields"]
    uploaded = hana.post(f"{url}/files", {"image": image_upload()})
    assert uploaded.status_code == 200 and uploaded.json()["image_url"]
    for who, action in ((hana, "submit"), (ada, "approve"), (ada, "publish")):
        answer = who.post(f"{url}/transitions", {"action": action}, content_type="application/json")
        assert answer.status_code == 200, answer.json()
    wrong = ada.post(f"{url}/transitions", {"action": "approve"}, content_type="application/json")
    assert wrong.status_code == 422 and "不能执行“通过”" in wrong.json()["fields"]["action"]
    assert [t["action"] for t in hana.get(f"{url}/transitions").json()] == [
        "submit",
        "approve",
        "publish",
    ]
    assert [c["id"] for c in gia.get("/api/v1/content/today").json()["chat"]] == [created["id"]]
    forwarded = gia.post(
        f"{url}/forward", {"channel": "chat"}, content_type="application/json"
    ).json()
    again = gia.post(f"{url}/forward", {"channel": "chat"}, content_type="application/json").json()
    assert forwarded["code"] == again["code"] and forwarded["poster_url"].endswith("poster.png")
    assert _client(world, "otto").get(url).status_code == 404  # South: not aimed at them
    mix = hana.get("/api/v1/content/mix?by=guide").json()
    assert mix["rows"][0]["shares"]["lifestyle"] == "1.0000" and mix["sharing_guides"] == 1
    assert hana.get("/api/v1/content?q=春").json()["results"][0]["id"] == created["id"]
    assert hana.get("/api/v1/content?q=夏").json()["results"] == []


def test_moments_task_through_the_fake_wecom(world, fake_wecom) -> None:
    fake_wecom.members.update(
        {s.wecom_userid: {"name": s.name, "status": 1} for s in world.staff.values()}
    )
    item = publish(
        world, poster(world, targets=[{"level": "branch", "code": str(world.branches["north"].pk)}])
    )
    ada = _client(world, "ada")
    user = world.staff["hana"].user
    user.user_permissions.add(Permission.objects.get(codename="approve_content"))
    task = (
        _client(world, "hana")
        .post("/api/v1/moment-tasks", {"content_id": item.pk}, content_type="application/json")
        .json()
    )
    senders = {s["staff_id"] for s in task["senders"]}
    assert senders == {
        world.staff[p].pk for p in ("sam", "gia", "gus")
    }  # North's guides and manager
    assert set(fake_wecom.moment_tasks[task["jobid"]]["senders"]) == {"wx_sam", "wx_gia", "wx_gus"}
    assert task["moment_id"] == ""  # WeCom has not created it yet
    from siyu.content import services
    from siyu.relations.tests.test_end_to_end import fake

    fake(fake_wecom, "moment-post", jobid=task["jobid"], userid="wx_gia")
    assert services.moment_tasks_poll() == 1
    posted = set(MomentSender.objects.filter(posted=True).values_list("staff__name", flat=True))
    assert posted == {"Gia"}
    page = ada.get("/console/moment-tasks/").content.decode()
    assert "Gia: 已发布" in page and "Gus: 未发布" in page
