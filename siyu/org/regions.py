"""China's administrative divisions (province / city / district) by 6-digit adcode.

The data is the adcode table shipped inside the `cpca` package (names and centre
coordinates). We read its CSV directly instead of importing cpca, which would pull in
pandas and a word segmenter at start-up for a lookup table we only need to read.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Region:
    code: str  # 6 digits: PP0000 province, PPCC00 city, PPCCDD district
    name: str
    longitude: Decimal | None
    latitude: Decimal | None

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "district"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


def _data_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (administrative divisions) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@cache
def _regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    with _data_file().open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            lon, lat = row["longitude"], row["latitude"]
            regions[code] = Region(
                code, row["name"], Decimal(lon) if lon else None, Decimal(lat) if lat else None
            )
    # Municipalities (北京, 上海…) list their city level as "市辖区": name it after the province.
    for code, region in list(regions.items()):
        if region.level == "city" and region.name == "市辖区" and region.province_code in regions:
            regions[code] = Region(
                code, regions[region.province_code].name, region.longitude, region.latitude
            )
    return regions


def get(code: str) -> Region | None:
    return _regions().get((code or "")[:6])


def name(code: str) -> str:
    region = get(code)
    return region.name if region else ""


def _short(text: str) -> str:
    """'辽宁省' → '辽宁', '沈阳市' → '沈阳', so people may write either."""
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


@cache
def _by_short_name() -> dict[tuple[str, str], tuple[Region, ...]]:
    index: dict[tuple[str, str], list[Region]] = {}
    for region in _regions().values():
        index.setdefault((region.level, _short(region.name)), []).append(region)
    return {key: tuple(found) for key, found in index.items()}


def find(text: str, *, level: str, within: str = "") -> Region | None:
    """The region of `level` called `text` (a name with or without suffix, or an adcode).

    `within` (a province or city code) settles names used in several places (e.g. 朝阳区).
    """
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        region = get(text)
        return region if region and region.level == level else None
    prefix = within[: {"province": 0, "city": 2, "district": 4}[level]] if within else ""
    for region in _by_short_name().get((level, _short(text)), ()):
        if region.code.startswith(prefix):
            return region
    return None


@cache
def cities(province_code: str) -> tuple[Region, ...]:
    """Cities of a province that have coordinates."""
    prefix = province_code[:2]
    return tuple(
        r
        for r in _regions().values()
        if r.level == "city" and r.code.startswith(prefix) and r.latitude is not None
    )


@cache
def districts(city_code: str) -> tuple[Region, ...]:
    """Districts of a city that have coordinates."""
    prefix = city_code[:4]
    return tuple(
        r
        for r in _regions().values()
        if r.level == "district" and r.code.startswith(prefix) and r.latitude is not None
    )


@cache
def _city_points() -> tuple[tuple[float, float, float, Region], ...]:
    return tuple(
        (float(r.latitude), float(r.longitude), math.cos(math.radians(float(r.latitude))), r)
        for r in _regions().values()
        if r.level == "city" and r.latitude is not None and r.longitude is not None
    )


def nearest_city(latitude: float, longitude: float) -> Region | None:
    """The city whose centre is nearest to a point (equirectangular distance: exact enough
    to tell cities apart, and ~370 cities take well under a millisecond)."""
    best, best_d = None, math.inf
    for lat, lon, cos_lat, region in _city_points():
        dx, dy = (longitude - lon) * cos_lat, latitude - lat
        d = dx * dx + dy * dy
        if d < best_d:
            best, best_d = region, d
    return best
