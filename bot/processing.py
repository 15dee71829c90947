"""Process different users' updates in parallel and each user's updates in order.

ConversationHandler is not safe with PTB's plain concurrent updates: two updates of one user
could race on the same conversation state. A lock per user keeps them in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 32
# PTB takes its own slot before calling us; were its slots our limit, one user flooding the bot
# would hold them all while waiting for their own lock, and stall everyone else. So PTB's limit
# is only a ceiling on queued tasks, and ours is taken after the user's lock.
PTB_SLOTS = 4096


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(PTB_SLOTS)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

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
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
