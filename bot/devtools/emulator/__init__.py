"""Local Telegram Bot API emulator (real HTTP) for the sandbox, e2e tests and benchmarks."""

from bot.devtools.emulator.server import BotApiEmulator
from bot.devtools.emulator.state import CallbackRecord, SentMessage, SimUser

__all__ = ["BotApiEmulator", "CallbackRecord", "SentMessage", "SimUser"]
