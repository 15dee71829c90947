"""Members of the Study Promotion Association and the consents they gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.timefmt import from_db, to_db

CATEGORIES = ("party_member", "teacher", "pupil", "parent", "worker", "retired", "other")


@dataclass(frozen=True)
class MemberInput:
    """What a person enters when joining; validated before it reaches storage."""

    full_name: str
    phone: str
    birth_year: int
    ward_code: int
    ward_name: str
    category: str
    guardian_name: str | None = None
    guardian_phone: str | None = None
    organisation: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Member:
    id: int
    member_no: str
    person_id: int | None
    full_name: str
    phone: str
    birth_year: int
    guardian_name: str | None
    guardian_phone: str | None
    ward_code: int
    ward_name: str
    category: str
    organisation: str | None
    consent_id: int
    source: str | None
    created_at: datetime
    updated_at: datetime


def _member(row: aiosqlite.Row) -> Member:
    return Member(
        id=row["id"],
        member_no=row["member_no"],
        person_id=row["person_id"],
        full_name=row["full_name"],
        phone=row["phone"],
        birth_year=row["birth_year"],
        guardian_name=row["guardian_name"],
        guardian_phone=row["guardian_phone"],
        ward_code=row["ward_code"],
        ward_name=row["ward_name"],
        category=row["category"],
        organisation=row["organisation"],
        consent_id=row["consent_id"],
        source=row["source"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


async def record_consent(
    db: Database, person_id: int, purpose: str, notice_version: str, granted: bool, at: datetime
) -> int:
    rows = await db.write_returning(
        "INSERT INTO consents (person_id, purpose, notice_version, granted, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (person_id, purpose, notice_version, int(granted), to_db(at)),
    )
    return int(rows[0]["id"])


async def member_of_person(db: Database, person_id: int) -> Member | None:
    row = await db.fetchone("SELECT * FROM members WHERE person_id = ?", (person_id,))
    return _member(row) if row else None


async def save_member(
    db: Database,
    person_id: int,
    data: MemberInput,
    consent_id: int,
    prefix: str,
    at: datetime,
    year: int | None = None,
) -> tuple[Member, bool]:
    """Create the member for this person, or update it; (member, created).

    `year` goes into the membership number: the local year, which `at` (UTC) may not be."""
    if data.category not in CATEGORIES:
        raise ValueError(f"unknown category {data.category!r}")
    values = (
        data.full_name,
        data.phone,
        data.birth_year,
        data.guardian_name,
        data.guardian_phone,
        data.ward_code,
        data.ward_name,
        data.category,
        data.organisation,
        consent_id,
    )
    async with db.transaction() as conn:
        async with conn.execute("SELECT id FROM members WHERE person_id = ?", (person_id,)) as cur:
            existing = await cur.fetchone()
        if existing:
            await conn.execute(
                "UPDATE members SET full_name = ?, phone = ?, birth_year = ?, guardian_name = ?,"
                " guardian_phone = ?, ward_code = ?, ward_name = ?, category = ?,"
                " organisation = ?, consent_id = ?, updated_at = ? WHERE id = ?",
                (*values, to_db(at), existing["id"]),
            )
            member_id, created = int(existing["id"]), False
        else:
            async with conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM members") as cur:
                row = await cur.fetchone()
            member_id = int(row[0]) if row else 1
            member_no = f"{prefix}-{year or at.year}-{member_id:06d}"
            await conn.execute(
                "INSERT INTO members (id, member_no, person_id, full_name, phone, birth_year,"
                " guardian_name, guardian_phone, ward_code, ward_name, category, organisation,"
                " consent_id, source, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (member_id, member_no, person_id, *values, data.source, to_db(at), to_db(at)),
            )
            created = True
        async with conn.execute("SELECT * FROM members WHERE id = ?", (member_id,)) as cur:
            row = await cur.fetchone()
    assert row is not None
    return _member(row), created
