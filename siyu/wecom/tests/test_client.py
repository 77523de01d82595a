"""The WeCom client against the fake WeCom over real HTTP: tokens, retries, errors, cursors."""

import pytest

from siyu.wecom.client import WeComClient, WeComError
from siyu.wecom.models import AccessToken


@pytest.fixture
def client(db, fake_wecom) -> WeComClient:
    fake_wecom.members.update(
        {"g1": {"name": "导购一", "status": 1}, "g2": {"name": "导购二", "status": 1}}
    )
    return WeComClient(backoff=0.01)


def test_token_is_cached_and_refreshed_when_wecom_forgets_it(client, fake_wecom) -> None:
    client.add_contact_way(users=["g1"], state="badge:g1")
    first = AccessToken.objects.get().token
    client.add_contact_way(users=["g2"], state="badge:g2")
    assert AccessToken.objects.get().token == first  # cached, not fetched again
    fake_wecom.tokens.clear()  # WeCom invalidated it (40014)
    client.add_contact_way(users=["g1"], state="poster:1")
    assert AccessToken.objects.get().token != first
    assert len(fake_wecom.contact_ways) == 3


def test_rate_limit_is_retried_then_reported(client, fake_wecom) -> None:
    fake_wecom.faults.append(
        {"path": "externalcontact/add_contact_way", "errcode": 45009, "times": 2}
    )
    assert client.add_contact_way(users=["g1"], state="s1")["config_id"]
    fake_wecom.faults.append(
        {"path": "externalcontact/add_contact_way", "errcode": 45009, "times": 10}
    )
    with pytest.raises(WeComError) as exc:
        client.add_contact_way(users=["g1"], state="s2")
    assert exc.value.errcode == 45009


def test_errors_carry_their_errcode(client) -> None:
    with pytest.raises(WeComError) as exc:
        client.add_contact_way(users=["g1"], state="x" * 31)
    assert exc.value.errcode == 40058
    with pytest.raises(WeComError) as exc:
        client.get_external_contact("wmNOBODY")
    assert exc.value.errcode == 84061
    assert client.list_external_contacts("g2") == []  # 84061 there means "none"


def test_bad_secret_is_an_error(db, fake_wecom) -> None:
    with pytest.raises(WeComError) as exc:
        WeComClient(secret="wrong").add_contact_way(users=["g1"], state="s")
    assert exc.value.errcode == 40001


def test_batch_get_by_user_follows_the_cursor(client, fake_wecom) -> None:
    for i in range(250):
        fake_wecom.add_friend(
            userid="g1" if i % 5 else "g2", contact={"name": f"顾客{i}"}, state="badge:g1"
        )
    seen = [
        item["external_contact"]["external_userid"]
        for page, _cursor in client.iter_contacts_by_user(["g1", "g2"])
        for item in page
    ]
    assert len(seen) == len(set(seen)) == 250


def test_transfer_rules(client, fake_wecom) -> None:
    e = fake_wecom.add_friend(userid="g1", contact={"name": "张三"}, state="s")
    with pytest.raises(WeComError) as exc:
        client.transfer_customers(
            handover="g1", takeover="g1", external_userids=[e], resigned=False
        )
    assert exc.value.errcode == 40130
    with pytest.raises(WeComError) as exc:  # g1 has not left: a resigned transfer is refused
        client.transfer_customers(handover="g1", takeover="g2", external_userids=[e], resigned=True)
    assert exc.value.errcode == 40097
    assert client.transfer_customers(
        handover="g1", takeover="g2", external_userids=[e], resigned=False
    ) == [{"external_userid": e, "errcode": 0}]
    again = client.transfer_customers(
        handover="g1", takeover="g2", external_userids=[e], resigned=False
    )
    assert again[0]["errcode"] == 40129  # already in progress
    assert client.transfer_results(handover="g1", takeover="g2", resigned=False)[0]["status"] == 2


def test_tags_and_remarks(client, fake_wecom) -> None:
    e = fake_wecom.add_friend(userid="g1", contact={"name": "李四"}, state="s")
    group = client.add_corp_tag(group_name="场景", names=["商务", "户外"])
    outdoor = group["tag"][1]["id"]
    client.mark_tag(userid="g1", external_userid=e, add=[outdoor])
    client.remark(userid="g1", external_userid=e, remark="李四 户外", description="喜欢极寒系列")
    follow = client.get_external_contact(e)["follow_user"][0]
    tags = [(t["tag_id"], t["group_name"], t["tag_name"], t["type"]) for t in follow["tags"]]
    assert (tags, follow["remark"], follow["description"]) == (
        [(outdoor, "场景", "户外", 1)],
        "李四 户外",
        "喜欢极寒系列",
    )
