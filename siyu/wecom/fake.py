"""A local, faithful fake of WeCom for dev, demo and tests: `siyu fake-wecom --port 8100`.

It speaks the server API that siyu's client uses (same paths, JSON shapes and errcodes as
../shared/wecom.md §3), holds the corp's members, customers, friendships, contact ways,
tags and transfers in memory, and sends encrypted callbacks to siyu exactly as WeCom
does. Nothing in it imports siyu's models: it is the far side of the wire.

A control API under /fake/ scripts the world: customers scanning a contact way, deleting
or blocking a member, accepting or refusing a transfer, resending a callback, injecting
errors (e.g. 45009 rate limits). A tiny page at /connect/oauth2/authorize stands in for
WeCom's in-app login.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import waitress

from siyu.wecom import http
from siyu.wecom.crypto import CallbackCrypto

Json = dict[str, Any]
PAGE = 100


def ok(**fields: Any) -> Json:
    return {"errcode": 0, "errmsg": "ok", **fields}


def err(code: int, message: str) -> Json:
    return {"errcode": code, "errmsg": message}


class _Follows(dict):
    """The (member, customer) → follow map, with a version that moves on every change, so
    paginated listings can be cached between changes (WeCom serves pages fast; a fake that
    re-sorted every friendship for every page would be the bottleneck of any benchmark), and
    an index of each customer's members, so `externalcontact/get` does not walk every follow."""

    version = 0

    def __init__(self) -> None:
        super().__init__()
        self.members_of: dict[str, set[str]] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self.version += 1
        self.members_of.setdefault(key[1], set()).add(key[0])
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.pop(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.version += 1
        self.members_of.get(key[1], set()).discard(key[0])
        return super().pop(key, *default)

    def clear(self) -> None:
        self.version += 1
        self.members_of.clear()
        super().clear()


@dataclass
class FakeCorp:
    """The state of one corp, and the WeCom behaviour over it."""

    corp_id: str
    secret: str
    crypto: CallbackCrypto
    app_secret: str = ""  # siyu's own application (message/send takes only its tokens)
    agent_id: str = "1000002"
    callback_url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    tokens: dict[str, float] = field(default_factory=dict)
    members: dict[str, Json] = field(default_factory=dict)
    contacts: dict[str, Json] = field(default_factory=dict)
    follows: dict[tuple[str, str], Json] = field(default_factory=_Follows)
    listings: dict[tuple[str, ...], tuple[int, list[tuple[str, str]]]] = field(default_factory=dict)
    contact_ways: dict[str, Json] = field(default_factory=dict)
    tag_groups: list[Json] = field(default_factory=list)
    transfers: list[Json] = field(default_factory=list)
    moment_tasks: dict[str, Json] = field(default_factory=dict)
    oauth_codes: dict[str, str] = field(default_factory=dict)
    app_tokens: set[str] = field(default_factory=set)
    app_messages: list[Json] = field(default_factory=list)  # delivered: touser, content, at
    sent: list[Json] = field(default_factory=list)  # every callback: plaintext and siyu's answer
    faults: list[Json] = field(
        default_factory=list
    )  # injected errors: {"path", "errcode", "times"}

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids):08d}"  # type: ignore[call-overload]

    # -- callbacks ---------------------------------------------------------------------------
    def send_callback(self, fields: Json) -> Json:
        """POST one encrypted callback to siyu; returns the record kept in `sent`."""
        inner = "".join(
            f"<{k}><![CDATA[{v}]]></{k}>" if isinstance(v, str) else f"<{k}>{v}</{k}>"
            for k, v in fields.items()
        )
        plaintext = (
            f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType>{inner}</xml>"
        )
        return self._deliver(plaintext)

    def _deliver(self, plaintext: str) -> Json:
        record: Json = {"plaintext": plaintext, "status": None}
        self.sent.append(record)
        if not self.callback_url:
            return record
        timestamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))  # noqa: S311
        body, signature = self.crypto.encrypt_message(plaintext, nonce, timestamp)
        query = urllib.parse.urlencode(
            {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
        )
        url = f"{self.callback_url}?{query}"
        try:
            record["status"], _body = http.request(
                url, data=body.encode(), method="POST", timeout=30, content_type="text/xml"
            )
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except OSError as exc:
            record["status"] = f"unreachable: {exc}"
        return record

    def resend(self, index: int) -> Json:
        """Deliver an earlier callback again, as WeCom does when an answer times out."""
        return self._deliver(self.sent[index]["plaintext"])

    # -- the API -------------------------------------------------------------------------------
    def handle(self, path: str, query: Json, body: Json) -> Json:
        with self.lock:
            if path == "gettoken":
                secret = query.get("corpsecret")
                app = bool(self.app_secret) and secret == self.app_secret
                if query.get("corpid") != self.corp_id or (secret != self.secret and not app):
                    return err(40001, "invalid credential")
                token = hashlib.sha256(
                    f"{self.corp_id}{time.time()}{random.random()}".encode()
                ).hexdigest()  # noqa: S311
                self.tokens[token] = time.time() + 7200
                if app:
                    self.app_tokens.add(token)
                return ok(access_token=token, expires_in=7200)
            token = query.get("access_token", "")
            if token not in self.tokens:
                return err(40014, "invalid access_token")
            if self.tokens[token] < time.time():
                return err(42001, "access_token expired")
            for fault in self.faults:
                if fault["path"] != path or fault["times"] <= 0:
                    continue
                if fault.get("after", 0) > 0:  # let this many calls through first
                    fault["after"] -= 1
                    continue
                fault["times"] -= 1
                return err(fault["errcode"], "injected")
            if (path == "message/send") != (token in self.app_tokens):
                return err(48002, f"api forbidden for this secret: {path}")
            handler = API.get(path)
            if handler is None:
                return err(48002, f"api forbidden: {path}")
            return handler(self, query, body)

    def follow_info(self, userid: str, external_userid: str) -> Json:
        """A follow as `batch/get_by_user` lists it (`follow_info`, tags as `tag_id[]`)."""
        f = self.follows[(userid, external_userid)]
        return {
            "userid": userid,
            "remark": f["remark"],
            "description": f["description"],
            "createtime": f["createtime"],
            "tag_id": list(f["tags"]),
            "add_way": f["add_way"],
            "state": f["state"],
            "oper_userid": userid,
        }

    def follow_user(self, userid: str, external_userid: str) -> Json:
        """A follow as `externalcontact/get` returns it: tags as objects (type 1: corp tags)."""
        info = self.follow_info(userid, external_userid)
        names = {t["id"]: (g["group_name"], t["name"]) for g in self.tag_groups for t in g["tag"]}
        info["tags"] = [
            {
                "group_name": names.get(t, ("", ""))[0],
                "tag_name": names.get(t, ("", ""))[1],
                "tag_id": t,
                "type": 1,
            }
            for t in info.pop("tag_id")
        ]
        return info

    def add_friend(
        self, *, userid: str, contact: Json, state: str, add_way: int = 1, at: int | None = None
    ) -> str:
        external_userid = contact.get("external_userid") or self.next_id("wmFAKE")
        self.contacts.setdefault(
            external_userid,
            {
                "external_userid": external_userid,
                "name": contact.get("name", "顾客"),
                "type": 1,
                "gender": contact.get("gender", 0),
                "unionid": contact.get("unionid", ""),
                "avatar": "",
            },
        )
        self.follows[(userid, external_userid)] = {
            "remark": "",
            "description": "",
            "createtime": at or int(time.time()),
            "tags": [],
            "add_way": add_way,
            "state": state,
        }
        return external_userid


def _contact_way(corp: FakeCorp, query: Json, body: Json) -> Json:
    users = body.get("user") or []
    state = body.get("state", "")
    if len(state) > 30:
        return err(40058, "state exceeds 30 characters")
    if not users or any(u not in corp.members for u in users):
        return err(60111, "invalid userid")
    config_id = hashlib.md5(f"{state}{users}{time.time()}".encode()).hexdigest()  # noqa: S324
    corp.contact_ways[config_id] = {
        "config_id": config_id,
        "type": body.get("type", 1),
        "scene": body.get("scene", 2),
        "state": state,
        "user": users,
        "remark": body.get("remark", ""),
        "qr_code": f"https://fake.wecom.local/qr/{config_id}.png",
    }
    return ok(config_id=config_id, qr_code=corp.contact_ways[config_id]["qr_code"])


def _del_contact_way(corp: FakeCorp, query: Json, body: Json) -> Json:
    if corp.contact_ways.pop(body.get("config_id", ""), None) is None:
        return err(41044, "invalid config_id")
    return ok()


def _get(corp: FakeCorp, query: Json, body: Json) -> Json:
    external_userid = query.get("external_userid", "")
    contact = corp.contacts.get(external_userid)
    if contact is None:
        return err(84061, "not external contact")
    members = sorted(corp.follows.members_of.get(external_userid, ()))  # type: ignore[attr-defined]
    follows = [corp.follow_user(u, external_userid) for u in members]
    return ok(external_contact=contact, follow_user=follows, next_cursor="")


def _batch_get_by_user(corp: FakeCorp, query: Json, body: Json) -> Json:
    userids = body.get("userid_list") or []
    if not userids or len(userids) > 100:
        return err(40058, "userid_list must hold 1 to 100 members")
    limit = min(int(body.get("limit") or 50), 100)
    key = tuple(sorted(userids))
    cached = corp.listings.get(key)
    if cached is None or cached[0] != corp.follows.version:  # type: ignore[attr-defined]
        wanted = set(userids)
        cached = (corp.follows.version, sorted(k for k in corp.follows if k[0] in wanted))  # type: ignore[attr-defined]
        corp.listings[key] = cached
    rows = cached[1]
    start = int(body.get("cursor") or 0)
    page = rows[start : start + limit]
    items = [
        {"external_contact": corp.contacts[e], "follow_info": corp.follow_info(u, e)}
        for u, e in page
    ]
    more = start + limit < len(rows)
    return ok(external_contact_list=items, next_cursor=str(start + limit) if more else "")


def _list(corp: FakeCorp, query: Json, body: Json) -> Json:
    ids = [e for (u, e) in corp.follows if u == query.get("userid")]
    return ok(external_userid=ids) if ids else err(84061, "not external contact")


def _remark(corp: FakeCorp, query: Json, body: Json) -> Json:
    key = (body.get("userid", ""), body.get("external_userid", ""))
    if key not in corp.follows:
        return err(84061, "not external contact")
    for name in ("remark", "description"):
        if name in body:
            corp.follows[key][name] = body[name]
    return ok()


def _tags(corp: FakeCorp, query: Json, body: Json) -> Json:
    return ok(tag_group=corp.tag_groups)


def _add_tag(corp: FakeCorp, query: Json, body: Json) -> Json:
    group = next((g for g in corp.tag_groups if g["group_name"] == body.get("group_name")), None)
    if group is None:
        group = {
            "group_id": corp.next_id("etG"),
            "group_name": body.get("group_name", ""),
            "tag": [],
        }
        corp.tag_groups.append(group)
    if sum(len(g["tag"]) for g in corp.tag_groups) + len(body.get("tag", [])) > 3000:
        return err(40126, "too many tags")
    for tag in body.get("tag", []):
        group["tag"].append(
            {"id": corp.next_id("etT"), "name": tag["name"], "create_time": int(time.time())}
        )
    return ok(tag_group=group)


def _mark_tag(corp: FakeCorp, query: Json, body: Json) -> Json:
    key = (body.get("userid", ""), body.get("external_userid", ""))
    if key not in corp.follows:
        return err(84061, "not external contact")
    known = {t["id"] for g in corp.tag_groups for t in g["tag"]}
    if any(t not in known for t in body.get("add_tag", [])):
        return err(40068, "invalid tagid")
    tags = corp.follows[key]["tags"]
    tags[:] = [t for t in tags if t not in body.get("remove_tag", [])]
    tags += [t for t in body.get("add_tag", []) if t not in tags]
    return ok()


def _transfer(
    resigned: bool,
) -> tuple[Callable[[FakeCorp, Json, Json], Json], Callable[[FakeCorp, Json, Json], Json]]:
    """The (start, result) pair of in-service or resigned transfer."""

    def start(corp: FakeCorp, query: Json, body: Json) -> Json:
        handover, takeover = body.get("handover_userid", ""), body.get("takeover_userid", "")
        if handover == takeover:
            return err(40130, "handover and takeover are the same")
        if takeover not in corp.members or corp.members[takeover]["status"] != 1:
            return err(60111, "invalid takeover userid")
        if resigned and corp.members.get(handover, {}).get("status") == 1:
            return err(40097, "the handover member has not resigned")
        results = []
        ninety_days = time.time() - 90 * 86400
        for external_userid in body.get("external_userid", [])[:100]:
            code = 0
            if (handover, external_userid) not in corp.follows:
                code = 84061
            elif any(
                t["external_userid"] == external_userid and t["status"] == 2 for t in corp.transfers
            ):
                code = 40129
            elif (
                sum(
                    1
                    for t in corp.transfers
                    if t["external_userid"] == external_userid
                    and t["started"] > ninety_days
                    and t["status"] in (1, 2)
                )
                >= 2
            ):
                code = 40128
            if code == 0:
                corp.transfers.append(
                    {
                        "handover": handover,
                        "takeover": takeover,
                        "external_userid": external_userid,
                        "status": 2,
                        "takeover_time": 0,
                        "started": time.time(),
                        "resigned": resigned,
                    }
                )
            results.append({"external_userid": external_userid, "errcode": code})
        return ok(customer=results)

    def result(corp: FakeCorp, query: Json, body: Json) -> Json:
        rows = [
            t
            for t in corp.transfers
            if t["handover"] == body.get("handover_userid")
            and t["takeover"] == body.get("takeover_userid")
            and t["resigned"] == resigned
        ]
        return ok(
            customer=[
                {
                    "external_userid": t["external_userid"],
                    "status": t["status"],
                    "takeover_time": t["takeover_time"],
                }
                for t in rows
            ],
            next_cursor="",
        )

    return start, result


def _unassigned(corp: FakeCorp, query: Json, body: Json) -> Json:
    info = [
        {
            "handover_userid": u,
            "external_userid": e,
            "dimission_time": corp.members[u].get("left", 0),
        }
        for (u, e) in corp.follows
        if corp.members.get(u, {}).get("status") == 5
    ]
    return ok(info=info, is_last=True, next_cursor="")


def _msg_template(corp: FakeCorp, query: Json, body: Json) -> Json:
    if body.get("chat_type") == "group":  # to every group the sender owns
        if body.get("sender", "") not in corp.members:
            return err(60111, "invalid sender")
        return ok(fail_list=[], msgid=corp.next_id("msg"))
    targets = body.get("external_userid") or []
    if not targets:
        return err(41048, "no customers to send to")
    sender = body.get("sender", "")
    fail = [e for e in targets if (sender, e) not in corp.follows]
    return ok(fail_list=fail, msgid=corp.next_id("msg"))


def _moment_task(corp: FakeCorp, query: Json, body: Json) -> Json:
    jobid = corp.next_id("job")
    senders = body.get("visible_range", {}).get("sender_list", {}).get("user_list") or list(
        corp.members
    )
    corp.moment_tasks[jobid] = {"senders": senders, "posted": set()}
    return ok(jobid=jobid)


def _moment_result(corp: FakeCorp, query: Json, body: Json) -> Json:
    task = corp.moment_tasks.get(query.get("jobid", ""))
    if task is None:
        return err(40001, "invalid jobid")
    invalid = [u for u in task["senders"] if corp.members.get(u, {}).get("status") != 1]
    return ok(
        status=3,
        type="add_moment_task",
        result={
            "errcode": 0,
            "errmsg": "ok",
            "moment_id": f"moment{query['jobid']}",
            "invalid_sender_list": {"user_list": invalid},
        },
    )


def _moment_publish_status(corp: FakeCorp, query: Json, body: Json) -> Json:
    """Which senders have posted a moment (`get_moment_task`); cursor pages of `limit`."""
    jobid = body.get("moment_id", "").removeprefix("moment")
    task = corp.moment_tasks.get(jobid)
    if task is None:
        return err(41058, "invalid moment_id")
    rows = [
        {"userid": u, "publish_status": 1 if u in task["posted"] else 0} for u in task["senders"]
    ]
    start = int(body.get("cursor") or 0)
    limit = min(int(body.get("limit") or 1000), 1000)
    end = start + limit
    return ok(task_list=rows[start:end], next_cursor=str(end) if end < len(rows) else "")


def _group_list(corp: FakeCorp, query: Json, body: Json) -> Json:
    return ok(group_chat_list=[], next_cursor="")


def _behavior(corp: FakeCorp, query: Json, body: Json) -> Json:
    start, end = int(body.get("start_time", 0)), int(body.get("end_time", 0))
    if end - start > 30 * 86400:
        return err(40058, "at most 30 days")
    days = [
        {
            "stat_time": t,
            "chat_cnt": 0,
            "message_cnt": 0,
            "reply_percentage": 0,
            "avg_reply_time": 0,
            "negative_feedback_cnt": 0,
            "new_apply_cnt": 0,
            "new_contact_cnt": sum(
                1
                for (u, _e), f in corp.follows.items()
                if u in body.get("userid", []) and t <= f["createtime"] < t + 86400
            ),
        }
        for t in range(start - start % 86400, end, 86400)
    ]
    return ok(behavior_data=days)


def _app_message(corp: FakeCorp, query: Json, body: Json) -> Json:
    """message/send: a text to members (`touser` "a|b", at most 1,000); unknown or inactive
    members come back in `invaliduser`; with `enable_duplicate_check`, the same text to the
    same member inside `duplicate_check_interval` seconds is dropped, as WeCom does."""
    if str(body.get("agentid", "")) != str(corp.agent_id):
        return err(40056, "invalid agentid")
    users = [u for u in str(body.get("touser", "")).split("|") if u]
    if not users or len(users) > 1000:
        return err(40031, "invalid touser")
    content = body.get("text", {}).get("content", "")
    now = time.time()
    window = (
        int(body.get("duplicate_check_interval", 1800)) if body.get("enable_duplicate_check") else 0
    )
    invalid = []
    for user in users:
        if corp.members.get(user, {}).get("status") != 1:
            invalid.append(user)
            continue
        if window and any(
            m["touser"] == user and m["content"] == content and now - m["at"] < window
            for m in corp.app_messages
        ):
            continue
        corp.app_messages.append({"touser": user, "content": content, "at": now})
    return ok(invaliduser="|".join(invalid), msgid=corp.next_id("appmsg"))


def _getuserinfo(corp: FakeCorp, query: Json, body: Json) -> Json:
    userid = corp.oauth_codes.pop(query.get("code", ""), None)  # single use
    if userid is None:
        return err(40029, "invalid code")
    return ok(userid=userid)


_in_service = _transfer(False)
_resigned = _transfer(True)
API: dict[str, Callable[[FakeCorp, Json, Json], Json]] = {
    "externalcontact/add_contact_way": _contact_way,
    "externalcontact/del_contact_way": _del_contact_way,
    "externalcontact/get": _get,
    "externalcontact/batch/get_by_user": _batch_get_by_user,
    "externalcontact/list": _list,
    "externalcontact/remark": _remark,
    "externalcontact/get_corp_tag_list": _tags,
    "externalcontact/add_corp_tag": _add_tag,
    "externalcontact/mark_tag": _mark_tag,
    "externalcontact/transfer_customer": _in_service[0],
    "externalcontact/transfer_result": _in_service[1],
    "externalcontact/resigned/transfer_customer": _resigned[0],
    "externalcontact/resigned/transfer_result": _resigned[1],
    "externalcontact/get_unassigned_list": _unassigned,
    "externalcontact/add_msg_template": _msg_template,
    "externalcontact/add_moment_task": _moment_task,
    "externalcontact/get_moment_task_result": _moment_result,
    "externalcontact/get_moment_task": _moment_publish_status,
    "externalcontact/groupchat/list": _group_list,
    "externalcontact/get_user_behavior_data": _behavior,
    "auth/getuserinfo": _getuserinfo,
    "message/send": _app_message,
}


# -- the control API: scripting the far side -----------------------------------------------------
def control(corp: FakeCorp, action: str, body: Json) -> Json:
    with corp.lock:
        if action == "members":
            for m in body.get("members", []):
                corp.members[m["userid"]] = {
                    "name": m.get("name", m["userid"]),
                    "status": m.get("status", 1),
                    "left": m.get("left", 0),
                }
            return ok(count=len(corp.members))
        if action == "moment-post":
            # A guide posts the moment a task asked for (in WeCom's app).
            task = corp.moment_tasks.get(body.get("jobid", ""))
            if task is None:
                return err(41058, "invalid jobid")
            task["posted"].add(body.get("userid", ""))
            return ok()
        if action == "state":
            return ok(
                members=len(corp.members),
                contacts=len(corp.contacts),
                follows=len(corp.follows),
                contact_ways=len(corp.contact_ways),
                transfers=corp.transfers,
                callbacks=len(corp.sent),
                callback_status=[r["status"] for r in corp.sent[-20:]],
            )
        if action == "load":
            # Bulk state for a demo that starts with friends already made (no callbacks sent).
            for contact in body.get("contacts", []):
                corp.contacts[contact["external_userid"]] = {
                    "type": 1,
                    "gender": 0,
                    "unionid": "",
                    "avatar": "",
                    **contact,
                }
            for f in body.get("follows", []):
                corp.follows[(f["userid"], f["external_userid"])] = {
                    "remark": f.get("remark", ""),
                    "description": "",
                    "createtime": int(f.get("createtime", 0)),
                    "tags": [],
                    "add_way": int(f.get("add_way", 1)),
                    "state": f.get("state", ""),
                }
            for way in body.get("contact_ways", []):
                corp.contact_ways[way["config_id"]] = {
                    "type": 1,
                    "scene": 2,
                    "remark": "",
                    "qr_code": "",
                    **way,
                }
            return ok(contacts=len(corp.contacts), follows=len(corp.follows))
        if action == "fail":
            corp.faults.append(
                {
                    "path": body["path"],
                    "errcode": int(body["errcode"]),
                    "times": int(body.get("times", 1)),
                }
            )
            return ok()
        if action == "oauth-code":
            code = corp.next_id("code")
            corp.oauth_codes[code] = body["userid"]
            return ok(code=code)
    # Actions that call siyu back run outside the lock: siyu may call the API while handling.
    if action == "scan":
        return _scan(corp, body)
    if action == "delete":
        return _delete(corp, body)
    if action == "transfer":
        return _resolve_transfer(corp, body)
    if action == "resend":
        return ok(status=corp.resend(int(body.get("index", -1)))["status"])
    return err(404, f"unknown action {action}")


def _scan(corp: FakeCorp, body: Json) -> Json:
    """`count` customers scan a contact way (by config_id or state) and become friends."""
    with corp.lock:
        way = corp.contact_ways.get(body.get("config_id", "")) or next(
            (w for w in corp.contact_ways.values() if w["state"] == body.get("state")), None
        )
        if way is None:
            return err(41044, "no such contact way")
        customers = body.get("customers") or [{} for _ in range(int(body.get("count", 1)))]
        start, spacing = int(body.get("start", time.time())), int(body.get("spacing", 0))
        added = []
        for i, customer in enumerate(customers):
            userid = way["user"][i % len(way["user"])]
            external_userid = corp.add_friend(
                userid=userid, contact=customer, state=way["state"], at=start + i * spacing
            )
            added.append((userid, external_userid))
    statuses = [
        corp.send_callback(
            {
                "Event": "change_external_contact",
                "ChangeType": "add_external_contact",
                "UserID": u,
                "ExternalUserID": e,
                "State": way["state"],
                "WelcomeCode": corp.next_id("WELCOME"),
            }
        )["status"]
        for u, e in added
    ]
    return ok(external_userids=[e for _u, e in added], callback_status=statuses)


def _delete(corp: FakeCorp, body: Json) -> Json:
    """The customer deletes or blocks the member (by=customer), or the member deletes them (by=staff)."""
    key = (body["userid"], body["external_userid"])
    with corp.lock:
        if corp.follows.pop(key, None) is None:
            return err(84061, "not external contact")
    change = (
        "del_follow_user" if body.get("by", "customer") == "customer" else "del_external_contact"
    )
    fields = {
        "Event": "change_external_contact",
        "ChangeType": change,
        "UserID": key[0],
        "ExternalUserID": key[1],
    }
    if change == "del_external_contact":
        fields["Source"] = body.get("source", "")
    return ok(status=corp.send_callback(fields)["status"])


def _resolve_transfer(corp: FakeCorp, body: Json) -> Json:
    """The customer's side of a waiting transfer: accept, refuse, or the takeover is full (limit)."""
    outcome = body.get("outcome", "accept")
    with corp.lock:
        transfer = next(
            (
                t
                for t in corp.transfers
                if t["external_userid"] == body["external_userid"] and t["status"] == 2
            ),
            None,
        )
        if transfer is None:
            return err(40131, "no transfer waiting")
        if outcome == "accept":
            transfer.update(status=1, takeover_time=int(time.time()))
            old = corp.follows.pop((transfer["handover"], transfer["external_userid"]), None) or {}
            corp.follows[(transfer["takeover"], transfer["external_userid"])] = {
                **old,
                "createtime": int(time.time()),
                "add_way": 0,
                "state": old.get("state", ""),
            }
            return ok(status=1)
        transfer["status"] = 3 if outcome == "refuse" else 4
    reason = "customer_refused" if outcome == "refuse" else "customer_limit_exceed"
    status = corp.send_callback(
        {
            "Event": "change_external_contact",
            "ChangeType": "transfer_fail",
            "FailReason": reason,
            "UserID": transfer["takeover"],
            "ExternalUserID": transfer["external_userid"],
        }
    )["status"]
    return ok(status=transfer["status"], callback_status=status)


def _oauth_page(corp: FakeCorp, query: Json) -> tuple[str, list[tuple[str, str]], bytes]:
    """WeCom's in-app login, as a page: pick a member (or pass fake_userid) and go back with a code."""
    redirect = query.get("redirect_uri", "")
    userid = query.get("fake_userid")
    if userid:
        with corp.lock:
            code = corp.next_id("code")
            corp.oauth_codes[code] = userid
        sep = "&" if "?" in redirect else "?"
        target = f"{redirect}{sep}{urllib.parse.urlencode({'code': code, 'state': query.get('state', '')})}"
        return "302 Found", [("Location", target)], b""
    links = "".join(
        f'<li><a href="?{urllib.parse.urlencode({**query, "fake_userid": u})}">{m["name"]} ({u})</a></li>'
        for u, m in sorted(corp.members.items())
        if m["status"] == 1
    )
    page = f"<!doctype html><meta charset=utf-8><title>企业微信（模拟）</title><h1>选择成员登录</h1><ul>{links}</ul>"
    return "200 OK", [("Content-Type", "text/html; charset=utf-8")], page.encode()


def make_app(corp: FakeCorp) -> Callable[..., Iterable[bytes]]:
    def app(environ: Json, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/connect/oauth2/authorize":
            status, headers, payload = _oauth_page(corp, query)
            start_response(status, headers)
            return [payload]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            answer = err(47001, "data format error")
        else:
            if path.startswith("/cgi-bin/"):
                answer = corp.handle(path.removeprefix("/cgi-bin/"), query, body)
            elif path.startswith("/fake/"):
                answer = control(corp, path.removeprefix("/fake/"), body)
            else:
                answer = err(404, "not found")
        payload = json.dumps(answer, ensure_ascii=False).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json; charset=utf-8")]
        )  # errors too, like WeCom
        return [payload]

    return app


class FakeServer:
    """The fake served by waitress: HTTP/1.1 keep-alive and a pool of threads, as an API
    front end serves (siyu calls the API while a callback is in flight, from several
    threads at once)."""

    def __init__(self, corp: FakeCorp, host: str, port: int, threads: int = 8):
        # Bursts briefly queue requests behind the threads; that is expected, not news.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._server = waitress.create_server(
            make_app(corp), host=host, port=port, threads=threads, ident="fake-wecom"
        )
        self.server_port: int = self._server.effective_port  # type: ignore[union-attr]
        self._stop, self._stopped = threading.Event(), threading.Event()
        self._serving = False

    def serve_forever(self) -> None:
        # waitress's own run() loops until its sockets are closed under it, and closing them
        # from another thread races its select(); this loop stops between two polls instead.
        server = self._server
        self._serving = True
        try:
            while not self._stop.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, count=1)  # type: ignore[union-attr]
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        if self._serving:
            self._stopped.wait(timeout=5)
        self._server.close()

    def server_close(self) -> None:
        """Closed by shutdown already (kept for callers written against socketserver)."""


def serve(corp: FakeCorp, host: str, port: int) -> FakeServer:
    """A server for `corp` on host:port (0: any free port, read back from `server_port`)."""
    return FakeServer(corp, host, port)
