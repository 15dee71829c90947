"""Announcements and their outbox: every recipient's delivery is a row before anything is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Database
from storage.timefmt import from_db, to_db

ACTIVE = ("sending", "paused")
FINAL = ("done", "cancelled", "missed")


@dataclass(frozen=True)
class BroadcastDraft:
    text_vi: str
    segment: str
    scheduled_at: datetime
    source: str = "officer"
    created_by: int | None = None
    entities_vi: list[dict[str, Any]] | None = None
    text_en: str | None = None
    entities_en: list[dict[str, Any]] | None = None
    photo: str | None = None
    action: str | None = None
    quiet_exempt: bool = False
    campaign_key: str | None = None
    progress_chat: int | None = None


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int | None
    source: str
    status: str
    text_vi: str
    entities_vi: list[dict[str, Any]] | None
    text_en: str | None
    entities_en: list[dict[str, Any]] | None
    photo: str | None
    action: str | None
    segment: str
    scheduled_at: datetime
    quiet_exempt: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    progress_chat: int | None
    progress_msg: int | None
    campaign_key: str | None
    held_at: datetime | None = None


def _json(value: list[dict[str, Any]] | None) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


def _entities(text: str | None) -> list[dict[str, Any]] | None:
    return json.loads(text) if text else None


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        source=row["source"],
        status=row["status"],
        text_vi=row["text_vi"],
        entities_vi=_entities(row["entities_vi"]),
        text_en=row["text_en"],
        entities_en=_entities(row["entities_en"]),
        photo=row["photo"],
        action=row["action"],
        segment=row["segment"],
        scheduled_at=from_db(row["scheduled_at"]),
        quiet_exempt=bool(row["quiet_exempt"]),
        created_at=from_db(row["created_at"]),
        started_at=_moment(row["started_at"]),
        finished_at=_moment(row["finished_at"]),
        total=row["total"],
        progress_chat=row["progress_chat"],
        progress_msg=row["progress_msg"],
        campaign_key=row["campaign_key"],
        held_at=_moment(row["held_at"]),
    )


# --- audiences ------------------------------------------------------------------------------


def audience_sql(segment: str) -> tuple[str, tuple[object, ...]]:
    """SELECT person_id, language of the reachable subscribers in a segment."""
    kind, _, value = segment.partition(":")
    base = "SELECT u.person_id, u.language FROM users u"
    where = "u.subscribed = 1 AND u.reachable = 1"
    if kind == "all":
        return f"{base} WHERE {where}", ()
    if kind == "language":
        return f"{base} WHERE {where} AND u.language = ?", (value,)
    if kind == "donors":
        donors = (
            "SELECT DISTINCT person_id FROM pledges"
            " WHERE person_id IS NOT NULL AND status IN ('pending', 'received')"
        )
        return f"{base} WHERE {where} AND u.person_id IN ({donors})", ()
    member_join = f"{base} JOIN members m ON m.person_id = u.person_id WHERE {where}"
    if kind == "members":
        return member_join, ()
    if kind == "ward":
        return f"{member_join} AND m.ward_code = ?", (int(value),)
    if kind == "category":
        return f"{member_join} AND m.category = ?", (value,)
    raise ValueError(f"unknown segment {segment!r}")


async def audience_size(db: Database, segment: str) -> int:
    sql, params = audience_sql(segment)
    row = await db.fetchone(f"SELECT COUNT(*) FROM ({sql})", params)
    return int(row[0]) if row else 0


# --- broadcasts -----------------------------------------------------------------------------


async def create_broadcast(db: Database, draft: BroadcastDraft, at: datetime) -> Broadcast:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO broadcasts (created_by, source, status, text_vi, entities_vi, text_en,"
            " entities_en, photo, action, segment, scheduled_at, quiet_exempt, created_at,"
            " campaign_key, progress_chat)"
            " VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.created_by,
                draft.source,
                draft.text_vi,
                _json(draft.entities_vi),
                draft.text_en,
                _json(draft.entities_en),
                draft.photo,
                draft.action,
                draft.segment,
                to_db(draft.scheduled_at),
                int(draft.quiet_exempt),
                to_db(at),
                draft.campaign_key,
                draft.progress_chat,
            ),
        )
        broadcast_id = cur.lastrowid
    found = await get_broadcast(db, int(broadcast_id or 0))
    assert found is not None
    return found


async def get_broadcast(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def broadcast_by_campaign_key(db: Database, key: str) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE campaign_key = ?", (key,))
    return _broadcast(row) if row else None


async def recent_broadcasts(
    db: Database, limit: int = 10, segment: str | None = None
) -> list[Broadcast]:
    """Open ones first, then the latest; only those to `segment` when given (a scoped officer)."""
    where, params = ("WHERE segment = ?", (segment,)) if segment else ("", ())
    rows = await db.fetchall(
        f"SELECT * FROM broadcasts {where} ORDER BY"
        " CASE WHEN status IN ('scheduled', 'sending', 'paused') THEN 0 ELSE 1 END,"
        " scheduled_at DESC, id DESC LIMIT ?",
        (*params, limit),
    )
    return [_broadcast(r) for r in rows]


async def campaign_broadcasts(db: Database) -> list[Broadcast]:
    rows = await db.fetchall(
        "SELECT * FROM broadcasts WHERE campaign_key IS NOT NULL ORDER BY scheduled_at, id"
    )
    return [_broadcast(r) for r in rows]


async def scheduled_broadcasts(db: Database) -> list[Broadcast]:
    rows = await db.fetchall(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND held_at IS NULL"
        " ORDER BY scheduled_at, id"
    )
    return [_broadcast(r) for r in rows]


async def broadcasts_with_status(db: Database, *statuses: str) -> list[Broadcast]:
    marks = ", ".join("?" for _ in statuses)
    rows = await db.fetchall(
        f"SELECT * FROM broadcasts WHERE status IN ({marks}) ORDER BY started_at, id", statuses
    )
    return [_broadcast(r) for r in rows]


async def set_status(
    db: Database, broadcast_id: int, status: str, *, only_from: tuple[str, ...] = ()
) -> bool:
    """Change the status; with `only_from`, only when the current status is one of those."""
    sql = "UPDATE broadcasts SET status = ? WHERE id = ?"
    params: tuple[object, ...] = (status, broadcast_id)
    if only_from:
        sql += f" AND status IN ({', '.join('?' for _ in only_from)})"
        params += only_from
    return await db.execute(sql, params) == 1


async def reschedule(db: Database, broadcast_id: int, at: datetime) -> bool:
    changed = await db.execute(
        "UPDATE broadcasts SET scheduled_at = ? WHERE id = ? AND status = 'scheduled'",
        (to_db(at), broadcast_id),
    )
    return changed == 1


async def update_texts(
    db: Database,
    broadcast_id: int,
    text_vi: str,
    text_en: str | None,
    at: datetime | None = None,
    segment: str | None = None,
) -> None:
    """New texts (and, while still scheduled, a new time or audience) for a broadcast."""
    await db.execute(
        "UPDATE broadcasts SET text_vi = ?, text_en = ?,"
        " scheduled_at = COALESCE(?, scheduled_at), segment = COALESCE(?, segment)"
        " WHERE id = ?",
        (text_vi, text_en, to_db(at) if at else None, segment, broadcast_id),
    )


async def update_scheduled_campaign(
    db: Database,
    broadcast_id: int,
    *,
    text_vi: str,
    text_en: str | None,
    at: datetime,
    segment: str,
    source: str,
    action: str | None,
    photo: str | None,
) -> bool:
    """A reloaded calendar entry, only while it has not started; True when anything changed."""
    changed = await db.execute(
        "UPDATE broadcasts SET text_vi = ?, text_en = ?, scheduled_at = ?, segment = ?,"
        " source = ?, action = ?, photo = ? WHERE id = ? AND status = 'scheduled'"
        " AND (text_vi, COALESCE(text_en, ''), scheduled_at, segment, source,"
        "      COALESCE(action, ''), COALESCE(photo, ''))"
        "  IS NOT (?, COALESCE(?, ''), ?, ?, ?, COALESCE(?, ''), COALESCE(?, ''))",
        (
            text_vi,
            text_en,
            to_db(at),
            segment,
            source,
            action,
            photo,
            broadcast_id,
            text_vi,
            text_en,
            to_db(at),
            segment,
            source,
            action,
            photo,
        ),
    )
    return changed == 1


async def set_photo(db: Database, broadcast_id: int, file_id: str) -> None:
    await db.execute("UPDATE broadcasts SET photo = ? WHERE id = ?", (file_id, broadcast_id))


async def set_progress_message(db: Database, broadcast_id: int, chat: int, message: int) -> None:
    await db.execute(
        "UPDATE broadcasts SET progress_chat = ?, progress_msg = ? WHERE id = ?",
        (chat, message, broadcast_id),
    )


async def start_broadcast(db: Database, broadcast_id: int, at: datetime) -> bool:
    """Write the outbox (one row per recipient) and mark the broadcast as sending, atomically."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT segment FROM broadcasts WHERE id = ? AND status = 'scheduled'",
            (broadcast_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return False
        sql, params = audience_sql(row["segment"])
        await conn.execute(
            f"INSERT INTO deliveries (broadcast_id, person_id, language) SELECT ?, * FROM ({sql})",
            (broadcast_id, *params),
        )
        await conn.execute(
            "UPDATE broadcasts SET status = 'sending', started_at = ?,"
            " total = (SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?) WHERE id = ?",
            (to_db(at), broadcast_id, broadcast_id),
        )
    return True


async def finish_broadcast(db: Database, broadcast_id: int, at: datetime) -> bool:
    changed = await db.execute(
        "UPDATE broadcasts SET status = 'done', finished_at = ?"
        " WHERE id = ? AND status = 'sending'",
        (to_db(at), broadcast_id),
    )
    return changed == 1


async def mark_missed(db: Database, broadcast_id: int, at: datetime) -> bool:
    changed = await db.execute(
        "UPDATE broadcasts SET status = 'missed', finished_at = ?"
        " WHERE id = ? AND status = 'scheduled'",
        (to_db(at), broadcast_id),
    )
    return changed == 1


async def hold_broadcasts_of(
    db: Database, author: int, at: datetime, keep_segment: str | None = None
) -> list[int]:
    """Hold the author's scheduled and running announcements for an administrator (those to
    `keep_segment`, the author's new ward, excepted); running ones are paused. Each hold is
    audited in the same transaction. Returns the ids held."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE broadcasts SET held_at = ?,"
            " status = CASE WHEN status = 'sending' THEN 'paused' ELSE status END"
            " WHERE created_by = ? AND status IN ('scheduled', 'sending', 'paused')"
            " AND held_at IS NULL AND (? IS NULL OR segment != ?) RETURNING id",
            (to_db(at), author, keep_segment, keep_segment),
        ) as cursor:
            held = sorted(int(r[0]) for r in await cursor.fetchall())
        await conn.executemany(
            "INSERT INTO audit (at, actor, action, target, outcome, detail)"
            " VALUES (?, NULL, 'broadcast.hold', ?, 'ok', NULL)",
            [(to_db(at), f"broadcast:{i}") for i in held],
        )
    return held


async def release_broadcast(db: Database, broadcast_id: int) -> bool:
    """An administrator lets a held announcement go on: scheduled, it waits for its time;
    paused, it waits for Resume."""
    changed = await db.execute(
        "UPDATE broadcasts SET held_at = NULL WHERE id = ? AND held_at IS NOT NULL"
        " AND status IN ('scheduled', 'sending', 'paused')",
        (broadcast_id,),
    )
    return changed == 1
