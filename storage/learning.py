"""Learning families, clans, communities and units (mô hình học tập) registered for a school year,
their review by officers and their rating at the end of the year.

Besides the SQL, the few rules of the domain the table's constraints mirror (kinds, sizes,
the school year) are plain functions here, free of Telegram, so that any channel can reuse them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import aiosqlite

from storage.db import Database
from storage.timefmt import from_db, to_db

KINDS = ("family", "clan", "community", "unit")
STATUSES = ("submitted", "approved", "changes_requested", "withdrawn")
RATINGS = ("excellent", "good", "fair", "not_met")
NAME_MAX = 200
NOTE_MAX = 500
SIZE_MIN, SIZE_MAX = 1, 100_000
SCHOOL_YEAR_STARTS = 9  # September

# What a list of models can be limited to.
FILTERS = ("submitted", "approved", "all")


# --- rules of the domain --------------------------------------------------------------------


def school_year(day: date) -> str:
    """The school year a local date belongs to: 15 Nov 2026 -> '2026-2027', 1 Mar 2027 too."""
    start = day.year if day.month >= SCHOOL_YEAR_STARTS else day.year - 1
    return f"{start}-{start + 1}"


class SizeProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"


# A number, whole thousands grouped or not, and perhaps a word after it ("5 người").
_SIZE = re.compile(r"([+-]?(?:\d{1,3}(?:[.,\s]\d{3})+|\d{1,12}))(?:\s*[^\W\d_]+(?:\s+[^\W\d_]+)*)?")


def check_size(raw: str) -> int | SizeProblem:
    """Members of a family or clan, people of a community, staff of a unit: a whole number
    from 1 to 100 000, typed as people write it ("12", "1.200", "1 200")."""
    text = raw.strip()
    found = _SIZE.fullmatch(text) if len(text) <= 100 else None
    if found is None:
        return SizeProblem.NOT_A_NUMBER
    value = int(re.sub(r"[.,\s+]", "", found.group(1)))
    if value < SIZE_MIN:
        return SizeProblem.TOO_SMALL
    if value > SIZE_MAX:
        return SizeProblem.TOO_LARGE
    return value


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInput:
    """A registration as the registrant confirmed it; validated before it reaches storage."""

    kind: str
    name: str
    ward_code: int
    ward_name: str
    contact_name: str
    contact_phone: str
    size: int
    period: str


@dataclass(frozen=True)
class LearningModel:
    id: int
    kind: str
    name: str
    ward_code: int
    ward_name: str
    contact_name: str | None
    contact_phone: str | None
    size: int
    period: str
    person_id: int | None
    consent_id: int | None
    status: str
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    rating: str | None
    rated_by: str | None
    rated_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _model(row: aiosqlite.Row) -> LearningModel:
    return LearningModel(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        ward_code=row["ward_code"],
        ward_name=row["ward_name"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        size=row["size"],
        period=row["period"],
        person_id=row["person_id"],
        consent_id=row["consent_id"],
        status=row["status"],
        review_note=row["review_note"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=_moment(row["reviewed_at"]),
        rating=row["rating"],
        rated_by=row["rated_by"],
        rated_at=_moment(row["rated_at"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def _validate(data: ModelInput) -> None:
    if data.kind not in KINDS:
        raise ValueError(f"unknown kind of learning model {data.kind!r}")
    if not 1 <= len(data.name) <= NAME_MAX:
        raise ValueError("the name must be 1 to 200 characters")
    if isinstance(data.size, bool) or not SIZE_MIN <= data.size <= SIZE_MAX:
        raise ValueError("the size must be a whole number from 1 to 100000")
    if not (data.contact_name and data.contact_phone):
        raise ValueError("a contact person and phone are required")


# --- the registrant -------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    model: LearningModel
    created: bool  # False: the same registration existed already and is given back
    replaced: LearningModel | None = None  # the registration with changes requested it replaces


class Stale(Exception):
    """The registration to be replaced is no longer waiting for changes."""

    def __init__(self, current: LearningModel | None) -> None:
        super().__init__("the registration to replace was decided or replaced meanwhile")
        self.current = current


async def submit_model(
    db: Database,
    person_id: int,
    data: ModelInput,
    consent_id: int,
    at: datetime,
    replaces: int | None = None,
) -> Submission:
    """Store a confirmed registration, in one transaction.

    - The same model (kind, name, commune or ward, school year) already submitted or approved by
      this registrant is given back unchanged: a double tap on Confirm makes one registration.
    - It replaces the registrant's registration `replaces`, or else their registration of the
      same model, whose changes were requested: that one becomes 'withdrawn'. `Stale` is raised
      when `replaces` is not this registrant's or is no longer waiting for changes.
    """
    _validate(data)
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT * FROM learning_models WHERE person_id = ? AND period = ? AND kind = ?"
            " AND ward_code = ? AND name = ? AND status IN ('submitted', 'approved')"
            " AND erased_at IS NULL ORDER BY id LIMIT 1",
            (person_id, data.period, data.kind, data.ward_code, data.name),
        ) as cur:
            existing = await cur.fetchone()
        if existing is not None:
            return Submission(_model(existing), created=False)
        if replaces is not None:
            async with conn.execute(
                "SELECT * FROM learning_models WHERE id = ? AND person_id = ?",
                (replaces, person_id),
            ) as cur:
                old = await cur.fetchone()
            if old is None or old["status"] != "changes_requested" or old["erased_at"]:
                raise Stale(_model(old) if old else None)
        else:
            async with conn.execute(
                "SELECT * FROM learning_models WHERE person_id = ? AND period = ? AND kind = ?"
                " AND ward_code = ? AND name = ? AND status = 'changes_requested'"
                " AND erased_at IS NULL ORDER BY id DESC LIMIT 1",
                (person_id, data.period, data.kind, data.ward_code, data.name),
            ) as cur:
                old = await cur.fetchone()
        replaced = None
        if old is not None:
            async with conn.execute(
                "UPDATE learning_models SET status = 'withdrawn', updated_at = ?"
                " WHERE id = ? RETURNING *",
                (to_db(at), old["id"]),
            ) as cur:
                row = await cur.fetchone()
            replaced = _model(row) if row else None
        async with conn.execute(
            "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
            " contact_phone, size, period, person_id, consent_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                data.kind,
                data.name,
                data.ward_code,
                data.ward_name,
                data.contact_name,
                data.contact_phone,
                data.size,
                data.period,
                person_id,
                consent_id,
                to_db(at),
                to_db(at),
            ),
        ) as cur:
            created = await cur.fetchone()
    assert created is not None
    return Submission(_model(created), created=True, replaced=replaced)


async def models_of(db: Database, person_id: int, limit: int = 10) -> list[LearningModel]:
    """The registrant's registrations, newest first; replaced ones are left out."""
    rows = await db.fetchall(
        "SELECT * FROM learning_models WHERE person_id = ? AND status != 'withdrawn'"
        " AND erased_at IS NULL ORDER BY id DESC LIMIT ?",
        (person_id, limit),
    )
    return [_model(r) for r in rows]


