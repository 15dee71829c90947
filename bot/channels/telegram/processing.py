"""Process different users' updates in parallel and each user's updates in order.

ConversationHandler is not safe with PTB's plain concurrent updates: two updates of one user
could race on the same conversation state. Each account's updates wait in a line of their own;
a line holds at most `max_queued` waiting updates: beyond that the oldest waiting one is
dropped (and the person told once to slow down), so one account flooding the bot neither
grows memory without bound nor holds the slots that other people's updates need.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 32
MAX_QUEUED_PER_USER = 10
# PTB takes its own slot before calling us; were its slots our limit, one user flooding the bot
# would hold them all while waiting for their turn, and stall everyone else. So PTB's limit
# is only a ceiling on queued tasks, and ours is taken once it is the user's turn.
PTB_SLOTS = 4096

FloodNote = Callable[[Update], Coroutine[Any, Any, None]]


@dataclass
class _Line:
    """One account's updates: whether one is being processed, and those waiting their turn
    (each future is set True when it is its turn, False when it was dropped)."""

    busy: bool = False
    waiting: deque[asyncio.Future[bool]] = field(default_factory=deque)
    noted: bool = False


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        max_queued: int = MAX_QUEUED_PER_USER,
    ) -> None:
        super().__init__(PTB_SLOTS)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self.max_queued = max_queued
        self._lines: dict[int, _Line] = {}
        self.on_flood: FloodNote | None = None
        self.dropped = 0
        self._notes: set[asyncio.Task[None]] = set()

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_user:
                return update.effective_user.id
            if update.effective_chat:
                return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = self._key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        line = self._lines.setdefault(key, _Line())
        if line.busy:
            turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            line.waiting.append(turn)
            if len(line.waiting) > self.max_queued:
                self._drop_oldest(line, update)
            try:
                mine = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled() and turn.result():
                    self._hand_over(key, line)
                _close(coroutine)
                raise
            if not mine:
                _close(coroutine)
                return
        else:
            line.busy = True
        try:
            async with self._running:
                await coroutine
        finally:
            self._hand_over(key, line)

    def _drop_oldest(self, line: _Line, update: object) -> None:
        oldest = line.waiting.popleft()
        if not oldest.done():
            oldest.set_result(False)
        self.dropped += 1
        if not line.noted and self.on_flood is not None and isinstance(update, Update):
            line.noted = True
            task = asyncio.create_task(self.on_flood(update))
            self._notes.add(task)
            task.add_done_callback(self._notes.discard)

    def _hand_over(self, key: int, line: _Line) -> None:
        while line.waiting:
            turn = line.waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        line.busy = False
        if self._lines.get(key) is line:
            del self._lines[key]

    @property
    def busy(self) -> Collection[int]:
        """Accounts (user, else chat ids) with updates being processed or waiting."""
        return self._lines.keys()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _close(coroutine: Awaitable[object]) -> None:
    """A dropped update's handler coroutine is closed unstarted (no 'never awaited' warning)."""
    if asyncio.iscoroutine(coroutine):
        coroutine.close()
