"""The privacy rights in SQLite: access, withdrawal, erasure (one transaction, nothing that
identifies the person left anywhere, the accounts intact) and the retention purge."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.vietqr import make_reference
from storage import Database
from storage.audit import record
from storage.members import member_of_person, record_consent
from storage.pledges import NewDonor, PledgeInput, create_pledge, honour_roll, mark_received
from storage.privacy import (
    ERASE_ACTION,
    ERASED_NAME,
    OfficerDataKept,
    erase_user,
    personal_data,
    purge_inactive,
    withdraw_honour_roll,
)
from storage.users import ensure_user
from tests.support import same_ids, seed_member

AT = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
USER = 7_312_459  # digits that appear in no amount, date or reference of these tests
OTHER = 5_208_836
ADMIN = 900_001


def name_of(user: int) -> str:
    return f"Hội viên {user}"  # as tests.support.seed_member names them


def phone_of(user: int) -> str:
    return f"+8491{user % 10_000_000:07d}"


async def traces(db: Database, *needles: str) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every value, in any column of any table, holding a needle."""
    found = []
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table in [t["name"] for t in tables]:
        for column in [c["name"] for c in await db.fetchall(f"PRAGMA table_info({table})")]:
            for needle in needles:
                row = await db.fetchone(
                    f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ?',
                    (f"%{needle}%",),
                )
                if row is not None and row[0]:
                    found.append((table, column, needle))
    return found


async def table(db: Database, name: str) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetchall(f"SELECT * FROM {name} ORDER BY 1, 2")]


async def member_pledge(db: Database, user: int, amount: int, public: bool = True) -> int:
    """A member's pledge to the city fund, named on the honour roll when `public`."""
    member = await member_of_person(db, user)
    assert member is not None
    honour = await record_consent(db, user, "honour_roll", "2026-11", public, AT)
    data = PledgeInput(
        member.full_name,
        "city",
        "general",
        amount,
        "transfer",
        public,
        member_id=member.id,
        public_consent_id=honour,
    )
    created, _ = await create_pledge(
        db,
        user,
        data,
        request_key=f"{user}:{amount}",
        year=2026,
        reference_of=make_reference,
        at=AT,
        first_reminder_at=AT + timedelta(days=3),
    )
    return created.id


async def donor_pledge(db: Database, user: int, amount: int) -> int:
    """A pledge by someone who is not a member: a donor record comes with it."""
    await ensure_user(db, user, "vi", AT)
    consent = await record_consent(db, user, "donation", "2026-11", True, AT)
    data = PledgeInput(
        f"Nhà hảo tâm {user}",
        "ward",
        "hardship",
        amount,
        "cash",
        True,
        fund_ward_code=11341,
        fund_name="Phường Ngô Quyền",
    )
    created, _ = await create_pledge(
        db,
        user,
        data,
        request_key=f"{user}:donor:{amount}",
        year=2026,
        reference_of=make_reference,
        at=AT,
        first_reminder_at=AT + timedelta(days=3),
        new_donor=NewDonor(f"Nhà hảo tâm {user}", phone_of(user), consent),
    )
    return created.id


async def learning_model(db: Database, user: int) -> None:
    await db.execute(
        "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
        " contact_phone, size, period, person_id, created_at, updated_at)"
        " VALUES ('family', 'Gia đình học tập', 11341, 'Phường Ngô Quyền', ?, ?, 5,"
        " '2026-2027', ?, '2026-10-02 02:00:00', '2026-10-02 02:00:00')",
        (name_of(user), phone_of(user), user),
    )


async def broadcast_to(db: Database, *users: int) -> None:
    rows = await db.write_returning(
        "INSERT INTO broadcasts (source, status, text_vi, segment, scheduled_at, created_at)"
        " VALUES ('cli', 'done', 'Thông báo', 'all', '2026-10-02 02:00:00',"
        " '2026-10-02 02:00:00') RETURNING id"
    )
    for user in users:
        await db.execute(
            "INSERT INTO deliveries (broadcast_id, person_id, language, status, sent_at)"
            " VALUES (?, ?, 'vi', 'sent', '2026-10-02 02:00:01')",
            (rows[0]["id"], user),
        )


async def draft_and_conversation(
    db: Database, user: int, name: str, updated_at: str = "2026-10-02 02:00:00"
) -> None:
    draft = json.dumps({"reg": {"full_name": name}}, ensure_ascii=False)
    await db.execute(
        "INSERT INTO user_drafts (person_id, data, updated_at) VALUES (?, ?, ?)",
        (user, draft, updated_at),
    )
    await db.execute(
        "INSERT INTO conversations (name, person_id, state) VALUES ('membership', ?, '2')",
        (user,),
    )


