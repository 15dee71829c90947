"""The delivery engine: sends announcements from the SQLite outbox at Telegram's pace.

- Its own Bot and connection pool, paced below Telegram's 30/s, so that interactive replies never
  queue behind an announcement (PTB's AIORateLimiter would halt them on a 429).
- Each outcome is written as soon as Telegram answers: after a kill -9, only the messages in
  flight (at most the concurrency) can go twice, and none is skipped.
- SQLite is the source of truth for schedules; JobQueue jobs only wake the engine up at the
  right moment, and are re-armed from the database at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.campaign import refresh_live_texts
from bot.channels.telegram.identity import CHANNEL
from bot.channels.telegram.pacing import BROADCAST, SendPacer
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.outbox.announcement import LOCAL_FILE
from bot.outbox.sender import SENT, SLOW_DOWN, TRANSIENT, Sender
from bot.settings import Settings
from storage import Database
from storage.broadcasts import (
    Broadcast,
    broadcasts_with_status,
    finish_broadcast,
    get_broadcast,
    hold_broadcasts_of,
    mark_missed,
    scheduled_broadcasts,
    set_photo,
    set_status,
    start_broadcast,
)
from storage.deliveries import (
    Delivery,
    Progress,
    claim_deliveries,
    next_retry_at,
    progress,
    record_delivery,
    release_delivery,
    requeue_in_flight,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PAGE = 50
PROGRESS_EVERY = 5.0  # seconds between edits of an officer's progress message
POLL_EVERY = 5.0  # seconds between looks for work queued by another process (the CLI)


def real_now() -> datetime:
    return datetime.now(UTC)


class Pacer:
    """At most `rate` acquisitions per second; `hold` stops all for a while.

    A token bucket that holds one token at Telegram's everyday rates (25/s: strictly spaced,
    a late start is not made up with a burst that the one-second window would refuse), and
    a few milliseconds' worth at paid-broadcast rates, where sleeping between every message
    would cost more than sending it."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.burst = max(1.0, rate / 100)
        self._tokens = 1.0
        self._last = time.monotonic()
        self._held_until = 0.0

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, time.monotonic() + seconds)
        self._tokens = 0.0

    async def wait(self) -> None:
        while True:
            now = time.monotonic()
            if now < self._held_until:
                await asyncio.sleep(self._held_until - now)
                continue
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self._tokens) / self.rate)


@dataclass
class Outcome:
    status: str  # sent, unreachable, failed, or pending (retry later)
    error: str | None = None
    retry_at: datetime | None = None


class EngineViews(Protocol):
    """What officers see of the engine's work; handlers/broadcast.py owns every text."""

    async def progress(self, broadcast: Broadcast, figures: Progress, rate: float) -> None: ...

    async def report(self, broadcast: Broadcast, figures: Progress) -> None: ...

    async def missed(self, broadcast: Broadcast) -> None: ...


