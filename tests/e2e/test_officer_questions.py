"""An officer's open question (a pledge's amount or reason, a model's note) never catches
chat meant for something else, and an erased former officer leaves no id behind."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup import make_backup
from bot.devtools.local import LocalBot, local_bot
from bot.report import parse_day
from bot.settings import Settings
from storage.privacy import erase_user
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import BANK, pledge_rows, said
from tests.e2e.test_pledge_officers import donors, open_pledge
from tests.support import Chat, FakeClock, fast_pacer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[LocalBot]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        assert running.emulator.api_errors == []


async def test_an_open_rejection_blocks_a_new_journey(local: LocalBot) -> None:
    await donors(local, 9001)
    officer = Chat(local, ADMIN_ID)
    await open_pledge(officer, "P000001")
    await officer.press("✖️ Từ chối")
    await officer.send("/model")
    assert "Bạn đang dở câu hỏi của cán bộ về một khoản ủng hộ." in said(officer)
    await officer.send("/cancel")
    await officer.send("/model")
    assert "Bạn đang dở" not in said(officer)
    assert (await pledge_rows(local.runtime.db))[0]["status"] == "pending"


async def test_an_erased_former_officer_leaves_no_id(local: LocalBot, clock: FakeClock) -> None:
    db = local.runtime.db
    await donors(local, 9002)
    admin = Chat(local, ADMIN_ID)
    officer = Chat(local, 9003)
    await admin.send("/grant 9003 officer")
    await open_pledge(officer, "P000001")
    await officer.press("✅ Đã nhận đủ (500.000\xa0₫)")
    await admin.send("/revoke 9003")
    await erase_user(db, 9003, clock())
    for table, column in (("pledges", "decided_by"), ("officers", "added_by")):
        values = [r[0] for r in await db.fetchall(f"SELECT {column} FROM {table}")]
        assert not any("9003" in str(v) for v in values), (table, values)
    actors = [r[0] for r in await db.fetchall("SELECT actor FROM audit")]
    assert 9003 not in actors
    assert (await pledge_rows(db))[0]["status"] == "received"


def test_report_dates_stay_within_the_movements_years() -> None:
    assert parse_day("2026-10-01") == datetime(2026, 10, 1, tzinfo=UTC).date()
    assert parse_day("31/12/9999") is None
    assert parse_day("0001-01-01") is None


def test_a_backup_path_with_question_marks(tmp_path: Path) -> None:
    import sqlite3

    odd = tmp_path / "what?#1"
    odd.mkdir()
    source = odd / "db.sqlite3"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert make_backup(source, tmp_path / "copy.sqlite3") == {"t": 1}
