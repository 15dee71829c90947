"""What the bot keeps in memory per person stays bounded.

PTB creates a user_data and a chat_data entry for every person who ever wrote, and never lets
go of them; the runtime caches each person's language. Empty entries are swept every few
minutes, and the caches are bounded (least recently used first out)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from typing import Any, Generic, TypeVar

from telegram.ext import Application, CallbackContext, JobQueue

from bot.channels.telegram.processing import PerUserUpdateProcessor

K = TypeVar("K")
V = TypeVar("V")

SWEEP_EVERY = 300.0  # seconds
CACHED_PEOPLE = 20_000


class BoundedCache(Generic[K, V]):
    """A dict of at most `size` entries that forgets the least recently used."""

    def __init__(self, size: int = CACHED_PEOPLE) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self._items.pop(key, default)

    def drop_value(self, value: V) -> None:
        """Forget every key that leads to `value` (rare: a person erased or purged)."""
        for key in [k for k, v in self._items.items() if v == value]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


def sweep(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Drop the empty per-person entries PTB keeps, except for people whose updates are being
    handled right now (a handler may be about to write a draft); returns how many went."""
    processor = application.update_processor
    busy: Collection[int] = processor.busy if isinstance(processor, PerUserUpdateProcessor) else ()
    empty_users = [
        uid for uid, data in application.user_data.items() if not data and uid not in busy
    ]
    for uid in empty_users:
        application.drop_user_data(uid)
    empty_chats = [
        cid for cid, data in application.chat_data.items() if not data and cid not in busy
    ]
    for cid in empty_chats:
        application.drop_chat_data(cid)
    return len(empty_users) + len(empty_chats)


def start_sweeping(job_queue: JobQueue[Any] | None) -> None:
    if job_queue is None:
        return

    async def tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
        sweep(context.application)

    job_queue.run_repeating(tick, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="memory-sweep")
