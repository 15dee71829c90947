"""Telegram-like flood limits: a global sliding window and per-chat token buckets."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class RateLimiter:
    """``check`` returns None when the call may proceed (and consumes capacity), otherwise
    the number of whole seconds (>= 1) the bot has to wait."""

    global_per_sec: int = 30
    per_chat_per_sec: float = 1.0
    per_chat_burst: int = 3
    _window: deque[float] = field(default_factory=deque)
    _buckets: dict[int | str, _Bucket] = field(default_factory=dict)

    def check(self, chat_id: int | str | None, now: float | None = None) -> int | None:
        now = time.monotonic() if now is None else now
        window = self._window
        while window and now - window[0] >= 1.0:
            window.popleft()
        if self.global_per_sec > 0 and len(window) >= self.global_per_sec:
            return max(1, math.ceil(1.0 - (now - window[0])))
        bucket: _Bucket | None = None
        if chat_id is not None and self.per_chat_per_sec > 0:
            bucket = self._buckets.get(chat_id)
            if bucket is None:
                bucket = _Bucket(float(self.per_chat_burst), now)
                self._buckets[chat_id] = bucket
            else:
                bucket.tokens = min(
                    float(self.per_chat_burst),
                    bucket.tokens + (now - bucket.updated) * self.per_chat_per_sec,
                )
                bucket.updated = now
            if bucket.tokens < 1.0:
                return max(1, math.ceil((1.0 - bucket.tokens) / self.per_chat_per_sec))
            bucket.tokens -= 1.0
        window.append(now)
        return None
