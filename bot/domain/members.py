"""Members of the Association: who they are (categories) and the notice they agree to."""

from __future__ import annotations

from bot.i18n import N_

# The version of the personal-data notice shown before joining, recorded with each consent.
NOTICE_VERSION = "2026-11-29"

CATEGORY_LABELS: dict[str, str] = {
    "party_member": N_("Party member"),
    "teacher": N_("Teacher"),
    "pupil": N_("Pupil or student"),
    "parent": N_("Parent"),
    "worker": N_("Worker or employee"),
    "retired": N_("Retired"),
    "other": N_("Other"),
}
