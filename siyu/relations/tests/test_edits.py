"""Guides edit a friend's remark, description and tags; WeCom is updated first; scope holds."""

import json

from django.test import Client

from siyu.conftest import World


def test_guide_edits_remark_on_the_card_and_wecom_follows(related_world: World, fake_wecom) -> None:
    f1 = related_world.friendships["f1"]
    client = related_world.login(Client(), "gia")
    card = client.get(f"/console/customers/{f1.customer_id}/friendships/").content.decode()
    assert f'data-testid="friendship-{f1.pk}"' in card
    response = client.post(
        f"/console/friendships/{f1.pk}/",
        {"remark": "张姐 爱户外", "description": "M码"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'data-testid="saved"' in response.content.decode()
    follow = fake_wecom.follows[(f1.wecom_userid, f1.external_userid)]
    assert (follow["remark"], follow["description"]) == ("张姐 爱户外", "M码")
    f1.refresh_from_db()
    assert f1.remark == "张姐 爱户外"


def test_other_guides_cannot_edit(related_world: World) -> None:
    f1 = related_world.friendships["f1"]
    client = related_world.login(Client(), "gus")
    assert client.post(f"/console/friendships/{f1.pk}/", {"remark": "x"}).status_code == 404
    assert (
        client.patch(
            f"/api/v1/friendships/{f1.pk}",
            json.dumps({"remark": "x"}),
            content_type="application/json",
        ).status_code
        == 404
    )


def test_tags_through_the_api_and_wecom_errors_are_field_errors(
    related_world: World, fake_wecom
) -> None:
    f1 = related_world.friendships["f1"]
    group = {"group_id": "g1", "group_name": "场景", "tag": [{"id": "etOUTDOOR", "name": "户外"}]}
    fake_wecom.tag_groups.append(group)
    client = related_world.login(Client(), "gia")
    response = client.patch(
        f"/api/v1/friendships/{f1.pk}",
        json.dumps({"remark": "户外客", "add_tags": ["etOUTDOOR"]}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["tags"] == ["etOUTDOOR"]
    assert fake_wecom.follows[(f1.wecom_userid, f1.external_userid)]["tags"] == ["etOUTDOOR"]
    # A tag WeCom does not know: refused by WeCom, nothing changed in siyu
    response = client.patch(
        f"/api/v1/friendships/{f1.pk}",
        json.dumps({"remark": "改", "add_tags": ["etNOPE"]}),
        content_type="application/json",
    )
    assert response.status_code == 422 and "wecom" in response.json()["fields"]
    f1.refresh_from_db()
    assert (f1.remark, f1.tags) == ("户外客", ["etOUTDOOR"])


def test_guide_ticks_tags_on_the_card(related_world: World, fake_wecom) -> None:
    from django.core.cache import cache

    cache.clear()
    fake_wecom.tag_groups.append(
        {
            "group_id": "g1",
            "group_name": "场景",
            "tag": [{"id": "etBIZ", "name": "商务"}, {"id": "etOUT", "name": "户外"}],
        }
    )
    f1 = related_world.friendships["f1"]
    client = related_world.login(Client(), "gia")
    card = client.get(f"/console/customers/{f1.customer_id}/friendships/").content.decode()
    assert "户外" in card and 'value="etOUT"' in card
    client.post(f"/console/friendships/{f1.pk}/", {"remark": "r", "tags": ["etOUT", "etFORGED"]})
    assert fake_wecom.follows[(f1.wecom_userid, f1.external_userid)]["tags"] == [
        "etOUT"
    ]  # unknown ids ignored
    client.post(f"/console/friendships/{f1.pk}/", {"remark": "r", "tags": ["etBIZ"]})
    f1.refresh_from_db()
    assert f1.tags == ["etBIZ"] == fake_wecom.follows[(f1.wecom_userid, f1.external_userid)]["tags"]
