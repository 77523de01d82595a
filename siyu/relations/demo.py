"""Loading the local fake WeCom with what siyu's demo database holds, so both sides agree."""

from __future__ import annotations

import json
import time

from siyu.org.models import Staff, StaffStatus, Store
from siyu.relations.models import ChannelCode, Friendship, FriendshipStatus
from siyu.wecom import http


def _post(base: str, action: str, body: dict) -> dict:
    _status, raw = http.request(
        f"{base}/fake/{action}",
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        content_type="application/json",
        timeout=120,
    )
    return json.loads(raw)


def load_fake_wecom(base: str, *, wait: float = 20.0) -> dict:
    """Send members, contact ways and active friendships to the fake at `base` (waits for it)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            _post(base, "state", {})
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    members = [
        {"userid": u, "name": n, "status": 1 if s == StaffStatus.EMPLOYED else 5}
        for u, n, s in Staff.objects.exclude(wecom_userid=None).values_list(
            "wecom_userid", "name", "status"
        )
    ]
    members += [
        {"userid": u, "name": n}
        for u, n in Store.objects.exclude(wecom_userid="").values_list("wecom_userid", "name")
    ]
    _post(base, "members", {"members": members})
    ways = [
        {"config_id": c, "state": s, "user": [u]}
        for c, s, u in ChannelCode.objects.filter(active=True).values_list(
            "config_id", "state", "wecom_userid"
        )
    ]
    active = Friendship.objects.filter(status=FriendshipStatus.ACTIVE).select_related("customer")
    contacts, follows = {}, []
    for f in active.iterator(chunk_size=5000):
        contacts[f.external_userid] = {
            "external_userid": f.external_userid,
            "name": f.customer.name,
        }
        follows.append(
            {
                "userid": f.wecom_userid,
                "external_userid": f.external_userid,
                "state": f.state,
                "createtime": int(f.added_at.timestamp()),
                "remark": f.remark,
            }
        )
    return _post(
        base,
        "load",
        {"contacts": list(contacts.values()), "follows": follows, "contact_ways": ways},
    )
