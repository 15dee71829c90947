from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import fold
from bot.domain.wards import MAX_CHOICES, province_name, search_wards, ward_by_code, wards_of

HAI_PHONG = 31


def test_hai_phong_has_114_communes_and_wards() -> None:
    wards = wards_of(HAI_PHONG)
    assert len(wards) == 114
    assert len({w.code for w in wards}) == 114
    assert province_name(HAI_PHONG) == "Hải Phòng"


def test_search_ignores_diacritics_case_and_prefix() -> None:
    for query in ("ngo quyen", "Ngô Quyền", "NGO QUYEN", "phuong ngo quyen", "ngô  quyền"):
        assert [w.name for w in search_wards(HAI_PHONG, query)] == ["Phường Ngô Quyền"], query


def test_island_special_zones_are_found() -> None:
    assert [w.name for w in search_wards(HAI_PHONG, "bach long vi")] == ["Đặc khu Bạch Long Vĩ"]
    assert search_wards(HAI_PHONG, "cat hai")[0].name == "Đặc khu Cát Hải"


def test_exact_and_prefix_matches_come_first() -> None:
    results = search_wards(HAI_PHONG, "hai an")
    assert results[0].name == "Phường Hải An"
    assert len(search_wards(HAI_PHONG, "hai")) > MAX_CHOICES


def test_no_match() -> None:
    assert search_wards(HAI_PHONG, "xyz") == []
    assert search_wards(HAI_PHONG, "") == []
    assert search_wards(HAI_PHONG, "😀") == []


def test_lookup_by_code() -> None:
    ward = search_wards(HAI_PHONG, "le chan")[0]
    assert ward_by_code(HAI_PHONG, ward.code) == ward
    assert ward_by_code(HAI_PHONG, 1) is None


def test_fold() -> None:
    assert fold("Đặc khu Bạch Long Vĩ") == "dac khu bach long vi"
    assert fold("Thuỷ  Nguyên") == fold("Thủy Nguyên") == "thuy nguyen"


@given(st.text(max_size=200))
def test_search_never_crashes_and_respects_the_province(query: str) -> None:
    codes = {w.code for w in wards_of(HAI_PHONG)}
    assert all(w.code in codes for w in search_wards(HAI_PHONG, query))