async def everything(db: Database, user: int) -> None:
    """A member who pledged twice, registered a learning model, received an announcement, left
    a form half-way and appears in the audit trail."""
    await seed_member(db, await same_ids(db, user))
    await db.execute(
        "UPDATE members SET guardian_name = 'Phụ huynh Lan', guardian_phone = '+84987654321',"
        " organisation = 'Trường THCS Chu Văn An' WHERE person_id = ?",
        (user,),
    )
    first = await member_pledge(db, user, 500_000)
    await member_pledge(db, user, 300_000, public=False)
    await mark_received(db, first, 500_000, "officer:1", AT)
    await learning_model(db, user)
    await broadcast_to(db, user)
    await draft_and_conversation(db, user, name_of(user))
    await record(db, user, "broadcast.create", "refused", AT)
    await record(db, ADMIN, "role.revoke", "ok", AT, target=f"person:{user}")


# --- access -------------------------------------------------------------------------------


async def test_personal_data_holds_everything_of_the_person_and_nothing_else(
    db: Database,
) -> None:
    await everything(db, USER)
    await everything(db, OTHER)
    data = await personal_data(db, USER)
    assert data.language == "vi" and data.user is not None and data.user["subscribed"] == 1
    assert data.member is not None and data.member["full_name"] == name_of(USER)
    assert data.member["organisation"] == "Trường THCS Chu Văn An"
    assert [p["amount"] for p in data.pledges] == [500_000, 300_000]
    assert {p["person_id"] for p in data.pledges} == {USER}
    assert [c["purpose"] for c in data.consents] == ["membership", "honour_roll", "honour_roll"]
    assert [m["contact_phone"] for m in data.learning_models] == [phone_of(USER)]
    assert data.draft is not None and data.draft["data"] == {"reg": {"full_name": name_of(USER)}}
    assert data.conversations == [{"name": "membership", "state": 2}]
    assert [d["status"] for d in data.deliveries] == ["sent"]
    assert [a["action"] for a in data.audit] == ["broadcast.create", "role.revoke"]
    assert data.donor is None and data.officer is None
    # Serialisable as it is, and nothing of the other person in it.
    text = json.dumps(data.as_dict(), ensure_ascii=False)
    assert str(OTHER) not in text and name_of(USER) in text

    await donor_pledge(db, 4_400_001, 200_000)
    donor = await personal_data(db, 4_400_001)
    assert donor.member is None and donor.donor is not None
    assert donor.donor["phone"] == phone_of(4_400_001) and len(donor.pledges) == 1


# --- withdrawing the honour-roll consent --------------------------------------------------


async def test_withdrawing_the_honour_roll_makes_every_pledge_anonymous(db: Database) -> None:
    await seed_member(db, await same_ids(db, USER))
    await seed_member(db, await same_ids(db, OTHER))
    amounts = {
        await member_pledge(db, USER, 500_000): 500_000,
        await member_pledge(db, USER, 200_000): 200_000,
        await member_pledge(db, OTHER, 400_000): 400_000,
    }
    for pledge_id, amount in amounts.items():
        await mark_received(db, pledge_id, amount, "officer:1", AT)
    named = [e.name for e in (await honour_roll(db, 2026)).named]
    assert name_of(USER) in named

    assert await withdraw_honour_roll(db, USER, AT + timedelta(hours=1)) == 2
    rows = await db.fetchall("SELECT person_id, public_name FROM pledges ORDER BY id")
    assert {(r[0], r[1]) for r in rows} == {(USER, 0), (OTHER, 1)}
    consents = await db.fetchall(
        "SELECT person_id, withdrawn_at FROM consents WHERE purpose = 'honour_roll'"
    )
    assert {(r[0], r[1]) for r in consents} == {
        (USER, "2026-10-02 03:00:00"),
        (OTHER, None),
    }
    roll = await honour_roll(db, 2026)
    assert [e.name for e in roll.named] == [name_of(OTHER)]
    assert roll.anonymous.amount == 700_000
    # A second press changes nothing more.
    assert await withdraw_honour_roll(db, USER, AT + timedelta(hours=2)) == 0
    again = await db.fetchall(
        "SELECT withdrawn_at FROM consents WHERE person_id = ? AND purpose = 'honour_roll'",
        (USER,),
    )
    assert {r[0] for r in again} == {"2026-10-02 03:00:00"}