class BroadcastEngine:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Callable[[], datetime],
        token: str,
        base_url: str | None = None,
        base_file_url: str | None = None,
        shared_pacer: SendPacer | None = None,
    ) -> None:
        self.settings = settings
        # Replies and receipts go first; paid broadcasts are beyond the free 30/s altogether.
        self.shared_pacer = None if settings.broadcast_paid else shared_pacer
        self.db = db
        self.clock = clock
        self.concurrency = settings.broadcast_concurrency
        request = AiohttpRequest(pool_size=self.concurrency + 2, read_timeout=15)
        kwargs: dict[str, Any] = {"request": request}
        if base_url:
            kwargs.update(base_url=base_url, base_file_url=base_file_url)
        self.bot = Bot(token, **kwargs)
        # Paid broadcasts go beyond the free 30/s: the shared pacer does not hold them.
        paid = {"allow_paid_broadcast": True} if settings.broadcast_paid else {}
        self.senders: dict[str, Sender] = {
            CHANNEL: TelegramSender(self.bot, BROADCAST, self.shared_pacer, **paid)
        }
        self.views: EngineViews | None = None
        self.job_queue: JobQueue[Any] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._interrupted: set[int] = set()
        self._last_progress: dict[int, tuple[float, int]] = {}
        self._held_by_quiet: set[int] = set()

    # --- life cycle -----------------------------------------------------------------------

    async def start(self, views: EngineViews | None, job_queue: JobQueue[Any] | None) -> None:
        self.views = views
        self.job_queue = job_queue
        await self.bot.initialize()
        requeued = await requeue_in_flight(self.db)
        if requeued:
            log.info("resuming: %d deliveries were in flight at the last stop", requeued)
        await self.rearm()
        self._task = asyncio.create_task(self._run(), name="broadcast-engine")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await requeue_in_flight(self.db)
        await self.bot.shutdown()

    def wake(self) -> None:
        self._wake.set()

    # --- schedule -------------------------------------------------------------------------

    async def rearm(self) -> None:
        """Arm a JobQueue wake-up for every scheduled broadcast, and settle those missed while
        the bot was down: late by less than BROADCAST_LATE_LIMIT, they go now; else, missed."""
        now = self.clock()
        for broadcast in await scheduled_broadcasts(self.db):
            due = broadcast.scheduled_at
            if not broadcast.quiet_exempt:
                due = self.settings.quiet_hours.next_end(due, self.settings.tz)
            if now - due > self.settings.broadcast_late_limit:
                if await mark_missed(self.db, broadcast.id, now):
                    log.warning("broadcast %d missed its time", broadcast.id)
                    await self._view("missed", broadcast)
                continue
            self.arm(broadcast)
        self.wake()

    def arm(self, broadcast: Broadcast) -> None:
        if self.job_queue is None:
            return
        name = f"broadcast-{broadcast.id}"
        for job in self.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        delay = max(0.0, (broadcast.scheduled_at - self.clock()).total_seconds())
        grace = int(self.settings.broadcast_late_limit.total_seconds()) or 1
        self.job_queue.run_once(
            self._job_wake,
            when=delay,
            name=name,
            job_kwargs={"misfire_grace_time": grace, "coalesce": True},
        )

    async def _job_wake(self, _context: object) -> None:
        self.wake()

    async def tick(self) -> None:
        """Start every scheduled broadcast whose time has come, outside quiet hours."""
        now = self.clock()
        quiet = self.settings.quiet_hours.contains(now, self.settings.tz)
        for broadcast in await scheduled_broadcasts(self.db):
            if broadcast.scheduled_at > now:
                break
            if quiet and not broadcast.quiet_exempt:
                continue
            try:
                if broadcast.campaign_key:
                    await refresh_live_texts(self.db, self.settings, broadcast, now)
                started_now = await start_broadcast(self.db, broadcast.id, now)
            except Exception:  # one bad row (a broken translation, a segment) must not stop all
                log.exception("broadcast %d could not start; it is cancelled", broadcast.id)
                await set_status(self.db, broadcast.id, "cancelled", only_from=("scheduled",))
                await self._view("report", broadcast, await progress(self.db, broadcast.id))
                continue
            if started_now:
                log.info("broadcast %d started", broadcast.id)
                started = await get_broadcast(self.db, broadcast.id)
                if started is not None:
                    await self._show_progress(started, force=True)

    # --- control from officers ------------------------------------------------------------

    async def pause(self, broadcast_id: int) -> bool:
        changed = await set_status(self.db, broadcast_id, "paused", only_from=("sending",))
        if changed:
            self._interrupted.add(broadcast_id)
        return changed

    async def hold_author(
        self, author: int, at: datetime, keep_segment: str | None = None
    ) -> list[int]:
        """Hold what a revoked (or narrowed) officer scheduled or is sending."""
        held = await hold_broadcasts_of(self.db, author, at, keep_segment)
        self._interrupted.update(held)
        return held

    async def resume(self, broadcast_id: int) -> bool:
        current = await get_broadcast(self.db, broadcast_id)
        if current is None or current.held_at is not None:
            return False  # held for an administrator's decision: released first
        changed = await set_status(self.db, broadcast_id, "sending", only_from=("paused",))
        if changed:
            self.wake()
        return changed

    async def cancel(self, broadcast_id: int) -> bool:
        before = await get_broadcast(self.db, broadcast_id)
        changed = await set_status(
            self.db, broadcast_id, "cancelled", only_from=("scheduled", "sending", "paused")
        )
        if changed and before is not None and before.status == "paused":
            # No sender is running for a paused broadcast: the officer's view is updated here.
            cancelled = await get_broadcast(self.db, broadcast_id)
            if cancelled is not None:
                await self._show_progress(cancelled, force=True)
                await self._report(cancelled)
        if changed:
            self._interrupted.add(broadcast_id)
            if self.job_queue is not None:
                for job in self.job_queue.get_jobs_by_name(f"broadcast-{broadcast_id}"):
                    job.schedule_removal()
            self.wake()
        return changed

    # --- the worker -----------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.tick()
                sendable = [
                    b
                    for b in await broadcasts_with_status(self.db, "sending")
                    if b.quiet_exempt or not self._quiet_now()
                ]
                if sendable:
                    await self._send(sendable[0])
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast engine error; retrying shortly")
            await self._sleep(POLL_EVERY)

    def _quiet_now(self) -> bool:
        return self.settings.quiet_hours.contains(self.clock(), self.settings.tz)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _send(self, broadcast: Broadcast) -> None:
        """Send one broadcast until it is done, paused, cancelled or held by quiet hours."""
        self._interrupted.discard(broadcast.id)
        pacer = Pacer(self.settings.broadcast_rate)
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        if broadcast.photo and broadcast.photo.startswith(LOCAL_FILE):
            broadcast = await self._upload_photo(broadcast)
        try:
            while not self._stopping and broadcast.id not in self._interrupted:
                if not broadcast.quiet_exempt and self.settings.quiet_hours.contains(
                    self.clock(), self.settings.tz
                ):
                    if broadcast.id not in self._held_by_quiet:
                        self._held_by_quiet.add(broadcast.id)
                        await self._show_progress(broadcast, force=True)
                    await self._sleep(POLL_EVERY)
                    return
                self._held_by_quiet.discard(broadcast.id)
                page = await claim_deliveries(self.db, broadcast.id, PAGE, real_now())
                if not page:
                    if in_flight:
                        await asyncio.wait(in_flight)
                        continue
                    current = await get_broadcast(self.db, broadcast.id)
                    if current is None or current.status != "sending":
                        return  # paused, cancelled or held meanwhile, maybe by another process
                    if await requeue_in_flight(self.db, broadcast.id):
                        continue  # rows left 'sending' by a fault: nothing is in flight now
                    retry_at = await next_retry_at(self.db, broadcast.id)
                    if retry_at is None:
                        await self._finish(broadcast)
                        return
                    wait = (retry_at - real_now()).total_seconds()
                    await self._sleep(min(max(wait, 0.05), POLL_EVERY))
                    continue
                for index, delivery in enumerate(page):
                    if self._stopping or broadcast.id in self._interrupted:
                        for left in page[index:]:
                            await release_delivery(self.db, left)
                        break
                    await pacer.wait()
                    await slots.acquire()
                    if self._stopping or broadcast.id in self._interrupted:
                        slots.release()
                        for left in page[index:]:
                            await release_delivery(self.db, left)
                        break
                    task = asyncio.create_task(self._deliver(broadcast, delivery, pacer))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    task.add_done_callback(lambda _t: slots.release())
                await self._show_progress(broadcast)
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
            current = await get_broadcast(self.db, broadcast.id)
            if current is not None and current.status in ("paused", "cancelled"):
                await self._show_progress(current, force=True)
                if current.status == "cancelled":
                    await self._report(current)

    async def _upload_photo(self, broadcast: Broadcast) -> Broadcast:
        """Upload a local photo once, one recipient at a time until it takes (the first may
        have blocked the bot); every other recipient then gets Telegram's file_id."""
        current = broadcast
        while current.photo and current.photo.startswith(LOCAL_FILE) and not self._stopping:
            page = await claim_deliveries(self.db, current.id, 1, real_now())
            if not page:
                break
            await self._deliver(current, page[0], Pacer(1))
            current = await get_broadcast(self.db, current.id) or current
        return current

    async def _deliver(self, broadcast: Broadcast, delivery: Delivery, pacer: Pacer) -> None:
        sender = self.senders.get(delivery.channel or "")
        if sender is None or delivery.address is None:
            # Their accounts were erased or unlinked since the outbox was written.
            outcome = Outcome("unreachable", "no account")
        else:
            outcome = await self._send_one(sender, delivery.address, broadcast, delivery, pacer)
        for attempt in range(3):
            try:
                await record_delivery(
                    self.db, delivery, outcome.status, self.clock(), outcome.error, outcome.retry_at
                )
                break
            except Exception:  # e.g. "database is locked" by a command-line writer
                log.warning("broadcast %d: outcome not recorded yet", broadcast.id, exc_info=True)
                await asyncio.sleep(0.5 * (attempt + 1))

    async def _send_one(
        self, sender: Sender, address: str, broadcast: Broadcast, delivery: Delivery, pacer: Pacer
    ) -> Outcome:
        ticket = sender.ticket()
        upload = None
        if broadcast.photo and broadcast.photo.startswith(LOCAL_FILE):
            upload = Path(broadcast.photo.removeprefix(LOCAL_FILE))
        while True:
            try:
                await sender.wait_turn(address, ticket)
                result = await sender.send_announcement(
                    address, broadcast, delivery.language, upload
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug or a local fault must not strand the recipient
                log.exception("broadcast %d: delivery failed unexpectedly", broadcast.id)
                return self._retry_or_fail(delivery, f"{type(exc).__name__}: {exc}"[:200])
            if result.status == SLOW_DOWN:
                log.warning("%s asks to slow down for %.0f s", sender.channel, result.wait)
                sender.slow_down(result.wait, address)
                pacer.hold(result.wait)
                await pacer.wait()  # retries take their turn too, not all at once
                continue
            if result.photo_id is not None:
                await set_photo(self.db, broadcast.id, result.photo_id)
            if result.status == TRANSIENT:
                return self._retry_or_fail(delivery, result.reason or "transient")
            if result.status == SENT:
                return Outcome("sent")
            return Outcome(result.status, result.reason)

    def _retry_or_fail(self, delivery: Delivery, reason: str) -> Outcome:
        if delivery.attempts >= MAX_ATTEMPTS:
            return Outcome("failed", reason)
        backoff = min(2 ** (delivery.attempts - 1), 60)
        return Outcome("pending", reason, real_now() + timedelta(seconds=backoff))

    # --- officers' view -------------------------------------------------------------------

    async def _finish(self, broadcast: Broadcast) -> None:
        if await finish_broadcast(self.db, broadcast.id, self.clock()):
            done = await get_broadcast(self.db, broadcast.id)
            if done is not None:
                log.info("broadcast %d done", done.id)
                await self._show_progress(done, force=True)
                await self._report(done)

    async def _show_progress(self, broadcast: Broadcast, force: bool = False) -> None:
        if self.views is None or broadcast.progress_chat is None:
            return
        now = time.monotonic()
        last_time, last_done = self._last_progress.get(broadcast.id, (0.0, 0))
        if not force and now - last_time < PROGRESS_EVERY:
            return
        figures = await progress(self.db, broadcast.id)
        rate = (figures.done - last_done) / (now - last_time) if last_time else 0.0
        self._last_progress[broadcast.id] = (now, figures.done)
        await self._view("progress", broadcast, figures, max(rate, 0.0))

    async def _report(self, broadcast: Broadcast) -> None:
        await self._view("report", broadcast, await progress(self.db, broadcast.id))

    async def _view(self, name: str, *args: Any) -> None:
        if self.views is None:
            return
        try:
            await getattr(self.views, name)(*args)
        except TelegramError as exc:
            log.info("officer view %s not shown: %s", name, exc)


def seconds_left(done: int, total: int, rate: float) -> int | None:
    if rate <= 0:
        return None
    return math.ceil(max(total - done, 0) / rate)
