"""Rules behind announcements: quiet hours, typed dates, segments and the calendar file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.campaign import CalendarError, load_calendar
from bot.domain.quiet import QuietHours
from bot.domain.when import parse_local_datetime
from bot.segments import SegmentError, parse_segment
from bot.settings import Settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).parents[2]


def local(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=VN)


def test_quiet_hours_span_midnight() -> None:
    quiet = QuietHours.parse("21:00-07:00")
    assert quiet.contains(local(21), VN)
    assert quiet.contains(local(23, 59), VN)
    assert quiet.contains(local(6, 59), VN)
    assert not quiet.contains(local(7), VN)
    assert not quiet.contains(local(20, 59), VN)
    assert quiet.contains(datetime(2026, 10, 2, 15, 0, tzinfo=UTC), VN)  # 22:00 in Vietnam
    assert quiet.next_end(local(22), VN) == local(7, day=3)
    assert quiet.next_end(local(3), VN) == local(7)
    assert quiet.next_end(local(12), VN) == local(12)


def test_quiet_hours_off_and_errors() -> None:
    assert not QuietHours.parse("off").contains(local(23), VN)
    assert QuietHours.parse("12:00-13:00").contains(local(12, 30), VN)
    for bad in ("21-7", "25:00-07:00", "night"):
        with pytest.raises(ValueError):
            QuietHours.parse(bad)


def test_typed_dates() -> None:
    expected = datetime(2026, 10, 2, 7, 30, tzinfo=VN)
    for text in (
        "2026-10-02 07:30",
        "02/10/2026 07:30",
        "2/10/2026 7:30",
        "07:30 02/10/2026",
        "2026-10-02T07:30",
        " 02/10/2026   7h30 ",
    ):
        assert parse_local_datetime(text, VN) == expected, text
    for bad in ("31/02/2026 07:30", "tomorrow", "2026-10-02", "25:00 02/10/2026", ""):
        assert parse_local_datetime(bad, VN) is None, bad


def test_segments() -> None:
    assert str(parse_segment("all", 31)) == "all"
    assert str(parse_segment(" Members ", 31)) == "members"
    assert str(parse_segment("category:teacher", 31)) == "category:teacher"
    assert str(parse_segment("language:en", 31)) == "language:en"
    ward = parse_segment("ward:ngo quyen", 31)
    assert ward.kind == "ward" and ward.value is not None and ward.value.isdigit()
    assert parse_segment(f"ward:{ward.value}", 31) == ward
    assert str(parse_segment("donors", 31)) == "donors"
    for bad in ("everyone", "ward:xyz", "ward:hai", "category:astronaut", "language:fr", "donor"):
        with pytest.raises(SegmentError):
            parse_segment(bad, 31)


def test_the_shipped_calendar_has_the_months_dates() -> None:
    calendar = load_calendar(ROOT / "locales/campaign/2026.toml", Settings())
    by_message = {e.message: e for e in calendar.entries}
    assert by_message["month_opening"].at.astimezone(VN).date().isoformat() == "2026-10-01"
    assert by_message["study_promotion_day"].at.astimezone(VN).date().isoformat() == "2026-10-02"
    assert by_message["founding_day"].at.astimezone(VN).date().isoformat() == "2026-10-14"
    assert by_message["month_closing"].at.astimezone(VN).date().isoformat() == "2026-10-31"
    assert sum(e.message == "weekly_progress" for e in calendar.entries) == 4
    assert calendar.week_start is not None and calendar.week_start.isoformat() == "2026-10-01"
    assert all(e.action in ("join", "pledge") for e in calendar.entries)


GOOD_ENTRY = """
[[entry]]
key = "opening"
at = 2026-10-01T08:00:00
audience = "all"
message = "month_opening"
"""


@pytest.mark.parametrize(
    ("entry", "line", "words"),
    [
        ("at = 2026-13-01T08:00:00", 11, "not valid TOML"),
        ('at = "the first of October"', 11, "bad date and time"),
        ('message = "month_openning"', 11, "unknown message key"),
        ('audience = "everyone"', 11, "unknown segment"),
        ('action = "dance"', 11, "action"),
        ('colour = "red"', 11, "unknown field"),
    ],
)
def test_calendar_errors_name_their_line(tmp_path: Path, entry: str, line: int, words: str) -> None:
    lines = [
        "year = 2026",
        GOOD_ENTRY,
        "[[entry]]",
        'key = "second"',
        "at = 2026-10-02T08:00:00",
        'audience = "all"',
        'message = "study_promotion_day"',
    ]
    field = entry.split("=")[0].strip()
    lines = [row for row in lines if not row.startswith(f"{field} ") or row.startswith("key")]
    text = "\n".join(lines).replace('key = "second"', f'key = "second"\n{entry}')
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as error:
        load_calendar(path, Settings())
    assert words in str(error.value)
    assert error.value.line == line
