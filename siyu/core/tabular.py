"""Tables from uploaded files (CSV in UTF-8 or GBK, Excel .xlsx) for the imports of every app."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, BinaryIO

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def read_rows(upload: BinaryIO, filename: str) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with or without BOM, or GBK) or .xlsx file as dicts by header."""
    data = upload.read()
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True
            ).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(
                {"file": _("Not a readable Excel file: %(e)s") % {"e": exc}}
            ) from None
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            return []
        headers = [str(h or "").strip() for h in values[0]]
        return [
            dict(zip(headers, row, strict=False))
            for row in values[1:]
            if any(v not in (None, "") for v in row)
        ]
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GBK.")})
        return [
            row
            for row in csv.DictReader(io.StringIO(text))
            if any((v or "").strip() for v in row.values())
        ]
    raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})


def canonical(row: dict[str, Any], headers: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A row keyed by canonical names, whichever of a column's aliases (Chinese or English)
    the file used; text values stripped. Which alias a file uses is worked out once per set
    of columns (every row of a file has the same), not per row and column."""
    columns = tuple(row)
    plan = _plans.get((id(headers), columns))
    if plan is None or plan[0] is not headers:
        if len(_plans) > 256:
            _plans.clear()
        plan = _plans[(id(headers), columns)] = (headers, _aliases_used(row, headers))
    return {
        key: value.strip() if isinstance(value := row[alias], str) else value
        for key, alias in plan[1]
    }


def columns(
    rows: Sequence[dict[str, Any]], headers: dict[str, tuple[str, ...]]
) -> dict[str, list[Any]]:
    """The rows column by column, keyed by canonical names as `canonical` keys a row (text
    values stripped; None where a row lacks the column). For the big imports: when every row
    has the first row's columns (a file's rows do), each column is read and stripped by
    C-level calls, not a dict built per row; else row by row through `canonical`."""
    if not rows:
        return {key: [] for key in headers}
    keys = tuple(rows[0])
    if all(map(keys.__eq__, map(tuple, rows))):
        out: dict[str, list[Any]] = {key: [None] * len(rows) for key in headers}
        for key, alias in _aliases_used(rows[0], headers):
            values = list(map(itemgetter(alias), rows))
            try:
                out[key] = list(map(str.strip, values))
            except TypeError:  # numbers or empty cells (Excel) among the text
                out[key] = [v.strip() if isinstance(v, str) else v for v in values]
        return out
    keyed = [canonical(row, headers) for row in rows]
    return {key: [row.get(key) for row in keyed] for key in headers}


def _aliases_used(
    row: dict[str, Any], headers: dict[str, tuple[str, ...]]
) -> list[tuple[str, str]]:
    """(canonical name, the alias the row uses) of each column the row has: the first of a
    column's aliases that it holds."""
    return [
        (key, next(alias for alias in aliases if alias in row))
        for key, aliases in headers.items()
        if any(alias in row for alias in aliases)
    ]


_plans: dict[tuple[int, tuple[str, ...]], tuple[dict, list[tuple[str, str]]]] = {}
