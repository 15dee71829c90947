"""Live figures for the campaign's progress messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


@dataclass(frozen=True)
class CampaignFigures:
    new_members: int
    members: int
    pledged: int  # integer đồng
    received: int  # integer đồng


async def _has_table(db: Database, name: str) -> bool:
    row = await db.fetchone(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    )
    return row is not None


async def campaign_figures(
    db: Database, new_since: datetime, money_since: datetime
) -> CampaignFigures:
    row = await db.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?), 0) FROM members", (to_db(new_since),)
    )
    members, new_members = (int(row[0]), int(row[1])) if row else (0, 0)
    pledged = received = 0
    if await _has_table(db, "pledges"):
        money = await db.fetchone(
            "SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(received_amount), 0) FROM pledges"
            " WHERE created_at >= ? AND status IN ('pending', 'received')",
            (to_db(money_since),),
        )
        if money:
            pledged, received = int(money[0]), int(money[1])
    return CampaignFigures(new_members, members, pledged, received)
