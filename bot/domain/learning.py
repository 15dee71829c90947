"""Learning models (families, clans, communities and units): kinds, review states, ratings."""

from __future__ import annotations

from bot.i18n import N_, Gettext, number

# The four models of the movement. The unit covers agencies, enterprises and armed-forces units
# (the issue cites Circular 22/2020/TT-BGDĐT for its assessment).
MODEL_KIND_LABELS: dict[str, str] = {
    "family": N_("Learning family"),
    "clan": N_("Learning clan"),
    "community": N_("Learning community"),
    "unit": N_("Learning unit"),
}
MODEL_STATUS_LABELS: dict[str, str] = {
    "submitted": N_("Waiting for review"),
    "approved": N_("Approved"),
    "changes_requested": N_("Changes requested"),
    "withdrawn": N_("Withdrawn or replaced"),
}
RATING_LABELS: dict[str, str] = {
    "excellent": N_("Excellent"),
    "good": N_("Good"),
    "fair": N_("Fair"),
    "not_met": N_("Not met"),
}

KIND_ICONS: dict[str, str] = {"family": "🏠", "clan": "🌳", "community": "🏘", "unit": "🏢"}
SIZE_LINES: dict[str, str] = {
    "family": N_("Family members: {value}"),
    "clan": N_("Clan members: {value}"),
    "community": N_("Residents: {value}"),
    "unit": N_("Staff: {value}"),
}
# A registration's state as registrants and officers see it in lists.
STATE_LABELS: dict[str, str] = {
    "submitted": N_("⏳ waiting for review"),
    "approved": N_("✅ approved"),
    "changes_requested": N_("✏️ changes requested"),
    "withdrawn": N_("replaced by a newer registration"),
}
STATE_ICONS: dict[str, str] = {
    "submitted": "⏳",
    "approved": "✅",
    "changes_requested": "✏️",
    "withdrawn": "↩️",
}


def model_number(model_id: int) -> str:
    return f"#{model_id}"


def kind_text(_: Gettext, kind: str) -> str:
    return f"{KIND_ICONS[kind]} {_(MODEL_KIND_LABELS[kind])}"


def size_text(_: Gettext, lang: str, kind: str, size: int) -> str:
    return _(SIZE_LINES[kind]).format(value=number(size, lang))
