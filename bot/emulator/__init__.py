"""Local Telegram Bot API emulator (real HTTP) for the sandbox, e2e tests and benchmarks."""

from bot.emulator.server import BotApiEmulator
from bot.emulator.state import CallbackRecord, SentMessage, SimUser

__all__ = ["BotApiEmulator", "CallbackRecord", "SentMessage", "SimUser"]