# --- erasure ------------------------------------------------------------------------------


async def test_erasure_removes_every_trace_and_keeps_the_accounts(db: Database) -> None:
    await everything(db, USER)
    await everything(db, OTHER)
    await donor_pledge(db, USER, 250_000)  # a donor record too (as if before joining)
    member_before = (await table(db, "members"))[0]
    pledges_before = {p["id"]: p for p in await table(db, "pledges")}
    others_before = {
        name: [r for r in await table(db, name) if OTHER in r.values()]
        for name in ("users", "members", "consents", "pledges", "deliveries", "user_drafts")
    }

    erasure = await erase_user(db, USER, AT + timedelta(days=1))

    assert erasure.member and erasure.donor
    assert (erasure.pledges, erasure.learning_models) == (3, 1)
    assert await traces(db, str(USER), name_of(USER), phone_of(USER)[3:]) == []
    assert await traces(db, "Phụ huynh Lan", "987654321", "Chu Văn An", "Nhà hảo tâm") == [
        ("members", "guardian_name", "Phụ huynh Lan"),  # the other member's, untouched
        ("members", "guardian_phone", "987654321"),
        ("members", "organisation", "Chu Văn An"),
    ]
    moment = "2026-10-03 02:00:00"

    member = (await table(db, "members"))[0]
    for column in (
        "person_id",
        "full_name",
        "phone",
        "birth_year",
        "guardian_name",
        "guardian_phone",
        "organisation",
    ):
        assert member[column] is None, column
    assert member["erased_at"] == moment
    for column in ("id", "member_no", "ward_code", "ward_name", "category", "consent_id"):
        assert member[column] == member_before[column], column

    donor = (await table(db, "donors"))[0]
    assert (donor["person_id"], donor["full_name"], donor["phone"]) == (None, None, None)
    assert donor["erased_at"] == moment

    for pledge in await table(db, "pledges"):
        before = pledges_before[pledge["id"]]
        if before["person_id"] == OTHER:
            assert pledge == before
            continue
        assert pledge["person_id"] is None and pledge["donor_name"] == ""
        assert (pledge["public_name"], pledge["anonymised"]) == (0, 1)
        assert pledge["request_key"] is None and pledge["next_reminder_at"] is None
        for column in (
            "reference",
            "amount",
            "fund_kind",
            "fund_ward_code",
            "fund_name",
            "purpose",
            "method",
            "status",
            "received_amount",
            "received_at",
            "campaign_year",
            "created_at",
            "member_id",
            "donor_id",
        ):
            assert pledge[column] == before[column], column

    model = (await table(db, "learning_models"))[0]
    assert (model["person_id"], model["contact_name"], model["contact_phone"]) == (
        None,
        None,
        None,
    )
    # The name often names the family, and officers' notes may: both go.
    assert model["erased_at"] == moment and model["name"] == ERASED_NAME
    assert model["review_note"] is None

    consents = [c for c in await table(db, "consents") if c["person_id"] != OTHER]
    assert sorted(c["purpose"] for c in consents) == [
        "donation",
        "honour_roll",
        "honour_roll",
        "membership",
    ]
    assert {c["person_id"] for c in consents} == {None}
    assert {c["withdrawn_at"] for c in consents} == {moment}

    audit = await table(db, "audit")
    mine = [a for a in audit if a["action"] == ERASE_ACTION]
    assert [(a["actor"], a["target"], a["outcome"], a["detail"]) for a in mine] == [
        (None, None, "ok", None)
    ]
    assert [a["actor"] for a in audit if a["action"] == "broadcast.create"] == [None, OTHER]

    # Everything of the other person is exactly as it was.
    for name, rows in others_before.items():
        assert [r for r in await table(db, name) if OTHER in r.values()] == rows, name
    conversations = await table(db, "conversations")
    assert [c["person_id"] for c in conversations] == [OTHER]
    # The counts by ward and category, and the money, are unchanged.
    by_ward = await db.fetchall("SELECT ward_code, category, COUNT(*) FROM members GROUP BY 1, 2")
    assert [tuple(r) for r in by_ward] == [(11341, "teacher", 2)]
    total = await db.fetchone("SELECT SUM(amount), SUM(received_amount) FROM pledges")
    assert total is not None and tuple(total) == (
        sum(p["amount"] for p in pledges_before.values()),
        sum(p["received_amount"] for p in pledges_before.values()),
    )
    # Erasing again finds nothing left to erase.
    twice = await erase_user(db, USER, AT + timedelta(days=2))
    assert (twice.member, twice.donor, twice.pledges, twice.consents) == (False, False, 0, 0)


