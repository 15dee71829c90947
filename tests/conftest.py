from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.devtools.local import local_bot
from bot.settings import Settings
from storage import Database
from tests.support import FakeClock, fast_pacer

ADMIN_ID = 900_001


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_path=tmp_path / "khuyenhoc.sqlite3",
        admin_ids=frozenset({ADMIN_ID}),
        province_code=31,
        member_prefix="HP",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database(settings.database_path).open()
    yield database
    await database.close()


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[object]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        # A bot that breaks the Bot API fails its tests.
        assert running.emulator.api_errors == []