async def consent_on_file(
    db: Database, person_id: int, purpose: str, notice_version: str
) -> int | None:
    """The id of this person's latest consent to `purpose` under this notice, if they gave it
    and have not withdrawn it; None: ask them."""
    row = await db.fetchone(
        "SELECT id, granted FROM consents WHERE person_id = ? AND purpose = ?"
        " AND notice_version = ? AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
        (person_id, purpose, notice_version),
    )
    return int(row["id"]) if row is not None and row["granted"] else None


# --- officers -------------------------------------------------------------------------------


async def get_model(db: Database, model_id: int) -> LearningModel | None:
    row = await db.fetchone(
        "SELECT * FROM learning_models WHERE id = ? AND erased_at IS NULL", (model_id,)
    )
    return _model(row) if row else None


async def list_models(
    db: Database, which: str, ward: int | None, offset: int, limit: int
) -> tuple[list[LearningModel], int]:
    """A page of models, oldest first, and how many there are in all. `which` is 'submitted'
    (waiting for review), 'approved' or 'all' (every one but those replaced); `ward` limits
    them to one commune or ward (a scoped officer's)."""
    if which not in FILTERS:
        raise ValueError(f"unknown filter {which!r}")
    where = ["erased_at IS NULL"]
    params: list[object] = []
    if which == "all":
        where.append("status != 'withdrawn'")
    else:
        where.append("status = ?")
        params.append(which)
    if ward is not None:
        where.append("ward_code = ?")
        params.append(ward)
    clause = " AND ".join(where)
    total = await db.fetchone(f"SELECT COUNT(*) FROM learning_models WHERE {clause}", tuple(params))
    rows = await db.fetchall(
        f"SELECT * FROM learning_models WHERE {clause} ORDER BY id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_model(r) for r in rows], int(total[0]) if total else 0


def _scoped(ward: int | None) -> tuple[str, tuple[object, ...]]:
    return (" AND ward_code = ?", (ward,)) if ward is not None else ("", ())


async def approve_model(
    db: Database, model_id: int, reviewed_by: str, at: datetime, ward: int | None = None
) -> LearningModel | None:
    """Approve a registration waiting for review (or for changes); None if it is not, or lies
    outside `ward`."""
    extra, params = _scoped(ward)
    rows = await db.write_returning(
        "UPDATE learning_models SET status = 'approved', reviewed_by = ?, reviewed_at = ?,"
        " updated_at = ? WHERE id = ? AND status IN ('submitted', 'changes_requested')"
        f" AND erased_at IS NULL{extra} RETURNING *",
        (reviewed_by, to_db(at), to_db(at), model_id, *params),
    )
    return _model(rows[0]) if rows else None


async def request_changes(
    db: Database,
    model_id: int,
    note: str,
    reviewed_by: str,
    at: datetime,
    ward: int | None = None,
) -> LearningModel | None:
    """Ask the registrant to change a submitted registration; the note is for them to read."""
    if not 1 <= len(note) <= NOTE_MAX:
        raise ValueError("the note must be 1 to 500 characters")
    extra, params = _scoped(ward)
    rows = await db.write_returning(
        "UPDATE learning_models SET status = 'changes_requested', review_note = ?,"
        " reviewed_by = ?, reviewed_at = ?, updated_at = ? WHERE id = ?"
        f" AND status = 'submitted' AND erased_at IS NULL{extra} RETURNING *",
        (note, reviewed_by, to_db(at), to_db(at), model_id, *params),
    )
    return _model(rows[0]) if rows else None


async def rate_model(
    db: Database,
    model_id: int,
    rating: str,
    rated_by: str,
    at: datetime,
    ward: int | None = None,
) -> LearningModel | None:
    """Record (or correct) the year-end rating of an approved model."""
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    extra, params = _scoped(ward)
    rows = await db.write_returning(
        "UPDATE learning_models SET rating = ?, rated_by = ?, rated_at = ?, updated_at = ?"
        f" WHERE id = ? AND status = 'approved' AND erased_at IS NULL{extra} RETURNING *",
        (rating, rated_by, to_db(at), to_db(at), model_id, *params),
    )
    return _model(rows[0]) if rows else None


# --- reports --------------------------------------------------------------------------------
