"""The announcements' outbox: one row per recipient, written before anything is sent, claimed
a page at a time, and each outcome recorded as soon as the messenger answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Delivery:
    broadcast_id: int
    person_id: int
    language: str
    attempts: int
    channel: str | None = None  # the account that reaches the person; None: none is left
    address: str | None = None


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int = 0
    sending: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.sent + self.unreachable + self.failed


async def requeue_in_flight(db: Database, broadcast_id: int | None = None) -> int:
    """Deliveries left 'sending' (by a crash, or a fault) go back to the queue."""
    if broadcast_id is None:
        return await db.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")
    return await db.execute(
        "UPDATE deliveries SET status = 'pending' WHERE broadcast_id = ? AND status = 'sending'",
        (broadcast_id,),
    )


async def claim_deliveries(
    db: Database, broadcast_id: int, limit: int, now: datetime
) -> list[Delivery]:
    """Take up to `limit` deliveries that are due, and mark them as being sent (one statement)."""
    rows = await db.write_returning(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1"
        " WHERE (broadcast_id, person_id) IN ("
        "  SELECT broadcast_id, person_id FROM deliveries"
        "  WHERE broadcast_id = ? AND status = 'pending'"
        "  AND (next_try_at IS NULL OR next_try_at <= ?)"
        # Paused, cancelled or held from another process: nothing more is taken.
        "  AND EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND status = 'sending')"
        "  ORDER BY person_id LIMIT ?)"
        " RETURNING person_id, language, attempts",
        (broadcast_id, to_db(now), broadcast_id, limit),
    )
    if not rows:
        return []
    # One account per person is used: the one they reached the bot from first.
    accounts = await db.fetchall(
        "SELECT person_id, channel, external_id FROM accounts"
        " WHERE person_id IN (SELECT value FROM json_each(?)) ORDER BY created_at DESC",
        (json.dumps([r["person_id"] for r in rows]),),
    )
    reach = {a["person_id"]: (a["channel"], a["external_id"]) for a in accounts}
    claimed = [
        Delivery(
            broadcast_id,
            r["person_id"],
            r["language"],
            r["attempts"],
            *reach.get(r["person_id"], (None, None)),
        )
        for r in rows
    ]
    return sorted(claimed, key=lambda d: d.person_id)


async def next_retry_at(db: Database, broadcast_id: int) -> datetime | None:
    row = await db.fetchone(
        "SELECT MIN(next_try_at) FROM deliveries WHERE broadcast_id = ? AND status = 'pending'",
        (broadcast_id,),
    )
    return from_db(row[0]) if row and row[0] else None


async def record_delivery(
    db: Database,
    delivery: Delivery,
    status: str,
    at: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """One delivery's outcome, written as soon as the messenger answers (so a crash repeats at most
    the messages in flight). An unreachable user is marked so in `users` too."""
    update = (
        "UPDATE deliveries SET status = ?, last_error = ?, next_try_at = ?,"
        " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
        " WHERE broadcast_id = ? AND person_id = ?"
    )
    params = (
        status,
        error,
        to_db(retry_at) if retry_at else None,
        status,
        to_db(at),
        delivery.broadcast_id,
        delivery.person_id,
    )
    if status != "unreachable":
        await db.execute(update, params)
        return
    async with db.transaction() as conn:
        await conn.execute(update, params)
        await conn.execute(
            "UPDATE users SET reachable = 0, unreachable_reason = ? WHERE person_id = ?",
            (error, delivery.person_id),
        )


async def release_delivery(db: Database, delivery: Delivery) -> None:
    """Give back a claimed delivery that was not tried (a pause, a 429): it keeps its place."""
    await db.execute(
        "UPDATE deliveries SET status = 'pending', attempts = attempts - 1"
        " WHERE broadcast_id = ? AND person_id = ? AND status = 'sending'",
        (delivery.broadcast_id, delivery.person_id),
    )


async def progress(db: Database, broadcast_id: int) -> Progress:
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    counts = {r["status"]: int(r["n"]) for r in rows}
    errors = await db.fetchall(
        "SELECT last_error, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ?"
        " AND status IN ('failed', 'unreachable') GROUP BY last_error ORDER BY n DESC",
        (broadcast_id,),
    )
    return Progress(
        total=sum(counts.values()),
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        unreachable=counts.get("unreachable", 0),
        failed=counts.get("failed", 0),
        errors={str(r["last_error"]): int(r["n"]) for r in errors},
    )
