"""Administrative divisions by name or code, from the data shipped in cpca."""

import pytest

from siyu.org import regions


@pytest.mark.parametrize(
    ("text", "level", "within", "code"),
    [
        ("辽宁", "province", "", "210000"),
        ("辽宁省", "province", "", "210000"),
        ("210000", "province", "", "210000"),
        ("沈阳", "city", "210000", "210100"),
        ("上海市", "city", "", "310100"),
        ("朝阳区", "district", "110100", "110105"),
        ("朝阳区", "district", "220100", "220104"),
    ],
)
def test_find(text: str, level: str, within: str, code: str) -> None:
    assert regions.find(text, level=level, within=within).code == code


def test_unknown_or_wrong_level_is_none() -> None:
    assert regions.find("火星", level="city") is None
    assert regions.find("210100", level="province") is None
    assert regions.find("沈阳", level="city", within="440000") is None


def test_municipality_city_is_named_after_it() -> None:
    assert regions.name("110100") == "北京市"
    assert all(c.code.startswith("44") and c.level == "city" for c in regions.cities("440000"))
