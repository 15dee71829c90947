"""The outbox's sender for Telegram: Bot API calls, paced, with Telegram's errors turned into
the outcomes every channel shares (bot.outbox.sender)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram.identity import CHANNEL
from bot.channels.telegram.pacing import SendPacer
from bot.channels.telegram.retry import retry_seconds
from bot.outbox.announcement import render, send_rendered
from bot.outbox.sender import (
    FAILED,
    SENT,
    SLOW_DOWN,
    TRANSIENT,
    UNREACHABLE,
    Choice,
    SendResult,
)
from storage.broadcasts import Broadcast

# A 400 that means the person cannot be reached at all, rather than a bad message.
UNREACHABLE_400 = ("chat not found", "user not found", "peer_id_invalid", "chat_id is empty")


def _reason(exc: TelegramError) -> str:
    return f"{type(exc).__name__}: {exc.message}"[:200]


class TelegramSender:
    """`pacer`: the shared pacer when `bot` has no rate limiter of its own; `extra`: arguments
    for every call (PTB's rate_limit_args, allow_paid_broadcast)."""

    channel = CHANNEL

    def __init__(
        self, bot: Bot, priority: int, pacer: SendPacer | None = None, **extra: Any
    ) -> None:
        self.bot = bot
        self.priority = priority
        self.pacer = pacer
        self.extra = extra

    def ticket(self) -> int:
        return self.pacer.ticket() if self.pacer is not None else 0

    async def wait_turn(self, address: str, ticket: int) -> None:
        if self.pacer is not None:
            await self.pacer.acquire(int(address), self.priority, ticket)

    def slow_down(self, seconds: float, address: str) -> None:
        if self.pacer is not None:
            self.pacer.hold(seconds, int(address))

    async def send_announcement(
        self, address: str, broadcast: Broadcast, language: str, upload: Path | None = None
    ) -> SendResult:
        picture: InputFile | None = None
        if upload is not None:
            try:
                data = await asyncio.to_thread(upload.read_bytes)
            except OSError as exc:
                return SendResult(FAILED, f"photo {upload.name}: {exc.strerror}")
            picture = InputFile(data, filename=upload.name)

        async def call() -> SendResult:
            message = await send_rendered(
                self.bot, int(address), render(broadcast, language), photo=picture, **self.extra
            )
            uploaded = message.photo[-1].file_id if picture is not None and message.photo else None
            return SendResult(SENT, photo_id=uploaded)

        return await self._outcome(call())

    async def send_notice(
        self, address: str, text: str, choices: Sequence[Choice] = ()
    ) -> SendResult:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(c.label, callback_data=c.action) for c in choices]]
            )
            if choices
            else None
        )

        async def call() -> SendResult:
            await self.bot.send_message(int(address), text, reply_markup=markup, **self.extra)
            return SendResult(SENT)

        return await self._outcome(call())

    @staticmethod
    async def _outcome(call: Awaitable[SendResult]) -> SendResult:
        try:
            return await call
        except RetryAfter as exc:
            return SendResult(SLOW_DOWN, _reason(exc), wait=retry_seconds(exc))
        except Forbidden as exc:
            return SendResult(UNREACHABLE, _reason(exc))
        except BadRequest as exc:
            if any(marker in exc.message.lower() for marker in UNREACHABLE_400):
                return SendResult(UNREACHABLE, _reason(exc))
            return SendResult(FAILED, _reason(exc))
        except (TimedOut, NetworkError) as exc:
            return SendResult(TRANSIENT, _reason(exc))
        except TelegramError as exc:
            return SendResult(FAILED, _reason(exc))
