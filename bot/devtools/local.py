"""The real bot running against the local Bot API emulator: used by the sandbox and the tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.app import BotApplication, build_application, running
from bot.channels.telegram.pacing import SendPacer
from bot.devtools.emulator import BotApiEmulator
from bot.runtime import Runtime, utc_now
from bot.settings import Settings

LOCAL_TOKEN = "123456789:LOCAL-SANDBOX-TOKEN"
LOCAL_BOT_USERNAME = "khuyenhoc_local_bot"


@dataclass
class LocalBot:
    emulator: BotApiEmulator
    app: BotApplication

    @property
    def runtime(self) -> Runtime:
        return self.app.bot_data["runtime"]

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched, acknowledged and fully handled every update sent."""
        async with asyncio.timeout(timeout):
            await self.emulator.wait_idle(timeout)
            await self.app.update_queue.join()


@asynccontextmanager
async def local_bot(
    settings: Settings,
    *,
    emulator: BotApiEmulator | None = None,
    clock: Callable[[], datetime] = utc_now,
    poll_timeout: int = 10,
    pacer: SendPacer | None = None,
) -> AsyncIterator[LocalBot]:
    """Start the emulator (unless given one) and the real Application polling it over HTTP."""
    own = emulator is None
    emu = emulator or BotApiEmulator(token=LOCAL_TOKEN, bot_username=LOCAL_BOT_USERNAME)
    if own:
        await emu.start()
    try:
        app = build_application(
            settings, token=emu.token, api_url=emu.url, clock=clock, pacer=pacer
        )
        async with running(app, poll_timeout=poll_timeout):
            yield LocalBot(emu, app)
    finally:
        if own:
            await emu.stop()
