"""Interactive replies wait out a 429 and try again; nothing else is throttled.

PTB's AIORateLimiter paces every request through limiter contexts and, on a 429, halts all of
them. Replies are a few per user and announcements have their own pacing (the broadcast
engine), so this only retries what Telegram refused with retry_after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class RetryAfterLimiter(BaseRateLimiter[int]):
    def __init__(self, max_retries: int = 3, max_wait: float = 60.0) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if attempt == retries or seconds > self.max_wait:
                    raise
                log.warning("%s: Telegram asks to wait %.0f s", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable")
