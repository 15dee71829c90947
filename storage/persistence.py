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


async def save_conversation(db: Database, name: str, key: str, state: Any) -> None:
    if state is None:
        await db.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))
    else:
        await db.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            (name, key, json.dumps(state)),
        )


async def load_drafts(db: Database) -> dict[int, dict[str, Any]]:
    rows = await db.fetchall("SELECT telegram_id, data FROM user_drafts")
    return {int(r["telegram_id"]): json.loads(r["data"]) for r in rows}


async def save_draft(db: Database, telegram_id: int, data: dict[str, Any], at: datetime) -> None:
    if not data:
        await drop_draft(db, telegram_id)
        return
    await db.execute(
        "INSERT INTO user_drafts (telegram_id, data, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (telegram_id, json.dumps(data, ensure_ascii=False), to_db(at)),
    )


async def drop_draft(db: Database, telegram_id: int) -> None:
    await db.execute("DELETE FROM user_drafts WHERE telegram_id = ?", (telegram_id,))


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
