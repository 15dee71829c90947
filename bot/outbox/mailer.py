"""Messages owed to donors: receipts, rejections and payment reminders.

What is owed is kept in SQLite (pledges.notice_due, pledges.next_reminder_at), so a receipt
recorded from the command line, a 5xx from Telegram or a restart loses nothing: the next round
sends it. A round runs every few seconds, and at once after an officer's decision; it goes on until
nothing is owed, paced behind the replies people are waiting for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from telegram.ext import ExtBot, JobQueue

from bot.channels.telegram.identity import CHANNEL
from bot.channels.telegram.pacing import NOTICE
from bot.channels.telegram.sender import TelegramSender
from bot.i18n import gettext_for
from bot.outbox.sender import FAILED, SLOW_DOWN, TRANSIENT, UNREACHABLE, Choice, Sender
from bot.pledge_texts import receipt_text, rejection_text, reminder_text
from bot.settings import Settings
from storage import Database
from storage.people import reach
from storage.pledges import (
    Pledge,
    claim_reminder,
    due_notices,
    due_reminders,
    notice_done,
    reminder_done,
)
from storage.users import get_language, set_reachable

log = logging.getLogger(__name__)

ROUND_EVERY = 5.0  # seconds; both look-ups are on partial indexes, so an idle round is cheap
BATCH = 200
IN_FLIGHT = 8


class PledgeMailer:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.senders: dict[str, Sender] = {}
        self.job_queue: JobQueue[Any] | None = None
        self._lock = asyncio.Lock()

    def start(self, bot: ExtBot[Any], job_queue: JobQueue[Any] | None) -> None:
        # The application's bot: its rate limiter paces notices behind the replies.
        self.senders = {CHANNEL: TelegramSender(bot, NOTICE, rate_limit_args=NOTICE)}
        self.job_queue = job_queue
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
        if not self.senders:
            return 0, 0
        async with self._lock:
            notices = await self._send_notices()
            reminders = await self._send_reminders()
        return notices, reminders

    async def _language(self, person_id: int) -> str:
        return await get_language(self.db, person_id) or self.settings.default_language

    async def _drain(
        self,
        fetch: Callable[[], Awaitable[list[Pledge]]],
        send_one: Callable[[Pledge], Awaitable[str]],
    ) -> int:
        """Send batch after batch until nothing is owed, IN_FLIGHT at a time: the send pacer
        keeps them within Telegram's limits and behind every waiting reply."""
        sent = 0
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def one(pledge: Pledge) -> str:
            async with slots:
                return await send_one(pledge)

        while True:
            batch = await fetch()
            if not batch:
                return sent
            outcomes = await asyncio.gather(*(one(p) for p in batch))
            sent += outcomes.count("sent")
            if "retry" in outcomes:
                return sent  # Telegram is unwell: the next round tries again

    async def _send_notices(self) -> int:
        return await self._drain(lambda: due_notices(self.db, BATCH), self._notice)

    async def _notice(self, pledge: Pledge) -> str:
        if pledge.person_id is None:
            await notice_done(self.db, pledge.id)
            return "gone"
        lang = await self._language(pledge.person_id)
        _ = gettext_for(lang)
        if pledge.notice_due == "receipt":
            text = receipt_text(_, lang, self.settings, pledge)
        else:
            text = rejection_text(_, lang, pledge)
        outcome = await self._deliver(pledge.person_id, text)
        if outcome != "retry":
            await notice_done(self.db, pledge.id)
        return outcome

    async def _send_reminders(self) -> int:
        now = self.clock()
        if self.settings.quiet_hours.contains(now, self.settings.tz):
            return 0  # nobody is woken up about money; the morning's round sends them
        return await self._drain(
            lambda: due_reminders(self.db, now, BATCH), lambda p: self._reminder(p, now)
        )

    async def _reminder(self, pledge: Pledge, now: datetime) -> str:
        assert pledge.next_reminder_at is not None
        if not await claim_reminder(self.db, pledge.id, pledge.next_reminder_at):
            return "gone"  # cancelled or received since the list was read
        if pledge.person_id is None:
            return "gone"
        lang = await self._language(pledge.person_id)
        _ = gettext_for(lang)
        choices = [
            Choice(
                _("💳 Show the QR code")
                if pledge.method == "transfer"
                else _("💳 Payment details"),
                f"myp:{pledge.id}:pay",
            ),
            Choice(_("✖️ Cancel this pledge"), f"myp:{pledge.id}:cancel"),
        ]
        outcome = await self._deliver(
            pledge.person_id, reminder_text(_, lang, self.settings, pledge), choices
        )
        if outcome == "retry":
            # Put it back as it was: the next round tries again.
            await reminder_done(self.db, pledge.id, False, pledge.next_reminder_at, now)
        elif outcome == "sent":
            await reminder_done(self.db, pledge.id, True, self._next_reminder(pledge), now)
        # A donor who blocked the bot or deleted the chat is not reminded again.
        return outcome

    def _next_reminder(self, pledge: Pledge) -> datetime | None:
        delays = self.settings.pledge_reminders
        following = pledge.reminders_sent + 1
        return pledge.created_at + delays[following] if following < len(delays) else None

    async def _deliver(self, person_id: int, text: str, choices: Sequence[Choice] = ()) -> str:
        """'sent', 'gone' (blocked, deleted: not worth retrying) or 'retry'."""
        account = await reach(self.db, person_id)
        sender = self.senders.get(account.channel) if account is not None else None
        if account is None or sender is None:
            return "gone"
        result = await sender.send_notice(account.external_id, text, choices)
        if result.status == UNREACHABLE:
            await set_reachable(self.db, person_id, False, "blocked")
            return "gone"
        if result.status == FAILED:
            log.warning("a donor message was refused: %s", result.reason)
            return "gone"
        if result.status in (TRANSIENT, SLOW_DOWN):
            log.warning("a donor message will be retried: %s", result.reason)
            return "retry"
        return "sent"
