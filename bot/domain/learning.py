"""Learning models (families, clans, communities and units): kinds, review states, ratings."""

from __future__ import annotations

from bot.i18n import N_

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
