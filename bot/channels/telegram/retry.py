"""Every request that writes to a chat waits for its slot in the send pacer, and a 429 is
waited out and tried again until it goes through: a reply is never dropped nor turned into an
apology because Telegram asked the bot to slow down.

PTB's AIORateLimiter halts every request on a 429 and gives up after a few; this one keeps
each chat's messages in order (one request at a time per sender) and gives up only after
`give_up_after` seconds, with a log line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels.telegram.pacing import REPLY, SendPacer

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
PACED_PREFIXES = ("send", "edit", "copy", "forward")
GIVE_UP_AFTER = 600.0  # seconds


def is_paced(endpoint: str) -> bool:
    lower = endpoint.lower()
    return lower.startswith(PACED_PREFIXES) and lower != "sendchataction"


def retry_seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class PacedLimiter(BaseRateLimiter[int]):
    """`rate_limit_args` is the priority: REPLY (the default), NOTICE or BROADCAST (pacing.py)."""

    def __init__(self, pacer: SendPacer, give_up_after: float = GIVE_UP_AFTER) -> None:
        self.pacer = pacer
        self.give_up_after = give_up_after

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        self.pacer.close()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        if not is_paced(endpoint):
            return await callback(*args, **kwargs)
        priority = REPLY if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        ticket = self.pacer.ticket()
        deadline = time.monotonic() + self.give_up_after
        while True:
            await self.pacer.acquire(chat_id, priority, ticket)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                if time.monotonic() + seconds > deadline:
                    log.error("%s: refused for %.0f s; giving up", endpoint, self.give_up_after)
                    raise
                log.warning("%s: Telegram asks to wait %.0f s", endpoint, seconds)
                self.pacer.hold(seconds, chat_id)  # the next acquire waits it out, in line
