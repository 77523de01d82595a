"""Which store's storefront a customer lands on (docs/commerce.md, "Storefront routing").

Routing runs on every storefront entry, so what it needs of a brand — its open stores with
coordinates and city, its mode, the branch storefronts — is read once and kept in the
process for `CACHE_SECONDS` (a store opened or closed is seen within that).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from siyu.org import regions
from siyu.org.models import Store, StoreStatus

CACHE_SECONDS = 60.0


class Reason:
    SHARE = "share"  # the sharing guide's store
    BOUND = "bound"  # the customer's own store
    NEAREST = "nearest"  # the nearest open store to where the customer is
    BRANCH = "branch"  # "1 + N": the store of the branch covering the customer's city
    HQ = "hq"  # the brand's HQ store, when nothing else decides


@dataclass(frozen=True)
class Route:
    store_id: int
    reason: str
    city_code: str = ""  # the city the location was placed in (branch routing)


@dataclass(frozen=True)
class _Brand:
    routing: str
    hq_store_id: int | None
    open_ids: frozenset[int]
    points: tuple[tuple[float, float, float, int], ...]  # lat, lon, cos(lat), store id
    by_region: dict[str, int]  # region code (city or province) → branch storefront store


_brands: dict[int, tuple[float, _Brand]] = {}
_lock = threading.Lock()


def caches_clear() -> None:
    _brands.clear()


def _load(brand_id: int) -> _Brand:
    from siyu.commerce.models import BranchStorefront, BrandStorefront, Routing

    settings = BrandStorefront.objects.filter(brand_id=brand_id).first()
    stores = Store.objects.filter(brand_id=brand_id, status=StoreStatus.OPEN)
    open_ids = frozenset(stores.values_list("pk", flat=True))
    points = tuple(
        (float(lat), float(lon), math.cos(math.radians(float(lat))), pk)
        for pk, lat, lon in stores.values_list("pk", "latitude", "longitude")
        if lat is not None and lon is not None
    )
    by_region: dict[str, int] = {}
    for codes, store_id in BranchStorefront.objects.filter(
        branch__brand_id=brand_id, store__status=StoreStatus.OPEN
    ).values_list("branch__region_codes", "store_id"):
        for code in codes or ():
            by_region.setdefault(str(code)[:6], store_id)
    return _Brand(
        routing=settings.routing if settings else Routing.NEAREST,
        hq_store_id=settings.hq_store_id if settings else None,
        open_ids=open_ids,
        points=points,
        by_region=by_region,
    )


def _brand(brand_id: int) -> _Brand:
    cached = _brands.get(brand_id)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        loaded = _load(brand_id)
        _brands[brand_id] = (time.monotonic(), loaded)
        return loaded


def nearest_store(brand: _Brand, latitude: float, longitude: float) -> int | None:
    """The open store nearest to a point (equirectangular: plenty to rank stores by)."""
    best, best_d = None, math.inf
    for lat, lon, cos_lat, store_id in brand.points:
        dx, dy = (longitude - lon) * cos_lat, latitude - lat
        d = dx * dx + dy * dy
        if d < best_d:
            best, best_d = store_id, d
    return best


def storefront_route(
    *,
    brand_id: int,
    share_store_id: int | None = None,
    home_store_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    city_code: str = "",
) -> Route | None:
    """The store whose storefront serves this customer, and why (None: the brand has no open
    store and no HQ store). The caller resolves the share code and the customer first."""
    from siyu.commerce.models import Routing

    brand = _brand(brand_id)
    if share_store_id in brand.open_ids:
        return Route(share_store_id, Reason.SHARE)  # type: ignore[arg-type]
    if home_store_id in brand.open_ids:
        return Route(home_store_id, Reason.BOUND)  # type: ignore[arg-type]
    located = latitude is not None and longitude is not None
    if brand.routing == Routing.BRANCH:
        if not city_code and located:
            city = regions.nearest_city(latitude, longitude)  # type: ignore[arg-type]
            city_code = city.code if city else ""
        if city_code:
            city_code = city_code[:4] + "00"
            store_id = brand.by_region.get(city_code) or brand.by_region.get(city_code[:2] + "0000")
            if store_id is not None:
                return Route(store_id, Reason.BRANCH, city_code)
    elif located:
        store_id = nearest_store(brand, latitude, longitude)  # type: ignore[arg-type]
        if store_id is not None:
            return Route(store_id, Reason.NEAREST)
    if brand.hq_store_id in brand.open_ids:
        return Route(brand.hq_store_id, Reason.HQ, city_code)  # type: ignore[arg-type]
    return None
