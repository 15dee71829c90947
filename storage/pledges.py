"""Pledges to the study-promotion funds, donors who are not members, and bank statement lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.timefmt import from_db, to_db

FUND_KINDS = ("city", "ward", "school", "clan")
PURPOSES = ("hardship", "remote", "awards", "general")
METHODS = ("transfer", "cash")
STATUSES = ("pending", "received", "rejected", "cancelled")


@dataclass(frozen=True)
class Donor:
    id: int
    person_id: int | None
    full_name: str
    phone: str


@dataclass(frozen=True)
class PledgeInput:
    """A pledge as the donor confirmed it; validated before it reaches storage."""

    donor_name: str
    fund_kind: str
    purpose: str
    amount: int
    method: str
    public_name: bool
    member_id: int | None = None
    donor_id: int | None = None
    fund_ward_code: int | None = None
    fund_name: str | None = None
    public_consent_id: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class NewDonor:
    """A donor who is not a member, written together with their first pledge."""

    full_name: str
    phone: str
    consent_id: int


@dataclass(frozen=True)
class Pledge:
    id: int
    reference: str
    campaign_year: int
    person_id: int | None
    donor_name: str
    fund_kind: str
    fund_ward_code: int | None
    fund_name: str | None
    purpose: str
    amount: int
    method: str
    public_name: bool
    status: str
    received_amount: int
    received_at: datetime | None
    decided_by: str | None
    reject_reason: str | None
    reminders_sent: int
    next_reminder_at: datetime | None
    notice_due: str | None
    source: str | None
    created_at: datetime


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _pledge(row: aiosqlite.Row) -> Pledge:
    return Pledge(
        id=row["id"],
        reference=row["reference"],
        campaign_year=row["campaign_year"],
        person_id=row["person_id"],
        donor_name=row["donor_name"],
        fund_kind=row["fund_kind"],
        fund_ward_code=row["fund_ward_code"],
        fund_name=row["fund_name"],
        purpose=row["purpose"],
        amount=row["amount"],
        method=row["method"],
        public_name=bool(row["public_name"]),
        status=row["status"],
        received_amount=row["received_amount"],
        received_at=_moment(row["received_at"]),
        decided_by=row["decided_by"],
        reject_reason=row["reject_reason"],
        reminders_sent=row["reminders_sent"],
        next_reminder_at=_moment(row["next_reminder_at"]),
        notice_due=row["notice_due"],
        source=row["source"],
        created_at=from_db(row["created_at"]),
    )


# --- donors ---------------------------------------------------------------------------------


async def donor_of_person(db: Database, person_id: int) -> Donor | None:
    row = await db.fetchone("SELECT * FROM donors WHERE person_id = ?", (person_id,))
    if row is None:
        return None
    return Donor(row["id"], row["person_id"], row["full_name"], row["phone"])


# --- pledges --------------------------------------------------------------------------------


async def create_pledge(
    db: Database,
    person_id: int,
    data: PledgeInput,
    *,
    request_key: str,
    year: int,
    reference_of: object,
    at: datetime,
    first_reminder_at: datetime | None,
    new_donor: NewDonor | None = None,
) -> tuple[Pledge, bool]:
    """Store a confirmed pledge; (pledge, created). The same `request_key` twice gives the
    first pledge back and creates nothing: a double tap on Confirm makes one pledge.

    `reference_of(year, pledge_id)` makes the transfer reference (bot/domain/vietqr.py)."""
    if data.fund_kind not in FUND_KINDS or data.purpose not in PURPOSES:
        raise ValueError("unknown fund or purpose")
    if data.method not in METHODS:
        raise ValueError(f"unknown payment method {data.method!r}")
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT * FROM pledges WHERE request_key = ?", (request_key,)
        ) as cur:
            existing = await cur.fetchone()
        if existing is not None:
            return _pledge(existing), False
        async with conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM pledges") as cur:
            row = await cur.fetchone()
        pledge_id = int(row[0]) if row else 1
        donor_id = data.donor_id
        if new_donor is not None:
            async with conn.execute(
                "INSERT INTO donors (person_id, full_name, phone, consent_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (person_id) DO UPDATE SET full_name = excluded.full_name,"
                " phone = excluded.phone, consent_id = excluded.consent_id,"
                " updated_at = excluded.updated_at RETURNING id",
                (
                    person_id,
                    new_donor.full_name,
                    new_donor.phone,
                    new_donor.consent_id,
                    to_db(at),
                    to_db(at),
                ),
            ) as cur:
                donor_row = await cur.fetchone()
            assert donor_row is not None
            donor_id = int(donor_row[0])
        reference = reference_of(year, pledge_id)  # type: ignore[operator]
        await conn.execute(
            "INSERT INTO pledges (id, reference, campaign_year, person_id, member_id, donor_id,"
            " donor_name, fund_kind, fund_ward_code, fund_name, purpose, amount, method,"
            " public_name, public_consent_id, next_reminder_at, source, request_key,"
            " created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pledge_id,
                reference,
                year,
                person_id,
                data.member_id,
                donor_id,
                data.donor_name,
                data.fund_kind,
                data.fund_ward_code,
                data.fund_name,
                data.purpose,
                data.amount,
                data.method,
                int(data.public_name),
                data.public_consent_id,
                to_db(first_reminder_at) if first_reminder_at else None,
                data.source,
                request_key,
                to_db(at),
                to_db(at),
            ),
        )
        async with conn.execute("SELECT * FROM pledges WHERE id = ?", (pledge_id,)) as cur:
            created = await cur.fetchone()
    assert created is not None
    return _pledge(created), True


async def get_pledge(db: Database, pledge_id: int) -> Pledge | None:
    row = await db.fetchone("SELECT * FROM pledges WHERE id = ?", (pledge_id,))
    return _pledge(row) if row else None


async def pledges_of(db: Database, person_id: int, limit: int = 20) -> list[Pledge]:
    rows = await db.fetchall(
        "SELECT * FROM pledges WHERE person_id = ? ORDER BY id DESC LIMIT ?",
        (person_id, limit),
    )
    return [_pledge(r) for r in rows]


async def pending_pledges(
    db: Database, fund_kind: str | None, offset: int, limit: int, ward: int | None = None
) -> tuple[list[Pledge], int]:
    """A page of pending pledges, oldest first, and how many there are in all. `ward` limits
    them to that commune or ward's fund (a scoped officer)."""
    where, params = "status = 'pending'", tuple[object, ...]()
    if ward is not None:
        where, params = "status = 'pending' AND fund_ward_code = ?", (ward,)
    elif fund_kind is not None:
        where, params = "status = 'pending' AND fund_kind = ?", (fund_kind,)
    total = await db.fetchone(f"SELECT COUNT(*) FROM pledges WHERE {where}", params)
    rows = await db.fetchall(
        f"SELECT * FROM pledges WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_pledge(r) for r in rows], int(total[0]) if total else 0


async def cancel_pledge(
    db: Database, pledge_id: int, person_id: int, at: datetime
) -> Pledge | None:
    """The donor cancels their own pending pledge; None if it is not theirs or not pending."""
    rows = await db.write_returning(
        "UPDATE pledges SET status = 'cancelled', next_reminder_at = NULL, updated_at = ?"
        " WHERE id = ? AND person_id = ? AND status = 'pending' RETURNING *",
        (to_db(at), pledge_id, person_id),
    )
    return _pledge(rows[0]) if rows else None


async def mark_received(
    db: Database, pledge_id: int, amount: int, decided_by: str, at: datetime
) -> Pledge | None:
    """Money came in for a pending pledge: record it and owe the donor a receipt.
    None if the pledge is not pending (already received, rejected or cancelled)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("received amount must be a positive whole number of đồng")
    rows = await db.write_returning(
        "UPDATE pledges SET status = 'received', received_amount = ?, received_at = ?,"
        " decided_by = ?, notice_due = 'receipt', next_reminder_at = NULL, updated_at = ?"
        " WHERE id = ? AND status = 'pending' RETURNING *",
        (amount, to_db(at), decided_by, to_db(at), pledge_id),
    )
    return _pledge(rows[0]) if rows else None


async def reject_pledge(
    db: Database, pledge_id: int, reason: str, decided_by: str, at: datetime
) -> Pledge | None:
    rows = await db.write_returning(
        "UPDATE pledges SET status = 'rejected', reject_reason = ?, decided_by = ?,"
        " notice_due = 'rejected', next_reminder_at = NULL, updated_at = ?"
        " WHERE id = ? AND status = 'pending' RETURNING *",
        (reason, decided_by, to_db(at), pledge_id),
    )
    return _pledge(rows[0]) if rows else None


# --- receipts and reminders -----------------------------------------------------------------


async def due_notices(db: Database, limit: int = 50) -> list[Pledge]:
    """Pledges whose donor is still owed a receipt or the news of a rejection."""
    rows = await db.fetchall(
        "SELECT * FROM pledges WHERE notice_due IS NOT NULL ORDER BY id LIMIT ?", (limit,)
    )
    return [_pledge(r) for r in rows]


async def notice_done(db: Database, pledge_id: int) -> None:
    await db.execute("UPDATE pledges SET notice_due = NULL WHERE id = ?", (pledge_id,))


async def due_reminders(db: Database, now: datetime, limit: int = 50) -> list[Pledge]:
    rows = await db.fetchall(
        "SELECT * FROM pledges WHERE next_reminder_at IS NOT NULL AND next_reminder_at <= ?"
        " AND status = 'pending' ORDER BY next_reminder_at, id LIMIT ?",
        (to_db(now), limit),
    )
    return [_pledge(r) for r in rows]


async def claim_reminder(db: Database, pledge_id: int, due: datetime) -> bool:
    """Take a due reminder off the queue before sending it, only if the pledge is still pending
    and still due: a cancel or a receipt that came in meanwhile wins."""
    changed = await db.execute(
        "UPDATE pledges SET next_reminder_at = NULL WHERE id = ? AND status = 'pending'"
        " AND next_reminder_at = ?",
        (pledge_id, to_db(due)),
    )
    return changed == 1


async def reminder_done(
    db: Database, pledge_id: int, sent: bool, next_at: datetime | None, at: datetime
) -> None:
    """After a claimed reminder: count it if it was sent, and set the next one (None: no more)."""
    await db.execute(
        "UPDATE pledges SET reminders_sent = reminders_sent + ?, next_reminder_at = ?,"
        " updated_at = ? WHERE id = ? AND status = 'pending'",
        (int(sent), to_db(next_at) if next_at else None, to_db(at), pledge_id),
    )


# --- bank statements ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementEntry:
    fingerprint: str
    row: int
    amount: int
    reference: str | None  # the canonical reference found in the line, if any
    pledge_id: int | None  # the pledge it names, if any


@dataclass(frozen=True)
class StatementOutcome:
    entry: StatementEntry
    outcome: str  # matched, mismatch, unknown, already, no_reference, seen (imported before)
    pledge: Pledge | None


async def apply_statement(
    db: Database, entries: list[StatementEntry], file_name: str | None, at: datetime
) -> list[StatementOutcome]:
    """Match statement lines to pledges. A line whose reference names a pending pledge of the
    same amount marks it received; every line is remembered with its outcome in the same
    transaction, so a file imported twice changes nothing the second time. Lines go in chunks,
    so that a long statement never holds the write lock for long."""
    outcomes: list[StatementOutcome] = []
    for start in range(0, len(entries), STATEMENT_CHUNK):
        outcomes += await _apply_chunk(db, entries[start : start + STATEMENT_CHUNK], file_name, at)
    return outcomes


STATEMENT_CHUNK = 200


async def _apply_chunk(
    db: Database, entries: list[StatementEntry], file_name: str | None, at: datetime
) -> list[StatementOutcome]:
    outcomes: list[StatementOutcome] = []
    async with db.transaction() as conn:
        for entry in entries:
            async with conn.execute(
                "SELECT 1 FROM statement_lines WHERE fingerprint = ?", (entry.fingerprint,)
            ) as cur:
                if await cur.fetchone() is not None:
                    outcomes.append(StatementOutcome(entry, "seen", None))
                    continue
            pledge: Pledge | None = None
            if entry.reference is None:
                outcome = "no_reference"
            else:
                async with conn.execute(
                    "SELECT * FROM pledges WHERE reference = ?", (entry.reference,)
                ) as cur:
                    row = await cur.fetchone()
                pledge = _pledge(row) if row else None
                if pledge is None:
                    outcome = "unknown"
                elif pledge.status != "pending":
                    outcome = "already"
                elif pledge.amount != entry.amount:
                    outcome = "mismatch"
                else:
                    outcome = "matched"
                    async with conn.execute(
                        "UPDATE pledges SET status = 'received', received_amount = ?,"
                        " received_at = ?, decided_by = ?, notice_due = 'receipt',"
                        " next_reminder_at = NULL, updated_at = ? WHERE id = ? RETURNING *",
                        (
                            entry.amount,
                            to_db(at),
                            f"statement:{entry.row}",
                            to_db(at),
                            pledge.id,
                        ),
                    ) as cur:
                        updated = await cur.fetchone()
                    pledge = _pledge(updated) if updated else pledge
            await conn.execute(
                "INSERT INTO statement_lines (fingerprint, imported_at, file_name, row_no,"
                " amount, reference, pledge_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.fingerprint,
                    to_db(at),
                    file_name,
                    entry.row,
                    entry.amount,
                    entry.reference,
                    pledge.id if pledge else None,
                    outcome,
                ),
            )
            outcomes.append(StatementOutcome(entry, outcome, pledge))
    return outcomes


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HonourEntry:
    name: str
    amount: int
    gifts: int


@dataclass(frozen=True)
class HonourRoll:
    named: list[HonourEntry]
    anonymous: HonourEntry
    by_fund: dict[str, tuple[int, int]]  # fund kind -> (received, pledged), integer đồng


async def honour_roll(db: Database, year: int, limit: int = 20) -> HonourRoll:
    """The campaign's donors by money received: those who allowed their name, by name; the
    others together. Totals by fund count pledges that are pending or received."""
    named = await db.fetchall(
        "SELECT donor_name, SUM(received_amount) AS amount, COUNT(*) AS gifts FROM pledges"
        " WHERE campaign_year = ? AND status = 'received' AND public_name = 1"
        " GROUP BY COALESCE(CAST(person_id AS TEXT), donor_name)"
        " ORDER BY amount DESC, MIN(id) LIMIT ?",
        (year, limit),
    )
    anonymous = await db.fetchone(
        "SELECT COALESCE(SUM(received_amount), 0), COUNT(*) FROM pledges"
        " WHERE campaign_year = ? AND status = 'received' AND public_name = 0",
        (year,),
    )
    funds = await db.fetchall(
        "SELECT fund_kind, SUM(received_amount) AS received, SUM(amount) AS pledged"
        " FROM pledges WHERE campaign_year = ? AND status IN ('pending', 'received')"
        " GROUP BY fund_kind",
        (year,),
    )
    return HonourRoll(
        named=[HonourEntry(r["donor_name"], int(r["amount"]), int(r["gifts"])) for r in named],
        anonymous=HonourEntry("", int(anonymous[0]), int(anonymous[1]))
        if anonymous
        else HonourEntry("", 0, 0),
        by_fund={r["fund_kind"]: (int(r["received"]), int(r["pledged"])) for r in funds},
    )


async def donor_contact(db: Database, pledge_id: int) -> tuple[str | None, str | None]:
    """(phone, membership number) of a pledge's donor, for the officer who calls them."""
    row = await db.fetchone(
        "SELECT COALESCE(m.phone, d.phone) AS phone, m.member_no FROM pledges p"
        " LEFT JOIN members m ON m.id = p.member_id LEFT JOIN donors d ON d.id = p.donor_id"
        " WHERE p.id = ?",
        (pledge_id,),
    )
    return (row["phone"], row["member_no"]) if row else (None, None)
