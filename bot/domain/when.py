"""Dates and times typed by officers, read in the Association's time zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2})[:h](\d{2})$")
_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:h](\d{2})$")
_VN_TIME_FIRST = re.compile(r"^(\d{1,2})[:h](\d{2})\s+(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_local_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    """'2026-10-02 07:30', '02/10/2026 07:30' or '07:30 02/10/2026' (day first), or None."""
    value = " ".join(text.strip().split())
    parts: tuple[int, int, int, int, int] | None = None
    if match := _ISO.match(value):
        y, mo, d, h, mi = (int(g) for g in match.groups())
        parts = (y, mo, d, h, mi)
    elif match := _VN.match(value):
        d, mo, y, h, mi = (int(g) for g in match.groups())
        parts = (y, mo, d, h, mi)
    elif match := _VN_TIME_FIRST.match(value):
        h, mi, d, mo, y = (int(g) for g in match.groups())
        parts = (y, mo, d, h, mi)
    if parts is None:
        return None
    try:
        return datetime(*parts, tzinfo=tz)
    except ValueError:
        return None
