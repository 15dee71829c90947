"""The province's communes and wards (two-level since the 2025 reform), and their search."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward

from bot.domain.text import fold

MAX_CHOICES = 8
_PREFIXES = ("phuong ", "xa ", "dac khu ", "thi tran ")


@dataclass(frozen=True)
class WardInfo:
    code: int
    name: str
    folded: str  # name without its "Phường/Xã/Đặc khu" prefix, diacritics folded


def province_exists(code: int) -> bool:
    try:
        Province.from_code(ProvinceCode(code))
    except ValueError:
        return False
    return True


def province_name(code: int) -> str:
    """The province's name as people say it: "Hải Phòng", not "Thành phố Hải Phòng"."""
    name = Province.from_code(ProvinceCode(code)).name
    for prefix in ("Thành phố ", "Tỉnh "):
        name = name.removeprefix(prefix)
    return name


def _strip_prefix(folded: str) -> str:
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


@cache
def wards_of(province_code: int) -> tuple[WardInfo, ...]:
    wards = Ward.iter_by_province(ProvinceCode(province_code))
    infos = [WardInfo(int(w.code), w.name, _strip_prefix(fold(w.name))) for w in wards]
    return tuple(sorted(infos, key=lambda w: w.folded))


def ward_by_code(province_code: int, code: int) -> WardInfo | None:
    return next((w for w in wards_of(province_code) if w.code == code), None)


def is_exact(ward: WardInfo, query: str) -> bool:
    return ward.folded == _strip_prefix(fold(query))


def search_wards(province_code: int, query: str) -> list[WardInfo]:
    """Wards whose name matches every word of the query, best matches first.

    Diacritics and the "phường"/"xã" prefix are optional: "ngo quyen" finds "Phường Ngô Quyền".
    """
    q = _strip_prefix(fold(query))
    words = q.split()
    if not words or not any(ch.isalnum() for ch in q):
        return []

    def rank(ward: WardInfo) -> int | None:
        if ward.folded == q:
            return 0
        if ward.folded.startswith(q):
            return 1
        name_words = ward.folded.split()
        if all(any(nw.startswith(w) for nw in name_words) for w in words):
            return 2
        if q in ward.folded:
            return 3
        return None

    ranked = [(r, w) for w in wards_of(province_code) if (r := rank(w)) is not None]
    ranked.sort(key=lambda rw: (rw[0], rw[1].folded))
    return [w for _, w in ranked]


def resolve_ward(province_code: int, text: str) -> WardInfo | list[WardInfo]:
    """One ward from its code or a name ('ngo quyen'), or the candidates when that is not one
    (an empty list: nothing matches)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) < 9:
        found = ward_by_code(province_code, int(text))
        return found if found is not None else []
    candidates = search_wards(province_code, text[:100])
    exact = [w for w in candidates if is_exact(w, text)]
    if len(candidates) == 1 or len(exact) == 1:
        return candidates[0] if len(candidates) == 1 else exact[0]
    return candidates


def area_name(province_code: int, ward: int | None, ward_name: str | None = None) -> str:
    """The province, or the commune or ward a scoped officer works for."""
    if ward is None:
        return province_name(province_code)
    found = ward_by_code(province_code, ward)
    return ward_name or (found.name if found else str(ward))
