"""Officers and administrators kept in SQLite (more administrators come from ADMIN_IDS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

ROLES = ("admin", "officer")


@dataclass(frozen=True)
class Officer:
    person_id: int
    added_by: str
    added_at: datetime
    role: str = "officer"
    ward_code: int | None = None
    ward_name: str | None = None


def _officer(row: object) -> Officer:
    return Officer(
        row["person_id"],  # type: ignore[index]
        row["added_by"],  # type: ignore[index]
        from_db(row["added_at"]),  # type: ignore[index]
        row["role"],  # type: ignore[index]
        row["ward_code"],  # type: ignore[index]
        row["ward_name"],  # type: ignore[index]
    )


async def grant_role(
    db: Database,
    person_id: int,
    role: str,
    added_by: str,
    at: datetime,
    ward_code: int | None = None,
    ward_name: str | None = None,
) -> bool:
    """Make someone an admin or an officer (scoped to a ward, or city-wide); False when they
    already had exactly that role."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role == "admin" and ward_code is not None:
        raise ValueError("an admin is never scoped to a ward")
    existing = await get_officer(db, person_id)
    if existing and (existing.role, existing.ward_code) == (role, ward_code):
        return False
    await db.execute(
        "INSERT INTO officers (person_id, added_by, added_at, role, ward_code, ward_name)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
        " role = excluded.role, ward_code = excluded.ward_code, ward_name = excluded.ward_name,"
        " added_by = excluded.added_by, added_at = excluded.added_at",
        (person_id, added_by, to_db(at), role, ward_code, ward_name),
    )
    return True


async def add_officer(db: Database, person_id: int, added_by: str, at: datetime) -> bool:
    """A city-wide officer; False when they already were an officer or admin."""
    if await get_officer(db, person_id):
        return False
    return await grant_role(db, person_id, "officer", added_by, at)


async def remove_officer(db: Database, person_id: int) -> bool:
    return await db.execute("DELETE FROM officers WHERE person_id = ?", (person_id,)) == 1


async def get_officer(db: Database, person_id: int) -> Officer | None:
    row = await db.fetchone("SELECT * FROM officers WHERE person_id = ?", (person_id,))
    return _officer(row) if row else None


async def is_officer(db: Database, person_id: int) -> bool:
    return await get_officer(db, person_id) is not None


async def list_officers(db: Database) -> list[Officer]:
    rows = await db.fetchall("SELECT * FROM officers ORDER BY added_at, person_id")
    return [_officer(r) for r in rows]
