"""Messages owed to donors: receipts, rejections and payment reminders.

What is owed is kept in SQLite (pledges.notice_due, pledges.next_reminder_at), so a receipt
recorded from the command line, a 5xx from Telegram or a restart loses nothing: the next round
sends it. A round runs every minute, and at once after an officer's decision.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import JobQueue

from bot.i18n import gettext_for
from bot.pledge_texts import receipt_text, rejection_text, reminder_text
from bot.settings import Settings
from storage import Database
from storage.broadcasts import set_reachable
from storage.pledges import (
    Pledge,
    claim_reminder,
    due_notices,
    due_reminders,
    notice_done,
    reminder_done,
)
from storage.users import get_language

log = logging.getLogger(__name__)

ROUND_EVERY = 60.0  # seconds
BATCH = 50


class PledgeMailer:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.bot: Bot | None = None
        self.job_queue: JobQueue[Any] | None = None
        self._lock = asyncio.Lock()

    def start(self, bot: Bot, job_queue: JobQueue[Any] | None) -> None:
        self.bot, self.job_queue = bot, job_queue
        if job_queue is not None:
            job_queue.run_repeating(self._job, interval=ROUND_EVERY, first=5, name="pledge-mailer")

    def wake(self) -> None:
        """Run a round now (after an officer's decision), without waiting for it."""
        if self.job_queue is not None:
            self.job_queue.run_once(self._job, when=0, name="pledge-mailer-now")

    async def _job(self, _context: object) -> None:
        await self.run_round()

    async def run_round(self) -> tuple[int, int]:
        """Send what is owed; (notices sent, reminders sent). One round at a time."""
        if self.bot is None:
            return 0, 0
        async with self._lock:
            notices = await self._send_notices()
            reminders = await self._send_reminders()
        return notices, reminders

    async def _language(self, telegram_id: int) -> str:
        return await get_language(self.db, telegram_id) or self.settings.default_language

    async def _send_notices(self) -> int:
        sent = 0
        for pledge in await due_notices(self.db, BATCH):
            if pledge.telegram_id is None:
                await notice_done(self.db, pledge.id)
                continue
            lang = await self._language(pledge.telegram_id)
            _ = gettext_for(lang)
            if pledge.notice_due == "receipt":
                text = receipt_text(_, lang, self.settings, pledge)
            else:
                text = rejection_text(_, lang, pledge)
            outcome = await self._deliver(pledge.telegram_id, text, None)
            if outcome == "retry":
                break  # Telegram is unwell: the next round tries again
            await notice_done(self.db, pledge.id)
            sent += outcome == "sent"
        return sent

    async def _send_reminders(self) -> int:
        now = self.clock()
        if self.settings.quiet_hours.contains(now, self.settings.tz):
            return 0  # nobody is woken up about money; the morning's round sends them
        sent = 0
        for pledge in await due_reminders(self.db, now, BATCH):
            assert pledge.next_reminder_at is not None
            if not await claim_reminder(self.db, pledge.id, pledge.next_reminder_at):
                continue  # cancelled or received since the list was read
            if pledge.telegram_id is None:
                continue
            lang = await self._language(pledge.telegram_id)
            _ = gettext_for(lang)
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            _("💳 Show the QR code")
                            if pledge.method == "transfer"
                            else _("💳 Payment details"),
                            callback_data=f"myp:{pledge.id}:pay",
                        ),
                        InlineKeyboardButton(
                            _("✖️ Cancel this pledge"), callback_data=f"myp:{pledge.id}:cancel"
                        ),
                    ]
                ]
            )
            outcome = await self._deliver(
                pledge.telegram_id, reminder_text(_, lang, self.settings, pledge), markup
            )
            if outcome == "retry":
                # Put it back as it was: the next round tries again.
                await reminder_done(self.db, pledge.id, False, pledge.next_reminder_at, now)
                break
            if outcome == "sent":
                await reminder_done(self.db, pledge.id, True, self._next_reminder(pledge), now)
                sent += 1
            # A donor who blocked the bot or deleted the chat is not reminded again.
        return sent

    def _next_reminder(self, pledge: Pledge) -> datetime | None:
        delays = self.settings.pledge_reminders
        following = pledge.reminders_sent + 1
        return pledge.created_at + delays[following] if following < len(delays) else None

    async def _deliver(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> str:
        """'sent', 'gone' (blocked, deleted: not worth retrying) or 'retry'."""
        assert self.bot is not None
        try:
            await self.bot.send_message(chat_id, text, reply_markup=markup)
        except Forbidden:
            await set_reachable(self.db, chat_id, False, "blocked")
            return "gone"
        except BadRequest as exc:
            log.warning("a donor message was refused: %s", exc.message)
            return "gone"
        except (RetryAfter, TimedOut, NetworkError) as exc:
            log.warning("a donor message will be retried: %s", type(exc).__name__)
            return "retry"
        return "sent"
