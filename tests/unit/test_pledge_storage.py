"""Pledges in SQLite: one pledge per confirmed draft, decisions only once, the donors audience."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.vietqr import make_reference
from bot.segments import parse_segment
from storage import Database
from storage.broadcasts import audience_size
from storage.pledges import (
    NewDonor,
    PledgeInput,
    StatementEntry,
    apply_statement,
    cancel_pledge,
    create_pledge,
    honour_roll,
    mark_received,
    reject_pledge,
)
from storage.users import ensure_user
from tests.support import same_ids, seed_member

AT = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)


async def pledge(
    db: Database, user: int, amount: int = 500_000, key: str | None = None, public: bool = True
) -> int:
    await ensure_user(db, user, "vi", AT)
    consent = await db.write_returning(
        "INSERT INTO consents (person_id, purpose, notice_version, granted, created_at)"
        " VALUES (?, 'donation', 'v', 1, '2026-10-02 02:00:00') RETURNING id",
        (user,),
    )
    data = PledgeInput(f"Người {user}", "city", "general", amount, "transfer", public)
    created, _ = await create_pledge(
        db,
        user,
        data,
        request_key=key or f"{user}:{amount}",
        year=2026,
        reference_of=make_reference,
        at=AT,
        first_reminder_at=AT + timedelta(days=3),
        new_donor=NewDonor(f"Người {user}", f"+8491{user:07d}", int(consent[0]["id"])),
    )
    return created.id


async def test_one_pledge_per_request_key_and_one_donor_per_account(db: Database) -> None:
    first = await pledge(db, 1, key="same")
    again = await pledge(db, 1, key="same")
    other = await pledge(db, 1, key="other")
    assert first == again == 1 and other == 2
    rows = await db.fetchall("SELECT reference, donor_id FROM pledges ORDER BY id")
    assert [tuple(r) for r in rows] == [("KH2026 P000001", 1), ("KH2026 P000002", 1)]
    donors = await db.fetchone("SELECT COUNT(*) FROM donors")
    assert donors is not None and donors[0] == 1


async def test_decisions_happen_once_and_only_by_the_owner(db: Database) -> None:
    first, second = await pledge(db, 1), await pledge(db, 2)
    assert await cancel_pledge(db, first, person_id=2, at=AT) is None
    received = await mark_received(db, first, 400_000, "officer:9", AT)
    assert received is not None and received.received_amount == 400_000
    assert received.notice_due == "receipt" and received.next_reminder_at is None
    assert await mark_received(db, first, 500_000, "officer:9", AT) is None
    assert await reject_pledge(db, first, "late", "officer:9", AT) is None
    assert await cancel_pledge(db, first, person_id=1, at=AT) is None
    cancelled = await cancel_pledge(db, second, person_id=2, at=AT)
    assert cancelled is not None and cancelled.status == "cancelled"
    with pytest.raises(ValueError):
        await mark_received(db, second, 0, "officer:9", AT)
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute("UPDATE pledges SET amount = 9999 WHERE id = ?", (second,))


async def test_statement_lines_apply_once(db: Database) -> None:
    await pledge(db, 1, 500_000)
    entries = [
        StatementEntry("a", 2, 500_000, "KH2026 P000001", 1),
        StatementEntry("b", 3, 500_000, "KH2026 P000001", 1),  # a second transfer: already
        StatementEntry("c", 4, 70_000, None, None),
    ]
    first = await apply_statement(db, entries, "s.csv", AT)
    assert [o.outcome for o in first] == ["matched", "already", "no_reference"]
    second = await apply_statement(db, entries, "s.csv", AT)
    assert [o.outcome for o in second] == ["seen", "seen", "seen"]
    row = await db.fetchone("SELECT status, received_amount FROM pledges WHERE id = 1")
    assert row is not None and tuple(row) == ("received", 500_000)


async def test_honour_roll_and_the_donors_audience(db: Database) -> None:
    a, b = await pledge(db, 1, 300_000), await pledge(db, 2, 200_000, public=False)
    c = await pledge(db, 3, 900_000)
    for pledge_id in (a, b):
        await mark_received(db, pledge_id, 300_000 if pledge_id == a else 200_000, "x", AT)
    await cancel_pledge(db, c, 3, AT)
    roll = await honour_roll(db, 2026)
    assert [(e.name, e.amount) for e in roll.named] == [("Người 1", 300_000)]
    assert (roll.anonymous.amount, roll.anonymous.gifts) == (200_000, 1)
    assert roll.by_fund == {"city": (500_000, 500_000)}

    await seed_member(db, await same_ids(db, 4))  # a member who never pledged is not a donor
    segment = str(parse_segment("donors", 31))
    assert segment == "donors"
    assert await audience_size(db, segment) == 2  # the cancelled pledge's donor is not counted
