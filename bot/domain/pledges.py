"""Pledges to the study-promotion funds: the funds, purposes, statuses and ways to pay."""

from __future__ import annotations

from bot.i18n import N_

FUND_LABELS: dict[str, str] = {
    "city": N_("The city's study-promotion fund"),
    "ward": N_("A commune or ward's fund"),
    "school": N_("A school or unit's fund"),
    "clan": N_("A clan's study-promotion fund"),
}

PURPOSE_LABELS: dict[str, str] = {
    "hardship": N_("Pupils in especially difficult circumstances"),
    "remote": N_("Pupils in mountain, remote and island areas"),
    "awards": N_("Awards for excellent pupils and teachers"),
    "general": N_("Wherever it is needed most"),
}

STATUS_LABELS: dict[str, str] = {
    "pending": N_("⏳ waiting for the money"),
    "received": N_("✅ received"),
    "rejected": N_("✖️ not accepted"),
    "cancelled": N_("cancelled"),
}

METHOD_LABELS: dict[str, str] = {
    "transfer": N_("Bank transfer (VietQR)"),
    "cash": N_("Cash at the Association's office"),
}

ANONYMOUS = N_("Anonymous benefactor")
