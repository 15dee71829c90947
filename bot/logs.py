"""Logging without secrets or personal data, and startup failures told in one line.

- Libraries that log SQL parameters, request URLs (which contain the bot token) or API call
  parameters (names, phones) stay at WARNING whatever LOG_LEVEL says.
- Every formatted line, tracebacks included, has the token (and anything shaped like a bot
  token) replaced before it is written.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
from pathlib import Path
from typing import IO

# aiosqlite logs each statement with its parameters at DEBUG; httpx and httpcore each request's
# URL at INFO; PTB every update and each call's parameters at DEBUG.
QUIET_LOGGERS = (
    "aiosqlite",
    "httpx",
    "httpcore",
    "hpack",
    "aiohttp",
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.server",
    "apscheduler",
    "asyncio",
    "urllib3",
    "PIL",
    "matplotlib",
    "telegram",
)
_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{10,}")
_BOT_PATH = re.compile(r"/bot[^/\s'\"]*:[^/\s'\"]+/")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    text = _BOT_PATH.sub("/bot<token>/", text)
    return _BOT_TOKEN.sub("<token>", text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then takes the secrets out of the whole text, traceback included."""

    def __init__(self, fmt: str, secrets: tuple[str, ...]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


class LibraryTracebacks(logging.Filter):
    """Below DEBUG, a library's failure is one line: its message and the exception's, without
    the traceback (a bad token or an unreachable server is not a bug of ours)."""

    PREFIXES = ("telegram", "aiohttp", "asyncio", "apscheduler")

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.getLogger().isEnabledFor(logging.DEBUG) or not record.name.startswith(
            self.PREFIXES
        ):
            return True
        if "(Bootstrap Initialize" in record.getMessage():
            return False  # the command line says why the start failed, in one line
        if record.exc_info:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(level: str, secrets: tuple[str, ...], stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(LibraryTracebacks())
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    floor = max(logging.WARNING, logging.getLogger().level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    # PTB's INFO lines (start, stop) carry nothing personal; its DEBUG lines do.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))


def startup_failure(exc: BaseException, database: Path) -> str | None:
    """One line naming the cause of a failed start and what to do, or None if not a known one."""
    # By name: logging is set up before (and without) the messenger's library.
    kinds = {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("telegram")}
    if "InvalidToken" in kinds:
        return (
            "the Bot API server rejected TELEGRAM_BOT_TOKEN: copy the token again from"
            " @BotFather (or set TELEGRAM_API_URL to the right server)"
        )
    if kinds & {"TimedOut", "NetworkError"}:
        return (
            "the Bot API server could not be reached or answered nonsense"
            f" ({type(exc).__name__}): check the network and TELEGRAM_API_URL"
        )
    if isinstance(exc, sqlite3.DatabaseError) or (
        isinstance(exc, RuntimeError) and "migration" in str(exc)
    ):
        return (
            f"the database {database} cannot be used ({type(exc).__name__}): restore it from a"
            " backup (see the README) or point DATABASE_PATH to another file"
        )
    if isinstance(exc, PermissionError):
        return (
            f"no permission to create or open {database}: choose a DATABASE_PATH in a folder"
            " this user may write to"
        )
    if isinstance(exc, OSError):
        return (
            f"the database {database} cannot be created or opened ({exc.strerror}):"
            " check DATABASE_PATH"
        )
    return None
