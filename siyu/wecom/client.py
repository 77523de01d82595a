"""The WeCom server API client (../shared/wecom.md §3), the same code against the fake or the real service.

Errors raise `WeComError` with WeCom's errcode. The access token is cached in the database
(shared by every process) and refreshed when WeCom says it is invalid or expired
(40014 / 42001); a frequency or concurrency limit (45009 / 45033) is retried with
exponential back-off. Paginated calls are generators that follow `next_cursor`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.wecom import http

logger = logging.getLogger(__name__)

TOKEN_ERRORS = {40014, 42001}
LIMIT_ERRORS = {45009, 45033}


def app_client() -> WeComClient:
    """A client with the secret of siyu's own WeCom application (application messages need
    the application's token, not the contact API's)."""
    return WeComClient(secret=settings.WECOM_APP_SECRET, cache_key=f"{settings.WECOM_CORP_ID}#app")


class WeComError(Exception):
    """WeCom answered with a non-zero errcode (or could not be reached: errcode -1)."""

    def __init__(self, errcode: int, errmsg: str, path: str = ""):
        super().__init__(f"{path}: {errcode} {errmsg}")
        self.errcode, self.errmsg, self.path = errcode, errmsg, path

    def as_validation_error(self) -> ValidationError:
        """The refusal as a field error on `wecom`, for a service to raise (an API 4xx)."""
        return ValidationError(
            {
                "wecom": _("WeCom refused: %(code)s %(message)s")
                % {"code": self.errcode, "message": self.errmsg}
            }
        )


class WeComClient:
    def __init__(
        self,
        *,
        base: str | None = None,
        corp_id: str | None = None,
        secret: str | None = None,
        cache_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float | None = None,
    ):
        self.base = (base or settings.WECOM_API_BASE).rstrip("/") + "/"
        self.corp_id = corp_id or settings.WECOM_CORP_ID
        self.secret = secret or settings.WECOM_SECRET
        # Each secret (the contact API's, an application's) has its own token in the cache.
        self.cache_key = cache_key or self.corp_id
        self.timeout, self.retries = timeout, retries
        self.backoff = settings.WECOM_RETRY_BACKOFF if backoff is None else backoff
        self._token: tuple[str, dt.datetime] | None = None  # this client's copy of the cache

    # -- transport -------------------------------------------------------------------------
    def _http(
        self, method: str, path: str, params: dict[str, Any], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        url = self.base + path + "?" + urllib.parse.urlencode(params)
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        try:
            _status, raw = http.request(
                url,
                data=data,
                method=method,
                timeout=self.timeout,
                content_type="application/json; charset=utf-8",
            )
            return json.loads(raw or b"{}")
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            raise WeComError(-1, f"unreachable: {exc}", path) from None

    def access_token(self, *, refresh: bool = False) -> str:
        from siyu.wecom.models import AccessToken

        now = timezone.now()
        if not refresh and self._token is not None and self._token[1] > now:
            return self._token[0]
        cached = AccessToken.objects.filter(corp_id=self.cache_key, expires_at__gt=now).first()
        if cached and not refresh:
            self._token = (cached.token, cached.expires_at)
            return cached.token
        answer = self._http(
            "GET", "gettoken", {"corpid": self.corp_id, "corpsecret": self.secret}, None
        )
        if answer.get("errcode", 0) != 0:
            raise WeComError(answer["errcode"], answer.get("errmsg", ""), "gettoken")
        # Renew five minutes early, so a request never carries a token about to lapse.
        expires = now + dt.timedelta(seconds=int(answer.get("expires_in", 7200)) - 300)
        AccessToken.objects.update_or_create(
            corp_id=self.cache_key,
            defaults={"token": answer["access_token"], "expires_at": expires},
        )
        self._token = (answer["access_token"], expires)
        return answer["access_token"]

    def call(self, path: str, body: dict[str, Any] | None = None, **query: Any) -> dict[str, Any]:
        """One API call (POST when there is a body), with token refresh and back-off built in."""
        refreshed = False
        for attempt in range(self.retries + 1):
            params = {"access_token": self.access_token(), **query}
            answer = self._http("POST" if body is not None else "GET", path, params, body)
            errcode = answer.get("errcode", 0)
            if errcode == 0:
                return answer
            if errcode in TOKEN_ERRORS and not refreshed:
                self.access_token(refresh=True)
                refreshed = True
                continue
            if errcode in LIMIT_ERRORS and attempt < self.retries:
                pause = self.backoff * 2**attempt
                logger.warning("WeCom %s limited (%s); retrying in %.1fs", path, errcode, pause)
                time.sleep(pause)
                continue
            raise WeComError(errcode, answer.get("errmsg", ""), path)
        raise WeComError(-1, "gave up after retries", path)

    # -- contact ways (渠道活码) -------------------------------------------------------------
    def add_contact_way(
        self,
        *,
        users: list[str],
        state: str,
        remark: str = "",
        skip_verify: bool = True,
        single: bool = True,
    ) -> dict[str, Any]:
        """A QR contact way for `users`; returns config_id and qr_code."""
        return self.call(
            "externalcontact/add_contact_way",
            {
                "type": 1 if single else 2,
                "scene": 2,
                "style": 1,
                "remark": remark[:30],
                "skip_verify": skip_verify,
                "state": state,
                "user": users,
            },
        )

    def del_contact_way(self, config_id: str) -> None:
        self.call("externalcontact/del_contact_way", {"config_id": config_id})

    # -- customers ---------------------------------------------------------------------------
    def get_external_contact(self, external_userid: str) -> dict[str, Any]:
        """`external_contact` and every `follow_user` of one customer (follows all cursors)."""
        answer = self.call("externalcontact/get", external_userid=external_userid)
        follow = list(answer.get("follow_user", []))
        cursor = answer.get("next_cursor", "")
        while cursor:
            page = self.call("externalcontact/get", external_userid=external_userid, cursor=cursor)
            follow += page.get("follow_user", [])
            cursor = page.get("next_cursor", "")
        return {"external_contact": answer.get("external_contact", {}), "follow_user": follow}

    def get_external_contacts(
        self, external_userids: Sequence[str], *, workers: int = 8
    ) -> dict[str, dict[str, Any] | WeComError]:
        """`get_external_contact` for many customers at once, `workers` requests in flight.

        WeCom has no batch form of externalcontact/get; concurrent calls within its rate
        limits are how a burst of new friends is read quickly. Each answer is the detail or
        the WeComError that call raised. The token is read here, before the threads start,
        so they share it and touch no database connection of their own.
        """
        self.access_token()
        unique = list(dict.fromkeys(external_userids))

        def one(external_userid: str) -> dict[str, Any] | WeComError:
            try:
                return self.get_external_contact_or_error(external_userid)
            finally:
                connections.close_all()  # only this thread's, opened if the token was refreshed

        if len(unique) <= 1:
            return {e: self.get_external_contact_or_error(e) for e in unique}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return dict(zip(unique, pool.map(one, unique), strict=True))

    def get_external_contact_or_error(self, external_userid: str) -> dict[str, Any] | WeComError:
        try:
            return self.get_external_contact(external_userid)
        except WeComError as exc:
            return exc

    def iter_contacts_by_user(
        self, userids: list[str], *, cursor: str = "", limit: int = 100
    ) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """Pages of (external_contact_list, next_cursor) for up to 100 members; resumable by cursor."""
        for start in range(0, len(userids), 100):
            chunk = userids[start : start + 100]
            while True:
                page = self.call(
                    "externalcontact/batch/get_by_user",
                    {"userid_list": chunk, "cursor": cursor, "limit": limit},
                )
                cursor = page.get("next_cursor", "")
                yield page.get("external_contact_list", []), cursor
                if not cursor:
                    break

    def list_external_contacts(self, userid: str) -> list[str]:
        try:
            return self.call("externalcontact/list", userid=userid).get("external_userid", [])
        except WeComError as exc:
            if exc.errcode == 84061:  # "not an external contact": this member has none
                return []
            raise

    def remark(
        self,
        *,
        userid: str,
        external_userid: str,
        remark: str | None = None,
        description: str | None = None,
    ) -> None:
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        if remark is not None:
            body["remark"] = remark
        if description is not None:
            body["description"] = description
        self.call("externalcontact/remark", body)

    # -- tags -----------------------------------------------------------------------------------
    def corp_tags(self) -> list[dict[str, Any]]:
        return self.call("externalcontact/get_corp_tag_list", {}).get("tag_group", [])

    def add_corp_tag(self, *, group_name: str, names: list[str]) -> dict[str, Any]:
        return self.call(
            "externalcontact/add_corp_tag",
            {"group_name": group_name, "tag": [{"name": n} for n in names]},
        )["tag_group"]

    def mark_tag(
        self,
        *,
        userid: str,
        external_userid: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> None:
        self.call(
            "externalcontact/mark_tag",
            {
                "userid": userid,
                "external_userid": external_userid,
                "add_tag": list(add),
                "remove_tag": list(remove),
            },
        )

    # -- transfers (在职继承 / 离职继承) ----------------------------------------------------------
    def transfer_customers(
        self,
        *,
        handover: str,
        takeover: str,
        external_userids: list[str],
        resigned: bool,
        message: str = "",
    ) -> list[dict[str, Any]]:
        """Start transfers (≤ 100 customers); per-customer errcodes come back in the list."""
        path = (
            "externalcontact/resigned/transfer_customer"
            if resigned
            else "externalcontact/transfer_customer"
        )
        body: dict[str, Any] = {
            "handover_userid": handover,
            "takeover_userid": takeover,
            "external_userid": external_userids,
        }
        if message and not resigned:
            body["transfer_success_msg"] = message
        return self.call(path, body).get("customer", [])

    def transfer_results(
        self, *, handover: str, takeover: str, resigned: bool
    ) -> list[dict[str, Any]]:
        path = (
            "externalcontact/resigned/transfer_result"
            if resigned
            else "externalcontact/transfer_result"
        )
        results, cursor = [], ""
        while True:
            page = self.call(
                path, {"handover_userid": handover, "takeover_userid": takeover, "cursor": cursor}
            )
            results += page.get("customer", [])
            cursor = page.get("next_cursor", "")
            if not cursor:
                return results

    def unassigned(self) -> list[dict[str, Any]]:
        items, cursor = [], ""
        while True:
            page = self.call(
                "externalcontact/get_unassigned_list", {"cursor": cursor, "page_size": 1000}
            )
            items += page.get("info", [])
            cursor = page.get("next_cursor", "")
            if page.get("is_last", True) or not cursor:
                return items

    # -- messages, moments, groups, behaviour -------------------------------------------------
    def add_msg_template(
        self,
        *,
        sender: str,
        external_userids: Sequence[str] = (),
        text: str,
        attachments: Sequence[dict[str, Any]] = (),
        to_groups: bool = False,
    ) -> dict[str, Any]:
        """A message the guide `sender` confirms in WeCom: to these customers, or (`to_groups`)
        to every customer group the guide owns."""
        body: dict[str, Any] = {
            "chat_type": "group" if to_groups else "single",
            "sender": sender,
            "text": {"content": text},
            "attachments": list(attachments),
        }
        if not to_groups:
            body["external_userid"] = list(external_userids)
        return self.call("externalcontact/add_msg_template", body)

    def add_moment_task(
        self, *, text: str, attachments: Sequence[dict[str, Any]] = (), senders: Sequence[str] = ()
    ) -> str:
        body: dict[str, Any] = {"text": {"content": text}, "attachments": list(attachments)}
        if senders:
            body["visible_range"] = {"sender_list": {"user_list": list(senders)}}
        return self.call("externalcontact/add_moment_task", body)["jobid"]

    def moment_task_result(self, jobid: str) -> dict[str, Any]:
        return self.call("externalcontact/get_moment_task_result", jobid=jobid)

    def moment_publish_status(self, moment_id: str) -> list[dict[str, Any]]:
        """Every sender of a moment and whether they posted it (`publish_status` 1)."""
        rows: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = self.call(
                "externalcontact/get_moment_task",
                {"moment_id": moment_id, "cursor": cursor, "limit": 1000},
            )
            rows += page.get("task_list", [])
            cursor = page.get("next_cursor", "")
            if not cursor:
                return rows

    def group_chats(
        self, *, owners: Sequence[str] = (), cursor: str = ""
    ) -> Iterator[dict[str, Any]]:
        while True:
            body: dict[str, Any] = {"status_filter": 0, "cursor": cursor, "limit": 1000}
            if owners:
                body["owner_filter"] = {"userid_list": list(owners)}
            page = self.call("externalcontact/groupchat/list", body)
            yield from page.get("group_chat_list", [])
            cursor = page.get("next_cursor", "")
            if not cursor:
                return

    def group_chat(self, chat_id: str) -> dict[str, Any]:
        return self.call("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})[
            "group_chat"
        ]

    def user_behavior(self, *, userids: list[str], start: int, end: int) -> list[dict[str, Any]]:
        return self.call(
            "externalcontact/get_user_behavior_data",
            {"userid": userids, "start_time": start, "end_time": end},
        ).get("behavior_data", [])

    # -- application messages (应用消息) ----------------------------------------------------------
    def send_app_message(self, *, userids: Sequence[str], text: str) -> dict[str, Any]:
        """A text from siyu's WeCom application to up to 1,000 members. WeCom's duplicate
        check drops the same text to the same member within four hours: a second guard
        behind our own claim, never the only one."""
        if not 0 < len(userids) <= 1000:
            raise ValueError("message/send takes 1 to 1,000 members")
        return self.call(
            "message/send",
            {
                "touser": "|".join(userids),
                "msgtype": "text",
                "agentid": int(settings.WECOM_AGENT_ID),
                "text": {"content": text},
                "enable_duplicate_check": 1,
                "duplicate_check_interval": 4 * 3600,
            },
        )

    # -- web login (OAuth2) ----------------------------------------------------------------------
    def user_from_code(self, code: str) -> str:
        """The member user id behind a single-use OAuth code (⚠ older docs spell it UserId)."""
        answer = self.call("auth/getuserinfo", code=code)
        userid = answer.get("userid") or answer.get("UserId")
        if not userid:
            raise WeComError(
                60011, "the code belongs to no member of this corp", "auth/getuserinfo"
            )
        return userid
