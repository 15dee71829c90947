"""SQL behind the bot's conversation persistence: states and per-user drafts, stored as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.timefmt import to_db


async def load_conversations(db: Database, name: str) -> dict[str, Any]:
    rows = await db.fetchall("SELECT key, state FROM conversations WHERE name = ?", (name,))
    return {r["key"]: json.loads(r["state"]) for r in rows}


async def load_drafts(db: Database) -> dict[int, dict[str, Any]]:
    rows = await db.fetchall("SELECT telegram_id, data FROM user_drafts")
    return {int(r["telegram_id"]): json.loads(r["data"]) for r in rows}


async def save_batch(
    db: Database,
    drafts: dict[int, dict[str, Any] | None],
    conversations: dict[tuple[str, str], Any],
    at: datetime,
) -> None:
    """Many drafts and conversation states in one transaction (None deletes)."""
    moment = to_db(at)
    gone = [(user,) for user, data in drafts.items() if not data]
    kept = [
        (user, json.dumps(data, ensure_ascii=False), moment)
        for user, data in drafts.items()
        if data
    ]
    ended = [(name, key) for (name, key), state in conversations.items() if state is None]
    going = [
        (name, key, json.dumps(state))
        for (name, key), state in conversations.items()
        if state is not None
    ]
    async with db.transaction() as conn:
        if gone:
            await conn.executemany("DELETE FROM user_drafts WHERE telegram_id = ?", gone)
        if kept:
            await conn.executemany(
                "INSERT INTO user_drafts (telegram_id, data, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                kept,
            )
        if ended:
            await conn.executemany("DELETE FROM conversations WHERE name = ? AND key = ?", ended)
        if going:
            await conn.executemany(
                "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
                " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                going,
            )
