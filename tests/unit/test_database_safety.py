"""The database: committed reads only, patience with another writer, owner-only files, erased
values gone from the file and its log, and an audit that only takes what the bot issued."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup import BackupError, backup_path, make_backup
from bot.domain.vietqr import make_reference
from storage import Database
from storage.audit import record
from storage.members import MemberInput, record_consent, save_member
from storage.pledges import PledgeInput, create_pledge, reject_pledge
from storage.privacy import erase_user, personal_data

NOW = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)
SECRET_NAME = "Phạm Thị Quỳnh Như Xưa"
SECRET_PHONE = "+84987650123"


def member(**changes: object) -> MemberInput:
    fields: dict[str, object] = {
        "full_name": SECRET_NAME,
        "phone": SECRET_PHONE,
        "birth_year": 1980,
        "guardian_name": None,
        "guardian_phone": None,
        "ward_code": 11341,
        "ward_name": "Phường Ngô Quyền",
        "category": "teacher",
        "organisation": None,
        "source": None,
    }
    fields.update(changes)
    return MemberInput(**fields)  # type: ignore[arg-type]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_read_never_sees_an_uncommitted_write(db: Database) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        try:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO users (person_id, language, first_seen_at, last_seen_at)"
                    " VALUES (77, 'vi', '2026-10-01 00:00:00', '2026-10-01 00:00:00')"
                )
                inside.set()
                await release.wait()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    task = asyncio.create_task(writer())
    await inside.wait()
    # The write is made but not committed: a read must not see it.
    seen = await db.fetchone("SELECT COUNT(*) FROM users WHERE person_id = 77")
    release.set()
    await task
    assert seen is not None and seen[0] == 0
    after = await db.fetchone("SELECT COUNT(*) FROM users WHERE person_id = 77")
    assert after is not None and after[0] == 0


async def test_a_write_waits_for_another_process_holding_the_lock(db: Database) -> None:
    """A command-line job holding the write lock for 7 s (beyond the old 5 s timeout) delays
    an update; it does not fail it."""
    locked = threading.Event()

    def hold_lock() -> None:
        other = sqlite3.connect(db.path, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO users (person_id, language, first_seen_at, last_seen_at)"
            " VALUES (1, 'vi', '2026-10-01 00:00:00', '2026-10-01 00:00:00')"
        )
        locked.set()
        time.sleep(7)
        other.commit()
        other.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    await asyncio.to_thread(locked.wait)
    started = time.monotonic()
    changed = await db.execute("UPDATE users SET language = 'en' WHERE person_id = 1")
    waited = time.monotonic() - started
    await asyncio.to_thread(holder.join)
    assert changed == 1 and waited > 5
    row = await db.fetchone("SELECT language FROM users WHERE person_id = 1")
    assert row is not None and row[0] == "en"


async def test_files_are_the_owners_alone_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new-folder" / "khuyenhoc.sqlite3"
        db = await Database(path).open()
        await db.execute(
            "INSERT INTO users (person_id, language, first_seen_at, last_seen_at)"
            " VALUES (1, 'vi', '2026-10-01 00:00:00', '2026-10-01 00:00:00')"
        )
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            sidecar = path.with_name(path.name + suffix)
            assert sidecar.exists() and mode(sidecar) == 0o600, suffix
        copy = make_backup(path, backup_path(str(tmp_path / "backups") + "/", NOW))
        backups = list((tmp_path / "backups").iterdir())
        assert copy["users"] == 1 and len(backups) == 1
        assert mode(tmp_path / "backups") == 0o700 and mode(backups[0]) == 0o600
        await db.close()
    finally:
        os.umask(old)


def test_a_backup_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        backup_path(tmp_path / "nowhere" / "copy.sqlite3", NOW)
    folder = backup_path(str(tmp_path / "made") + "/", NOW)
    assert folder.parent == tmp_path / "made" and folder.parent.is_dir()
    assert folder.name.startswith("khuyenhoc-2026")


async def test_erased_values_are_gone_from_the_file_and_its_log(db: Database) -> None:
    consent = await record_consent(db, 5, "membership", "v1", True, NOW)
    await save_member(db, 5, member(), consent, "HP", NOW)
    await db.execute(
        "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
        " contact_phone, size, period, person_id, review_note, created_at, updated_at)"
        " VALUES ('family', ?, 11341, 'Phường Ngô Quyền', ?, ?, 5, '2026-2027', 5, ?,"
        " '2026-10-01 00:00:00', '2026-10-01 00:00:00')",
        (
            f"Gia đình bà {SECRET_NAME}",
            SECRET_NAME,
            SECRET_PHONE,
            f"Nhờ bà {SECRET_NAME} bổ sung",
        ),
    )
    pledge, _ = await create_pledge(
        db,
        5,
        PledgeInput(SECRET_NAME, "city", "general", 200_000, "cash", False, member_id=1),
        request_key="k1",
        year=2026,
        reference_of=make_reference,
        at=NOW,
        first_reminder_at=None,
    )
    await reject_pledge(db, pledge.id, f"Ông {SECRET_NAME} đã nộp trực tiếp", "officer:9", NOW)
    await erase_user(db, 5, NOW)
    files = [db.path, db.path.with_name(db.path.name + "-wal")]
    for path in files:
        raw = path.read_bytes() if path.exists() else b""
        for secret in (SECRET_NAME, SECRET_PHONE):
            assert secret.encode() not in raw, f"{secret} survives in {path.name}"
    kept = await db.fetchone("SELECT kind, ward_code, size FROM learning_models")
    assert kept is not None and tuple(kept) == ("family", 11341, 5)
    accounts = await db.fetchone("SELECT amount, status, reject_reason FROM pledges")
    assert accounts is not None and tuple(accounts) == (200_000, "rejected", "")


async def test_mydata_names_the_role_that_decided_never_the_person(db: Database) -> None:
    await db.execute(
        "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
        " contact_phone, size, period, person_id, status, reviewed_by, rated_by, rating,"
        " created_at, updated_at) VALUES ('unit', 'Trường THCS A', 11341, 'Phường Ngô Quyền',"
        " 'Lan', '+84912345678', 30, '2026-2027', 9, 'approved', 'officer:4242', 'admin:4343',"
        " 'good', '2026-10-01 00:00:00', '2026-10-01 00:00:00')"
    )
    data = await personal_data(db, 9)
    model = data.learning_models[0]
    assert (model["reviewed_by"], model["rated_by"]) == ("officer", "admin")
    assert "4242" not in repr(data) and "4343" not in repr(data)


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("broadcast.<b>Nguyễn Văn A</b>", "broadcast:1"),
        ("pledge.reject", "pledge:1; DROP TABLE audit"),
        ("pledge.reject", "pledge:Nguyễn"),
    ],
)
async def test_the_audit_takes_only_what_the_bot_issued(
    db: Database, action: str, target: str
) -> None:
    with pytest.raises(ValueError):
        await record(db, 1, action, "refused", NOW, target)
    rows = await db.fetchall("SELECT * FROM audit")
    assert rows == []
