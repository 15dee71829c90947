"""Audiences of announcements, as short strings: 'all', 'members', 'donors', 'ward:11311',
'category:teacher', 'language:en'. A rule of the domain: parsed and checked here, turned into
SQL in storage/."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.wards import is_exact, search_wards, ward_by_code
from bot.i18n import Gettext
from storage.members import CATEGORIES

KINDS = ("all", "members", "donors", "ward", "category", "language")


class SegmentError(ValueError):
    """The segment is not one we know; the message says which are."""


@dataclass(frozen=True)
class Segment:
    kind: str
    value: str | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def parse_segment(text: str, province_code: int) -> Segment:
    """'ward:ngo quyen' and 'ward:11311' both give the ward's code; raises SegmentError."""
    kind, _, value = text.strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind in ("all", "members", "donors") and not value:
        return Segment(kind)
    if kind == "ward" and value:
        if value.isascii() and value.isdigit() and ward_by_code(province_code, int(value)):
            return Segment("ward", value)
        found = search_wards(province_code, value)
        if len(found) == 1 or (found and is_exact(found[0], value)):
            return Segment("ward", str(found[0].code))
        if found:
            names = ", ".join(w.name for w in found[:5])
            raise SegmentError(f"ward {value!r} is ambiguous: {names}; give its code")
        raise SegmentError(f"no commune or ward matches {value!r}")
    if kind == "category" and value in CATEGORIES:
        return Segment("category", value)
    if kind == "language" and value in ("vi", "en"):
        return Segment("language", value)
    raise SegmentError(
        f"unknown segment {text!r}: use all, members, donors, ward:CODE, "
        f"category:{'|'.join(CATEGORIES)} or language:vi|en"
    )


def describe(segment: Segment, _: Gettext, province_code: int, categories: dict[str, str]) -> str:
    if segment.kind == "all":
        return _("all subscribers")
    if segment.kind == "members":
        return _("members of the Association")
    if segment.kind == "donors":
        return _("donors who have pledged to the funds")
    if segment.kind == "ward" and segment.value:
        ward = ward_by_code(province_code, int(segment.value))
        return _("members in {ward}").format(ward=ward.name if ward else segment.value)
    if segment.kind == "category" and segment.value:
        return _("members in the group: {category}").format(
            category=_(categories.get(segment.value, segment.value))
        )
    if segment.kind == "language":
        return (
            _("subscribers who read Vietnamese")
            if segment.value == "vi"
            else _("subscribers who read English")
        )
    return str(segment)


def segment_text(segment: str, _: Gettext, province_code: int) -> str:
    """A stored segment ('ward:11341', 'category:teacher', ...) in words."""
    from bot.domain.members import CATEGORY_LABELS

    kind, _sep, value = segment.partition(":")
    return describe(Segment(kind, value or None), _, province_code, CATEGORY_LABELS)
