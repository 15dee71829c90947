"""`python -m bot backup DEST` while the bot runs, and a restore that finds every row."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.devtools.local import LocalBot, local_bot
from bot.settings import Settings
from storage import Database
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import BANK, member_pledges_by_transfer
from tests.support import Chat, FakeClock, fast_pacer, seed_member


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[LocalBot]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        assert running.emulator.api_errors == []


async def run_cli(*args: str, database: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, "DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def every_row(db: Database) -> dict[str, list[tuple[object, ...]]]:
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {
        t["name"]: [tuple(r) for r in await db.fetchall(f'SELECT * FROM "{t["name"]}" ORDER BY 1')]
        for t in tables
    }


async def test_backup_while_running_then_restore_finds_every_row(
    local: LocalBot, settings: Settings, tmp_path: Path
) -> None:
    db = local.runtime.db
    await seed_member(db, 7001)
    donor = Chat(local, 7001)
    await member_pledges_by_transfer(local, donor)
    officer = Chat(local, ADMIN_ID)
    await officer.send("/pledges")
    await Chat(local, 7002).send("/pledges")  # a refusal, audited
    await local.app.update_persistence()
    live = await every_row(db)
    assert live["members"] and live["pledges"] and live["consents"] and live["audit"]

    code, out, err = await run_cli("backup", str(tmp_path), database=settings.database_path)
    assert code == 0, err
    first_line = out.splitlines()[0]
    assert first_line.startswith(f"backup written to {tmp_path}/khuyenhoc-2")
    backup = Path(first_line.removeprefix("backup written to "))
    assert "  pledges: 1 rows" in out

    # Restore as the README says: the file becomes the database; the bot's migrations run.
    restored_path = tmp_path / "restored" / "khuyenhoc.sqlite3"
    restored_path.parent.mkdir()
    shutil.copy(backup, restored_path)
    restored = await Database(restored_path).open()
    try:
        assert await every_row(restored) == live
        assert await restored.schema_version() == await db.schema_version()
    finally:
        await restored.close()

    again, _, err = await run_cli("backup", str(backup), database=settings.database_path)
    assert again == 1 and "already exists" in err
    missing, _, err = await run_cli(
        "backup", str(tmp_path / "x.sqlite3"), database=tmp_path / "none.sqlite3"
    )
    assert missing == 1 and "no database" in err


async def test_backup_during_writes_is_a_consistent_snapshot(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    for user in range(7100, 7300):
        await seed_member(db, user)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            async with db.transaction() as conn:
                # Two rows per transaction: a copy holding one without the other is torn.
                for actor in (1, 2):
                    await conn.execute(
                        "INSERT INTO audit (at, actor, action, outcome) VALUES"
                        " ('2026-10-02 02:00:00', ?, 'test.write', 'ok')",
                        (actor,),
                    )
            written += 1
            await asyncio.sleep(0)
        return written

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    dest = tmp_path / "during.sqlite3"
    code, _, err = await run_cli("backup", str(dest), database=settings.database_path)
    stop.set()
    written = await writer
    assert code == 0, err
    copy = await Database(dest).open()
    try:
        row = await copy.fetchone(
            "SELECT SUM(actor = 1), SUM(actor = 2), COUNT(*) FROM audit WHERE action = 'test.write'"
        )
        assert row is not None and row[0] == row[1] and 0 < row[2] <= 2 * written
        members = await copy.fetchone("SELECT COUNT(*) FROM members")
        assert members is not None and members[0] == 200
    finally:
        await copy.close()
