"""Storage against real SQLite files in temporary folders."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Database
from storage.db import migrations
from storage.members import (
    MemberInput,
    member_of_person,
    record_consent,
    save_member,
)
from storage.officers import add_officer, is_officer, list_officers, remove_officer
from storage.people import person_for_account
from storage.persistence import (
    load_conversations,
    load_drafts,
    save_batch,
)
from storage.users import ensure_user, get_language, set_language

NOW = datetime(2026, 10, 2, 3, 0, tzinfo=UTC)


def sample(**overrides: object) -> MemberInput:
    values: dict[str, object] = {
        "full_name": "Nguyễn Thị Lan",
        "phone": "+84912345678",
        "birth_year": 1990,
        "ward_code": 11341,
        "ward_name": "Phường Ngô Quyền",
        "category": "teacher",
    }
    values.update(overrides)
    return MemberInput(**values)  # type: ignore[arg-type]


async def test_migrations_are_applied_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database(path).open()
    assert await db.schema_version() == len(migrations())
    await db.close()
    db = await Database(path).open()  # a second start changes nothing
    assert await db.schema_version() == len(migrations())
    mode = await db.fetchone("PRAGMA journal_mode")
    assert mode is not None and mode[0] == "wal"
    fk = await db.fetchone("PRAGMA foreign_keys")
    assert fk is not None and fk[0] == 1
    await db.close()


async def test_member_numbers_and_upsert(db: Database) -> None:
    consent = await record_consent(db, 1, "membership", "2026-11", True, NOW)
    first, created = await save_member(db, 1, sample(), consent, "HP", NOW)
    assert created and first.member_no == "HP-2026-000001"
    consent2 = await record_consent(db, 2, "membership", "2026-11", True, NOW)
    second, _ = await save_member(db, 2, sample(full_name="Trần Văn Minh"), consent2, "HP", NOW)
    assert second.member_no == "HP-2026-000002"

    updated, created = await save_member(
        db, 1, sample(category="parent"), consent, "HP", NOW + timedelta(days=1)
    )
    assert not created
    assert updated.member_no == first.member_no and updated.category == "parent"
    assert updated.created_at == NOW and updated.updated_at == NOW + timedelta(days=1)
    rows = await db.fetchall("SELECT person_id FROM members ORDER BY id")
    assert [r[0] for r in rows] == [1, 2]
    found = await member_of_person(db, 2)
    assert found is not None and found.full_name == "Trần Văn Minh"
    assert await member_of_person(db, 3) is None


async def test_a_failed_write_leaves_no_row(db: Database) -> None:
    consent = await record_consent(db, 1, "membership", "2026-11", True, NOW)
    with pytest.raises(ValueError):
        await save_member(db, 1, sample(category="astronaut"), consent, "HP", NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await save_member(db, 1, sample(phone="0912345678"), consent, "HP", NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await save_member(db, 1, sample(guardian_name="Mẹ"), consent, "HP", NOW)
    count = await db.fetchone("SELECT COUNT(*) FROM members")
    assert count is not None and count[0] == 0
    assert not db.conn.in_transaction


async def test_users_language(db: Database) -> None:
    assert await get_language(db, 5) is None
    assert await ensure_user(db, 5, "en", NOW) == "en"
    assert await ensure_user(db, 5, "vi", NOW) == "en"  # the first choice is kept
    await set_language(db, 5, "vi", NOW)
    assert await get_language(db, 5) == "vi"


async def test_officers(db: Database) -> None:
    assert not await is_officer(db, 7)
    assert await add_officer(db, 7, "test", NOW)
    assert not await add_officer(db, 7, "test", NOW)
    assert await is_officer(db, 7)
    assert [o.person_id for o in await list_officers(db)] == [7]
    assert await remove_officer(db, 7)
    assert not await remove_officer(db, 7)
    assert not await is_officer(db, 7)


async def test_persistence_batch_writes_and_deletes_together(db: Database) -> None:
    first = await person_for_account(db, "telegram", "7001", NOW)
    second = await person_for_account(db, "telegram", "7002", NOW)
    await save_batch(
        db,
        "telegram",
        {"7001": {"reg": {"nonce": "a1"}}, "7002": {"reg": {"nonce": "b2"}}},
        {("membership", "7001"): 3, ("membership", "7002"): 5},
        NOW,
    )
    drafts = await load_drafts(db, "telegram")
    assert drafts == {"7001": {"reg": {"nonce": "a1"}}, "7002": {"reg": {"nonce": "b2"}}}
    assert await load_conversations(db, "membership", "telegram") == {"7001": 3, "7002": 5}
    # Stored by person, never by the account id.
    rows = await db.fetchall("SELECT person_id, state FROM conversations ORDER BY person_id")
    assert [tuple(r) for r in rows] == [(first, "3"), (second, "5")]
    await save_batch(db, "telegram", {"7001": None}, {("membership", "7001"): None}, NOW)
    assert await load_drafts(db, "telegram") == {"7002": {"reg": {"nonce": "b2"}}}
    assert await load_conversations(db, "membership", "telegram") == {"7002": 5}
    # An account nobody knows has nothing to keep.
    await save_batch(db, "telegram", {"7999": {"x": 1}}, {("membership", "7999"): 1}, NOW)
    assert "7999" not in await load_drafts(db, "telegram")


async def test_single_statement_writes_wait_for_an_open_transaction(db: Database) -> None:
    """A write from another task never lands inside a transaction that then rolls back."""
    import asyncio

    async def failing_transaction() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO officers (person_id, added_by, added_at) VALUES (1, 't', 'x')"
                )
                await asyncio.sleep(0.05)
                raise RuntimeError("boom")

    task = asyncio.create_task(failing_transaction())
    await asyncio.sleep(0.01)
    assert await add_officer(db, 2, "test", NOW)  # waits for the lock, then commits on its own
    await task
    assert [o.person_id for o in await list_officers(db)] == [2]
