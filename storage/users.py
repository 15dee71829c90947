"""Users who have talked to the bot, and their language."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db

# A person wrote: their users row on first contact (with `language`), else last seen moves on;
# returns the language kept for them. Parameters: person id, language, first seen, last seen.
SEEN = (
    "INSERT INTO users (person_id, language, first_seen_at, last_seen_at)"
    " VALUES (?, ?, ?, ?) ON CONFLICT (person_id)"
    " DO UPDATE SET last_seen_at = excluded.last_seen_at RETURNING language"
)


async def get_language(db: Database, person_id: int) -> str | None:
    row = await db.fetchone("SELECT language FROM users WHERE person_id = ?", (person_id,))
    return str(row["language"]) if row else None


async def ensure_user(db: Database, person_id: int, language: str, at: datetime) -> str:
    """Create the user on first contact with `language`; return the language kept for them."""
    rows = await db.write_returning(SEEN, (person_id, language, to_db(at), to_db(at)))
    return str(rows[0]["language"]) if rows else language


async def set_language(db: Database, person_id: int, language: str, at: datetime) -> None:
    await db.execute(
        "INSERT INTO users (person_id, language, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (person_id) DO UPDATE SET language = excluded.language,"
        " last_seen_at = excluded.last_seen_at",
        (person_id, language, to_db(at), to_db(at)),
    )


async def set_subscribed(db: Database, person_id: int, subscribed: bool) -> bool:
    """True when this changed anything."""
    changed = await db.execute(
        "UPDATE users SET subscribed = ? WHERE person_id = ? AND subscribed != ?",
        (int(subscribed), person_id, int(subscribed)),
    )
    return changed == 1


async def set_reachable(
    db: Database, person_id: int, reachable: bool, reason: str | None = None
) -> None:
    await db.execute(
        "UPDATE users SET reachable = ?, unreachable_reason = ? WHERE person_id = ?",
        (int(reachable), None if reachable else reason, person_id),
    )
