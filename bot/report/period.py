"""The period a report covers: dates as officers type them, the Month by default."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CAMPAIGN_MONTH = 10  # the Month of Study Promotion: 1-31 October
MAX_DAYS = 3660  # a report covers at most ten years


# --- the period -----------------------------------------------------------------------------


class PeriodError(ValueError):
    """The dates typed cannot make a period; `problem` says why, `text` what was typed."""

    def __init__(self, problem: str, text: str = "") -> None:
        super().__init__(f"{problem}: {text}")
        self.problem = problem  # 'date', 'order', 'too_many' or 'too_long'
        self.text = text


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_day(text: str) -> date | None:
    """'2026-10-01', '01/10/2026' or '1.10.2026' (day first, as written in Vietnam)."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    if not 2000 <= year <= 2200:  # a report is about the movement's years, not 0001 or 9999
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def campaign_month(year: int) -> tuple[date, date]:
    return date(year, CAMPAIGN_MONTH, 1), date(year, CAMPAIGN_MONTH, 31)


def parse_period(words: Sequence[str], today: date) -> tuple[date, date]:
    """First and last day (both included) from `/report [from] [to]`: nothing gives the Month
    of this year, one date runs from it to today (or that day alone, if it is later)."""
    if len(words) > 2:
        raise PeriodError("too_many", " ".join(words))
    if not words:
        return campaign_month(today.year)
    days = []
    for word in words:
        day = parse_day(word)
        if day is None:
            raise PeriodError("date", word)
        days.append(day)
    first = days[0]
    last = days[1] if len(days) == 2 else max(first, today)
    if last < first:
        raise PeriodError("order", " ".join(words))
    if (last - first).days >= MAX_DAYS:
        raise PeriodError("too_long", " ".join(words))
    return first, last


def utc_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC from local first and last days, both included."""
    start = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    return start, end
