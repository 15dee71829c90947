"""People and the messenger accounts that reach them: the only place that knows channel ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.timefmt import to_db
from storage.users import SEEN

CHANNELS = ("telegram", "zalo")


@dataclass(frozen=True)
class Account:
    channel: str
    external_id: str


@dataclass(frozen=True)
class Person:
    id: int
    language: str


def _checked(channel: str, external_id: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if not 1 <= len(external_id) <= 64:
        raise ValueError("an account id is 1 to 64 characters")


async def person_of(db: Database, channel: str, external_id: str) -> int | None:
    """The person an account belongs to, or None when it never wrote (or was erased)."""
    row = await db.fetchone(
        "SELECT person_id FROM accounts WHERE channel = ? AND external_id = ?",
        (channel, external_id),
    )
    return int(row["person_id"]) if row else None


async def _person_in(
    conn: aiosqlite.Connection, channel: str, external_id: str, moment: str
) -> int:
    """Inside a write transaction: the account's person, created with the account if new."""
    _checked(channel, external_id)
    async with conn.execute(
        "SELECT person_id FROM accounts WHERE channel = ? AND external_id = ?",
        (channel, external_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is not None:
        return int(row[0])
    async with conn.execute(
        "INSERT INTO people (created_at) VALUES (?) RETURNING id", (moment,)
    ) as cursor:
        created = await cursor.fetchone()
    assert created is not None
    await conn.execute(
        "INSERT INTO accounts (channel, external_id, person_id, created_at) VALUES (?, ?, ?, ?)",
        (channel, external_id, int(created[0]), moment),
    )
    return int(created[0])


async def ensure_person(
    db: Database, channel: str, external_id: str, language: str, at: datetime
) -> Person:
    """The account's person, created on first contact with `language`; last seen is `at`.
    The account, the person and their users row appear together, in one transaction."""
    moment = to_db(at)
    async with db.transaction() as conn:
        person_id = await _person_in(conn, channel, external_id, moment)
        async with conn.execute(SEEN, (person_id, language, moment, moment)) as cursor:
            kept = await cursor.fetchone()
    return Person(person_id, str(kept[0]) if kept else language)


async def person_for_account(db: Database, channel: str, external_id: str, at: datetime) -> int:
    """The account's person, created without a users row when it never wrote: an
    administrator may grant a role to an account before its owner talks to the bot."""
    async with db.transaction() as conn:
        return await _person_in(conn, channel, external_id, to_db(at))


async def accounts_of(db: Database, person_id: int) -> list[Account]:
    rows = await db.fetchall(
        "SELECT channel, external_id FROM accounts WHERE person_id = ? ORDER BY channel,"
        " created_at",
        (person_id,),
    )
    return [Account(r["channel"], r["external_id"]) for r in rows]


async def reach(db: Database, person_id: int) -> Account | None:
    """The account messages to a person go to: the one they reached the bot from first."""
    row = await db.fetchone(
        "SELECT channel, external_id FROM accounts WHERE person_id = ?"
        " ORDER BY created_at, channel LIMIT 1",
        (person_id,),
    )
    return Account(row["channel"], row["external_id"]) if row else None


async def telegram_chat(db: Database, person_id: int) -> int | None:
    """The Telegram chat that reaches a person (private chats: the account id), if any."""
    row = await db.fetchone(
        "SELECT external_id FROM accounts WHERE person_id = ? AND channel = 'telegram'",
        (person_id,),
    )
    return int(row["external_id"]) if row else None
