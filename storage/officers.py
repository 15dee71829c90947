"""Officers kept in SQLite (administrators come from the ADMIN_IDS setting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Officer:
    telegram_id: int
    added_by: str
    added_at: datetime


async def add_officer(db: Database, telegram_id: int, added_by: str, at: datetime) -> bool:
    """Add an officer; False when they already were one."""
    changed = await db.execute(
        "INSERT INTO officers (telegram_id, added_by, added_at) VALUES (?, ?, ?)"
        " ON CONFLICT (telegram_id) DO NOTHING",
        (telegram_id, added_by, to_db(at)),
    )
    return changed == 1


async def remove_officer(db: Database, telegram_id: int) -> bool:
    return await db.execute("DELETE FROM officers WHERE telegram_id = ?", (telegram_id,)) == 1


async def is_officer(db: Database, telegram_id: int) -> bool:
    row = await db.fetchone("SELECT 1 FROM officers WHERE telegram_id = ?", (telegram_id,))
    return row is not None


async def list_officers(db: Database) -> list[Officer]:
    rows = await db.fetchall("SELECT * FROM officers ORDER BY added_at, telegram_id")
    return [Officer(r["telegram_id"], r["added_by"], from_db(r["added_at"])) for r in rows]
