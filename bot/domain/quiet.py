"""Quiet hours: no scheduled announcement starts or goes on at night (default 21:00–07:00)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """'21:00-07:00'; an empty string or 'off' means no quiet hours (start == end)."""
        if text.strip().lower() in ("", "off", "none"):
            return cls(time(0), time(0))
        match = _SPAN.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a span such as 21:00-07:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"{text!r} has an impossible time")
        return cls(time(h1, m1), time(h2, m2))

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        if not self.enabled:
            return False
        local = moment.astimezone(tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first moment at or after `moment` outside quiet hours."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end += timedelta(days=1)
        return end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}" if self.enabled else "off"
