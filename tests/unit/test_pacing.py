"""The send pacer: Telegram's limits kept before they are hit, replies first."""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram.pacing import BROADCAST, NOTICE, REPLY, SendPacer


async def test_the_overall_window_is_never_exceeded() -> None:
    pacer = SendPacer(per_second=5, chat_per_second=0, window=0.2)
    granted: list[float] = []

    async def send(chat: int) -> None:
        await pacer.acquire(chat)
        granted.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send(chat) for chat in range(15)))
    assert len(granted) == 15
    assert granted[-1] - started >= 0.39  # three windows of five
    # Any six span about a window (less the time a waiting task takes to resume).
    for i in range(len(granted) - 5):
        assert granted[i + 5] - granted[i] >= 0.15


async def test_one_chat_gets_its_burst_then_one_a_tick() -> None:
    pacer = SendPacer(per_second=0, chat_per_second=20, chat_burst=3)
    started = time.monotonic()
    for _ in range(5):
        await pacer.acquire(42)
    # three at once, then one every 50 ms
    assert 0.09 <= time.monotonic() - started < 0.5


async def test_replies_go_before_receipts_and_announcements() -> None:
    pacer = SendPacer(per_second=1, chat_per_second=0, window=0.15)
    await pacer.acquire(1)  # the window is full now
    order: list[str] = []

    async def send(kind: str, priority: int) -> None:
        await pacer.acquire(None, priority)
        order.append(kind)

    waiting = [
        asyncio.create_task(send("announcement", BROADCAST)),
        asyncio.create_task(send("receipt", NOTICE)),
    ]
    await asyncio.sleep(0.01)
    waiting.append(asyncio.create_task(send("reply", REPLY)))
    await asyncio.gather(*waiting)
    assert order == ["reply", "receipt", "announcement"]


async def test_no_limits_means_no_waiting() -> None:
    pacer = SendPacer(per_second=0, chat_per_second=0)
    started = time.monotonic()
    for i in range(2000):
        await pacer.acquire(i % 3)
    assert time.monotonic() - started < 0.5 and pacer.waiting == 0


async def test_a_429_holds_that_chat_only() -> None:
    pacer = SendPacer(per_second=0, chat_per_second=100, chat_burst=3)
    pacer.hold(0.2, chat_id=7)
    started = time.monotonic()
    await pacer.acquire(8)
    assert time.monotonic() - started < 0.05
    await pacer.acquire(7)
    assert time.monotonic() - started >= 0.19
