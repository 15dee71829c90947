"""SQL behind the bot's conversation persistence: states and drafts, stored as JSON by person.

A messenger library keys them by its own account ids; these functions translate through
`accounts`, so that the rows themselves only name the person."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.timefmt import to_db

_PERSON = "(SELECT person_id FROM accounts WHERE channel = ? AND external_id = ?)"


async def load_conversations(db: Database, name: str, channel: str) -> dict[str, Any]:
    """The states of conversation `name`, by account id on `channel`."""
    rows = await db.fetchall(
        "SELECT a.external_id, c.state FROM conversations AS c"
        " JOIN accounts AS a ON a.person_id = c.person_id AND a.channel = ?"
        " WHERE c.name = ?",
        (channel, name),
    )
    return {r["external_id"]: json.loads(r["state"]) for r in rows}


async def load_drafts(db: Database, channel: str) -> dict[str, dict[str, Any]]:
    """Everyone's drafts, by account id on `channel`."""
    rows = await db.fetchall(
        "SELECT a.external_id, d.data FROM user_drafts AS d"
        " JOIN accounts AS a ON a.person_id = d.person_id AND a.channel = ?",
        (channel,),
    )
    return {r["external_id"]: json.loads(r["data"]) for r in rows}


async def save_batch(
    db: Database,
    channel: str,
    drafts: dict[str, dict[str, Any] | None],
    conversations: dict[tuple[str, str], Any],
    at: datetime,
) -> None:
    """Many drafts (by account id) and conversation states (by name and account id) in one
    transaction; None deletes. An account unknown to `accounts` has nothing to keep."""
    moment = to_db(at)
    gone = [(channel, account) for account, data in drafts.items() if not data]
    kept = [
        (json.dumps(data, ensure_ascii=False), moment, channel, account)
        for account, data in drafts.items()
        if data
    ]
    ended = [
        (name, channel, account)
        for (name, account), state in conversations.items()
        if state is None
    ]
    going = [
        (name, json.dumps(state), channel, account)
        for (name, account), state in conversations.items()
        if state is not None
    ]
    async with db.transaction() as conn:
        if gone:
            await conn.executemany(f"DELETE FROM user_drafts WHERE person_id = {_PERSON}", gone)
        if kept:
            await conn.executemany(
                "INSERT INTO user_drafts (person_id, data, updated_at)"
                " SELECT person_id, ?, ? FROM accounts WHERE channel = ? AND external_id = ?"
                " ON CONFLICT (person_id) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                kept,
            )
        if ended:
            await conn.executemany(
                f"DELETE FROM conversations WHERE name = ? AND person_id = {_PERSON}", ended
            )
        if going:
            await conn.executemany(
                "INSERT INTO conversations (name, person_id, state)"
                " SELECT ?, person_id, ? FROM accounts WHERE channel = ? AND external_id = ?"
                " ON CONFLICT (name, person_id) DO UPDATE SET state = excluded.state",
                going,
            )
