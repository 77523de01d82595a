"""Console pages that change things: creating a channel code, handing customers over."""

from django.test import Client

from siyu.conftest import World
from siyu.relations.models import ChannelCode, Transfer, TransferStatus


def test_store_manager_creates_a_code_from_the_console(related_world: World, fake_wecom) -> None:
    client = related_world.login(Client(), "sam")
    before = ChannelCode.objects.count()
    response = client.post(
        "/console/channel-codes/",
        {
            "kind": "package",
            "store": related_world.stores["s1"].pk,
            "staff": related_world.staff["gia"].pk,
            "campaign": "双11",
        },
    )
    assert response.status_code == 302
    code = ChannelCode.objects.latest("id")
    assert (ChannelCode.objects.count(), code.kind, code.campaign) == (
        before + 1,
        "package",
        "双11",
    )
    assert code.config_id in fake_wecom.contact_ways
    badge = client.get(f"/console/channel-codes/{code.pk}/badge/").content.decode()
    assert "<svg" in badge and "Gia" in badge
    # A store outside Sam's scope is refused, and creates nothing
    client.post(
        "/console/channel-codes/", {"kind": "badge", "store": related_world.stores["s3"].pk}
    )
    assert ChannelCode.objects.count() == before + 1


def test_guides_cannot_create_codes_or_hand_over(related_world: World) -> None:
    client = related_world.login(Client(), "gia")
    assert (
        client.post(
            "/console/channel-codes/", {"kind": "badge", "store": related_world.stores["s1"].pk}
        ).status_code
        == 403
    )
    assert (
        client.post("/console/transfers/", {"handover": related_world.staff["gia"].pk}).status_code
        == 403
    )


def test_store_manager_points_the_hand_over_at_a_colleague(related_world: World) -> None:
    # Gia's friends were queued for the S1 account; Sam, the store manager, takes them himself
    client = related_world.login(Client(), "sam")
    response = client.post(
        "/console/transfers/",
        {"handover": related_world.staff["gia"].pk, "takeover": related_world.staff["sam"].pk},
    )
    assert response.status_code == 302
    queued = Transfer.objects.filter(status=TransferStatus.QUEUED)
    assert queued.count() == 2 and {t.takeover_staff_id for t in queued} == {
        related_world.staff["sam"].pk
    }
    page = client.get("/console/transfers/").content.decode()
    assert page.count("data-transfer=") == 2
