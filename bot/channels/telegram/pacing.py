"""Telegram's flood limits, kept before we hit them, for everything the bot sends.

Telegram allows about 30 messages a second overall and about one a second per chat (with a
short burst). One pacer per process hands out sending slots within both limits, and in
priority order: a reply to someone who is waiting first, then receipts and reminders, then
announcements. So 400 people pressing /start at once are answered at the rate Telegram allows,
in the order they came, and an announcement under way slows down instead of crowding them out.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

REPLY = 0
NOTICE = 1
BROADCAST = 2

GLOBAL_PER_SECOND = 29  # one below Telegram's 30: requests arrive a little bunched up
CHAT_PER_SECOND = 1.0
CHAT_BURST = 3
WINDOW = 1.0
CHATS_KEPT = 10_000  # per-chat state of the most recent chats; older ones are forgotten


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    chat_id: int | str | None = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class SendPacer:
    """At most `per_second` sends in any `window` seconds, and per chat a bucket of
    `chat_burst` refilled at `chat_per_second` (0: no such limit); waiting senders are served
    by priority, then in the order they asked."""

    def __init__(
        self,
        per_second: int = GLOBAL_PER_SECOND,
        chat_per_second: float = CHAT_PER_SECOND,
        chat_burst: int = CHAT_BURST,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.chat_interval = 1.0 / chat_per_second if chat_per_second > 0 else 0.0
        self.chat_tolerance = (chat_burst - 1) * self.chat_interval
        self.window = window
        self.clock = clock
        self._sent: deque[float] = deque()
        # GCRA: per chat, the theoretical time of its next send.
        self._chats: OrderedDict[int | str, float] = OrderedDict()
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._held_until = 0.0
        self._kick = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    # --- what senders call ------------------------------------------------------------------

    def ticket(self) -> int:
        """A place in line; a sender that retries after a 429 keeps the place it had."""
        return next(self._seq)

    async def acquire(
        self, chat_id: int | str | None, priority: int = REPLY, ticket: int | None = None
    ) -> None:
        """Wait for a slot to send one message to `chat_id`."""
        now = self.clock()
        if not self._waiting and self._free(chat_id, now):
            self._take(chat_id, now)
            return
        waiter = _Waiter(
            priority,
            self.ticket() if ticket is None else ticket,
            chat_id,
            asyncio.get_running_loop().create_future(),
        )
        heapq.heappush(self._waiting, waiter)
        self._ensure_dispatcher()
        self._kick.set()
        try:
            await waiter.future
        except asyncio.CancelledError:
            # Still waiting: leave the line. Already granted: the slot simply goes unused.
            if not waiter.future.done():
                waiter.future.cancel()
            raise

    def hold(self, seconds: float, chat_id: int | str | None = None) -> None:
        """After a 429: nothing more to that chat (or to anyone) for `seconds`."""
        until = self.clock() + seconds
        if chat_id is None:
            self._held_until = max(self._held_until, until)
        else:
            tat = self._chats.get(chat_id, 0.0)
            self._chats[chat_id] = max(tat, until + self.chat_tolerance)
            self._chats.move_to_end(chat_id)

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiting if not w.future.done())

    def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            self._dispatcher = None

    # --- the limits ---------------------------------------------------------------------------

    def _global_wait(self, now: float) -> float:
        if now < self._held_until:
            return self._held_until - now
        sent = self._sent
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        if self.per_second <= 0 or len(sent) < self.per_second:
            return 0.0
        return self.window - (now - sent[0])

    def _chat_wait(self, chat_id: int | str | None, now: float) -> float:
        if chat_id is None or not self.chat_interval:
            return 0.0
        tat = self._chats.get(chat_id)
        if tat is None:
            return 0.0
        return max(0.0, tat - self.chat_tolerance - now)

    def _free(self, chat_id: int | str | None, now: float) -> bool:
        return self._global_wait(now) <= 0 and self._chat_wait(chat_id, now) <= 0

    def _take(self, chat_id: int | str | None, now: float) -> None:
        if self.per_second > 0:
            self._sent.append(now)
        if chat_id is None or not self.chat_interval:
            return
        tat = self._chats.get(chat_id, now)
        self._chats[chat_id] = max(tat, now) + self.chat_interval
        self._chats.move_to_end(chat_id)
        while len(self._chats) > CHATS_KEPT:
            oldest, oldest_tat = next(iter(self._chats.items()))
            if oldest_tat > now:
                break  # still limiting: kept until it no longer matters
            del self._chats[oldest]

    # --- the dispatcher -------------------------------------------------------------------------

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="send-pacer")

    async def _dispatch(self) -> None:
        while True:
            self._kick.clear()
            while self._waiting and self._waiting[0].future.done():
                heapq.heappop(self._waiting)  # cancelled while waiting
            if not self._waiting:
                return
            now = self.clock()
            pause = self._global_wait(now)
            if pause <= 0:
                pause = self._grant_one(now)
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), pause)
            else:
                await asyncio.sleep(0)

    def _grant_one(self, now: float) -> float:
        """Grant the first waiter, by priority then age, whose chat may be written to now.

        Returns 0 after a grant, else how long until some waiter's chat is free."""
        head = self._waiting[0]
        if self._chat_wait(head.chat_id, now) <= 0:
            heapq.heappop(self._waiting)
            self._take(head.chat_id, now)
            head.future.set_result(None)
            return 0.0
        soonest = float("inf")
        seen_chats: set[int | str] = set()
        for waiter in sorted(self._waiting):
            if waiter.future.done():
                continue
            chat = waiter.chat_id
            if chat is not None and chat in seen_chats:
                continue  # an older message to this chat goes first
            wait = self._chat_wait(chat, now)
            if wait <= 0:
                self._waiting.remove(waiter)
                heapq.heapify(self._waiting)
                self._take(chat, now)
                waiter.future.set_result(None)
                return 0.0
            soonest = min(soonest, wait)
            if chat is not None:
                seen_chats.add(chat)
        return soonest if soonest != float("inf") else 0.05
