"""Import of stores and staff from CSV or Excel, with a row-level report.

Each row is validated and written in its own savepoint: a good row is imported even when
others are bad, a bad row changes nothing, and the report names every bad row with the
reason per column. Rows are keyed by store code / employee no., so importing the same
file twice updates in place and creates nothing new. Headers may be Chinese or English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from siyu.core.tabular import canonical
from siyu.org import regions, services
from siyu.org.models import Branch, Brand, Group, Role, Staff, StaffStatus, Store, StoreStatus
from siyu.org.scope import Capability, Scope

MAX_ROWS = 20_000

STORE_HEADERS = {
    "code": ("code", "门店编码", "门店代码"),
    "name": ("name", "门店名称", "名称"),
    "brand": ("brand", "品牌"),
    "branch": ("branch", "分公司", "区域"),
    "address": ("address", "地址"),
    "province": ("province", "省", "省份"),
    "city": ("city", "市", "城市"),
    "district": ("district", "区", "区县"),
    "latitude": ("latitude", "纬度"),
    "longitude": ("longitude", "经度"),
    "opens_at": ("opens_at", "营业开始", "开店时间"),
    "closes_at": ("closes_at", "营业结束", "闭店时间"),
    "wecom_userid": ("wecom_userid", "门店企微号"),
    "status": ("status", "状态"),
}
STAFF_HEADERS = {
    "employee_no": ("employee_no", "工号"),
    "name": ("name", "姓名"),
    "role": ("role", "角色", "岗位"),
    "brand": ("brand", "品牌"),
    "branch": ("branch", "分公司", "区域"),
    "store": ("store", "门店", "门店编码"),
    "wecom_userid": ("wecom_userid", "企微账号", "企业微信账号"),
    "hired_on": ("hired_on", "入职日期"),
    "status": ("status", "状态", "在职状态"),
    "left_on": ("left_on", "离职日期"),
}
ROLE_ALIASES = {
    "导购": Role.GUIDE,
    "店长": Role.STORE_MANAGER,
    "分公司经理": Role.BRANCH_MANAGER,
    "区域经理": Role.BRANCH_MANAGER,
    "总部运营": Role.HQ_OPERATOR,
    "集团管理员": Role.GROUP_ADMIN,
}
STATUS_ALIASES = {
    "营业": StoreStatus.OPEN,
    "关店": StoreStatus.CLOSED,
    "在职": StaffStatus.EMPLOYED,
    "离职": StaffStatus.RESIGNED,
}


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "fields": {col: msg}}

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "errors": self.errors,
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns codes like 1001 into 1001.0
    return str(value).strip()


def _time(value: Any, column: str) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(_text(value))
    except ValueError:
        raise ValidationError({column: _("Write a time as HH:MM.")}) from None


def _date(value: Any, column: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value).replace("/", "-"))
    except ValueError:
        raise ValidationError({column: _("Write a date as YYYY-MM-DD.")}) from None


def _decimal(value: Any, column: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(_text(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValidationError({column: _("Not a number.")}) from None
    if abs(number) > limit:
        raise ValidationError({column: _("Out of range.")})
    return number


def _by_code_or_name(model: type[Brand] | type[Branch], value: Any, column: str) -> Any:
    text = _text(value)
    found = (
        model.objects.filter(code=text.upper()).first() or model.objects.filter(name=text).first()
    )
    if found is None:
        raise ValidationError(
            {column: _("No %(what)s called “%(v)s”.") % {"what": column, "v": text}}
        )
    return found


def _store_fields(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    errors: dict[str, str] = {}

    def collect(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            return None

    brand = collect(_by_code_or_name, Brand, row.get("brand"), "brand")
    branch = collect(_by_code_or_name, Branch, row.get("branch"), "branch")
    province = regions.find(_text(row.get("province")), level="province")
    city = regions.find(
        _text(row.get("city")), level="city", within=province.code if province else ""
    )
    district = regions.find(
        _text(row.get("district")), level="district", within=city.code if city else ""
    )
    if province is None:
        errors["province"] = _("Unknown province.")
    if city is None:
        errors["city"] = _("Unknown city, or not in this province.")
    if _text(row.get("district")) and district is None:
        errors["district"] = _("Unknown district, or not in this city.")
    status = STATUS_ALIASES.get(
        _text(row.get("status")), _text(row.get("status")) or StoreStatus.OPEN
    )
    fields = {
        "name": _text(row.get("name")),
        "brand": brand,
        "branch": branch,
        "address": _text(row.get("address")),
        "province_code": province.code if province else "",
        "city_code": city.code if city else "",
        "district_code": district.code if district else "",
        "latitude": collect(_decimal, row.get("latitude"), "latitude", 90),
        "longitude": collect(_decimal, row.get("longitude"), "longitude", 180),
        "opens_at": collect(_time, row.get("opens_at"), "opens_at"),
        "closes_at": collect(_time, row.get("closes_at"), "closes_at"),
        "wecom_userid": _text(row.get("wecom_userid")),
        "status": status,
    }
    if fields["latitude"] is None and city is not None:
        fields["latitude"], fields["longitude"] = (
            (district or city).latitude,
            (district or city).longitude,
        )
    if errors:
        raise ValidationError(errors)
    return _text(row.get("code")), fields


def _import(rows: list[dict[str, Any]], report: ImportReport, write_row: Any) -> ImportReport:
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": _("At most %(n)d rows per file.") % {"n": MAX_ROWS}})
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as a spreadsheet shows it
        try:
            with transaction.atomic():
                created = write_row(row)
        except ValidationError as exc:
            report.errors.append(
                {"row": number, "fields": {k: " ".join(v) for k, v in exc.message_dict.items()}}
            )
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report


def stores_import(*, scope: Scope, rows: list[dict[str, Any]]) -> ImportReport:
    """Create or update stores from `rows` (see read_rows); one bad row never blocks the others."""
    scope.require(Capability.MANAGE_ORG)

    def write(raw: dict[str, Any]) -> bool:
        code, fields = _store_fields(canonical(raw, STORE_HEADERS))
        return services.store_upsert(scope=scope, code=code, **fields)[1]

    return _import(rows, ImportReport("stores"), write)


def staff_import(*, scope: Scope, rows: list[dict[str, Any]], actor: Any = None) -> ImportReport:
    """Create staff, move them, or mark them resigned from `rows`; keyed by employee no."""
    scope.require(Capability.MANAGE_ORG)
    group = Group.objects.get(pk=scope.group_id)

    def write(raw: dict[str, Any]) -> bool:
        row = canonical(raw, STAFF_HEADERS)
        role_text = _text(row.get("role"))
        role = ROLE_ALIASES.get(role_text, role_text)
        store = None
        if _text(row.get("store")):
            store = (
                Store.objects.select_related("branch__brand")
                .filter(code=_text(row["store"]).upper())
                .first()
            )
            if store is None:
                raise ValidationError({"store": _("No store with this code.")})
        branch = (
            _by_code_or_name(Branch, row["branch"], "branch") if _text(row.get("branch")) else None
        )
        brand = _by_code_or_name(Brand, row["brand"], "brand") if _text(row.get("brand")) else None
        status = STATUS_ALIASES.get(
            _text(row.get("status")), _text(row.get("status")) or StaffStatus.EMPLOYED
        )
        if status not in StaffStatus.values:
            raise ValidationError({"status": _("Unknown status.")})
        employee_no = _text(row.get("employee_no"))
        staff = Staff.objects.filter(employee_no=employee_no).first() if employee_no else None
        if staff is None:
            staff = services.staff_create(
                scope=scope,
                group=group,
                employee_no=employee_no,
                name=_text(row.get("name")),
                role=role,
                store=store,
                branch=branch,
                brand=brand,
                wecom_userid=_text(row.get("wecom_userid")) or None,
                hired_on=_date(row.get("hired_on"), "hired_on"),
                actor=actor,
            )
            created = True
        else:
            created = False
            if staff.status == StaffStatus.EMPLOYED and (
                role != staff.role or (store and store.pk != staff.store_id)
            ):
                services.staff_move(
                    scope=scope, staff=staff, role=role, store=store, branch=branch, actor=actor
                )
        if status == StaffStatus.RESIGNED:
            services.staff_resign(
                scope=scope, staff=staff, left_on=_date(row.get("left_on"), "left_on"), actor=actor
            )
        return created

    return _import(rows, ImportReport("staff"), write)
