"""The audit trail: every officer action and every refusal (who, what, when, the outcome)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

OUTCOMES = ("ok", "refused", "failed")
# What the bot itself writes: an action such as 'pledge.reject', a target such as 'pledge:12'.
# Anything else (text a forged button could carry) is refused here, whatever the caller.
_ACTION = re.compile(r"[a-z_]{1,24}(\.[a-z_]{1,24}){0,2}")
_TARGET = re.compile(r"[a-z_]{1,16}:-?[0-9]{1,20}")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: int | None
    action: str
    target: str | None
    outcome: str
    detail: str | None


async def record(
    db: Database,
    actor: int | None,
    action: str,
    outcome: str,
    at: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if not _ACTION.fullmatch(action):
        raise ValueError("an audit action must be one the bot defines")
    if target is not None and not _TARGET.fullmatch(target):
        raise ValueError("an audit target must be a kind and a number")
    await db.execute(
        "INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (to_db(at), actor, action, target, outcome, detail[:500] if detail else None),
    )


async def recent(db: Database, limit: int = 20, actor: int | None = None) -> list[AuditEntry]:
    where, params = ("WHERE actor = ?", (actor,)) if actor is not None else ("", ())
    rows = await db.fetchall(
        f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", (*params, limit)
    )
    return [
        AuditEntry(
            r["id"],
            from_db(r["at"]),
            r["actor"],
            r["action"],
            r["target"],
            r["outcome"],
            r["detail"],
        )
        for r in rows
    ]