async def test_erasure_is_one_transaction(db: Database) -> None:
    await everything(db, USER)
    before = {name: await table(db, name) for name in ("users", "members", "pledges", "audit")}
    # The last statement fails: everything before it must be rolled back.
    await db.execute(
        "CREATE TEMP TRIGGER refuse_erasure BEFORE INSERT ON audit"
        f" WHEN NEW.action = '{ERASE_ACTION}' BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        await erase_user(db, USER, AT)
    for name, rows in before.items():
        assert await table(db, name) == rows, name
    assert len(await traces(db, str(USER))) > 5


async def test_an_officer_is_not_erased(db: Database) -> None:
    await everything(db, USER)
    await db.execute(
        "INSERT INTO officers (person_id, added_by, added_at) VALUES (?, 'cli', ?)",
        (USER, "2026-10-01 00:00:00"),
    )
    before = await table(db, "members")
    with pytest.raises(OfficerDataKept):
        await erase_user(db, USER, AT)
    assert await table(db, "members") == before


# --- retention ----------------------------------------------------------------------------


async def test_the_purge_removes_only_people_who_never_completed_anything(db: Database) -> None:
    old = AT - timedelta(days=120)
    lately = AT - timedelta(days=10)
    idle, idle_with_consent, recent, member, donor = 101, 102, 103, 104, 105
    officer, admin, busy, modeller = 106, 107, 108, 109
    for user in (idle, idle_with_consent, recent, officer, admin, busy, modeller):
        await same_ids(db, user)
        await ensure_user(db, user, "vi", lately if user == recent else old)
    await seed_member(db, await same_ids(db, member), at=old)
    await donor_pledge(db, donor, 100_000)
    await db.execute(
        "UPDATE users SET last_seen_at = '2026-06-01 00:00:00' WHERE person_id = ?", (donor,)
    )
    await learning_model(db, modeller)
    await db.execute(
        "INSERT INTO officers (person_id, added_by, added_at) VALUES (?, 'cli', ?)",
        (officer, "2026-01-01 00:00:00"),
    )
    # Left a form half-way long ago; agreed to a notice and stopped there.
    await draft_and_conversation(db, idle, "Nguyễn Văn Chưa Xong", "2026-05-01 00:00:00")
    await record_consent(db, idle_with_consent, "membership", "2026-11", True, old)
    # Quiet by last_seen_at, but saved a draft lately: not idle.
    await draft_and_conversation(db, busy, "Đang điền", "2026-09-30 00:00:00")
    await broadcast_to(db, idle, recent, member, busy)

    assert await purge_inactive(db, AT, 0) == 0  # RETENTION_DAYS=0: never
    assert await purge_inactive(db, AT, 90, keep={f"telegram:{admin}"}) == 2

    users = {r[0] for r in await db.fetchall("SELECT person_id FROM users")}
    assert users == {recent, member, donor, officer, admin, busy, modeller}
    for gone in (idle, idle_with_consent):
        assert await traces(db, f"[{gone}, {gone}]") == []
        for name in ("users", "user_drafts", "deliveries", "consents"):
            row = await db.fetchone(f"SELECT COUNT(*) FROM {name} WHERE person_id = ?", (gone,))
            assert row is not None and row[0] == 0, (name, gone)
    deliveries = {r[0] for r in await db.fetchall("SELECT person_id FROM deliveries")}
    assert deliveries == {recent, member, busy}
    drafts = {r[0] for r in await db.fetchall("SELECT person_id FROM user_drafts")}
    assert drafts == {busy}
    assert len(await table(db, "conversations")) == 1
    consents = {r[0] for r in await db.fetchall("SELECT person_id FROM consents")}
    assert consents == {member, donor}
    # Nothing more to purge; a year later everyone idle goes, and the admin still stays.
    assert await purge_inactive(db, AT, 90, keep={f"telegram:{admin}"}) == 0
    assert await purge_inactive(db, AT + timedelta(days=365), 90, keep={f"telegram:{admin}"}) == 2
    left = {r[0] for r in await db.fetchall("SELECT person_id FROM users")}
    assert left == {member, donor, officer, admin, modeller}
    # The purged have no account or person left either.
    accounts = {r[0] for r in await db.fetchall("SELECT person_id FROM accounts")}
    assert accounts.isdisjoint({idle, idle_with_consent, recent, busy})
