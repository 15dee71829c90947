"""Announcements: the states an announcement goes through, as officers read them."""

from __future__ import annotations

from bot.i18n import N_, Gettext

BROADCAST_STATUS_LABELS: dict[str, str] = {
    "scheduled": N_("🕒 scheduled"),
    "sending": N_("📤 sending"),
    "paused": N_("⏸ paused"),
    "done": N_("✅ done"),
    "cancelled": N_("✖️ cancelled"),
    "missed": N_("⚠️ missed"),
}


def status_label(status: str, _: Gettext) -> str:
    return _(BROADCAST_STATUS_LABELS[status]) if status in BROADCAST_STATUS_LABELS else status
