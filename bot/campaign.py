"""The campaign calendar: a TOML file of dated messages, checked, then scheduled as broadcasts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.campaign_texts import CAMPAIGN_TEXTS, LIVE_FIGURES
from bot.domain.wards import province_name
from bot.i18n import gettext_for, money, number
from bot.outbox.announcement import ACTIONS, LOCAL_FILE
from bot.segments import SegmentError, parse_segment
from bot.settings import Settings
from storage import Database
from storage.broadcasts import (
    Broadcast,
    BroadcastDraft,
    broadcast_by_campaign_key,
    campaign_broadcasts,
    create_broadcast,
    set_status,
    update_scheduled_campaign,
    update_texts,
)
from storage.campaign import campaign_figures

_HEADER = re.compile(r"^\s*\[")
_ENTRY = re.compile(r"^\s*\[\[\s*entry\s*\]\]")


class CalendarError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Entry:
    key: str
    at: datetime
    audience: str
    message: str
    action: str | None
    photo: Path | None
    line: int


@dataclass(frozen=True)
class Calendar:
    year: int
    entries: tuple[Entry, ...]
    week_start: date | None = None
    week_end: date | None = None

    def campaign_key(self, entry: Entry) -> str:
        return f"{self.year}/{entry.key}"


def _entry_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each [[entry]]: its header's line, and the line of each of its keys."""
    blocks: list[tuple[int, dict[str, int]]] = []
    current: dict[str, int] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if _ENTRY.match(line):
            current = {}
            blocks.append((lineno, current))
        elif _HEADER.match(line):
            current = None
        elif current is not None and (match := re.match(r"^\s*([A-Za-z_-]+)\s*=", line)):
            current.setdefault(match.group(1), lineno)
    return blocks


def load_calendar(path: Path, settings: Settings) -> Calendar:
    """Read and check a calendar file; every problem names its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(None, f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"at line (\d+)", str(exc))
        raise CalendarError(
            int(where.group(1)) if where else None, f"not valid TOML: {exc}"
        ) from exc
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2200:
        raise CalendarError(_line_of(text, "year"), "`year` must be a year such as 2026")
    week = data.get("lifelong_learning_week", {})
    week_start, week_end = week.get("start"), week.get("end")
    if week and not (isinstance(week_start, date) and isinstance(week_end, date)):
        raise CalendarError(
            _line_of(text, "start"), "lifelong_learning_week needs start and end dates"
        )
    raw_entries = data.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CalendarError(None, "the calendar has no [[entry]]")
    lines = _entry_lines(text)
    entries: list[Entry] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries):
        header, keys = lines[index] if index < len(lines) else (None, {})
        entries.append(_entry(raw, header, keys, settings, path.parent))
        if entries[-1].key in seen:
            raise CalendarError(
                keys.get("key", header), f"the key {entries[-1].key!r} is used twice"
            )
        seen.add(entries[-1].key)
    return Calendar(year, tuple(entries), week_start, week_end)


def _line_of(text: str, key: str) -> int | None:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return lineno
    return None


def _entry(
    raw: dict[str, Any], header: int | None, keys: dict[str, int], settings: Settings, base: Path
) -> Entry:
    def fail(field: str, message: str) -> CalendarError:
        return CalendarError(keys.get(field, header), message)

    key = raw.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", key):
        raise fail("key", "`key` must be short, lower-case letters, digits and dashes")
    at = raw.get("at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise fail(
                "at", f"bad date and time {raw.get('at')!r}: use 2026-10-02T07:30:00"
            ) from None
    if isinstance(at, date) and not isinstance(at, datetime):
        raise fail("at", f"{key}: `at` needs a time too, such as 2026-10-02T07:30:00")
    if not isinstance(at, datetime):
        raise fail("at", f"{key}: `at` must be a date and time, such as 2026-10-02T07:30:00")
    if at.tzinfo is None:
        at = at.replace(tzinfo=settings.tz)
    audience = raw.get("audience", "all")
    try:
        segment = parse_segment(str(audience), settings.province_code)
    except SegmentError as exc:
        raise fail("audience", f"{key}: {exc}") from None
    message = raw.get("message")
    if message not in CAMPAIGN_TEXTS:
        known = ", ".join(sorted(CAMPAIGN_TEXTS))
        raise fail("message", f"{key}: unknown message key {message!r}; known keys: {known}")
    action = raw.get("action")
    if action is not None and action not in ACTIONS:
        raise fail("action", f"{key}: `action` must be one of {', '.join(ACTIONS)}")
    photo = raw.get("photo")
    photo_path: Path | None = None
    if photo is not None:
        photo_path = (base / str(photo)).resolve()
        if not photo_path.is_file():
            raise fail("photo", f"{key}: no photo file at {photo_path}")
    unknown = set(raw) - {"key", "at", "audience", "message", "action", "photo"}
    if unknown:
        first = sorted(unknown)[0]
        raise fail(first, f"{key}: unknown field {first!r}")
    return Entry(key, at, str(segment), str(message), action, photo_path, header or 0)


async def render_texts(
    db: Database, settings: Settings, message: str, now: datetime
) -> tuple[str, str]:
    """(Vietnamese, English) text of a message key, with live figures where it has them."""
    texts = []
    if message in LIVE_FIGURES:
        month_start = datetime(now.astimezone(settings.tz).year, 10, 1, tzinfo=settings.tz)
        since = now - timedelta(days=7) if message == "weekly_progress" else month_start
        figures = await campaign_figures(db, since, month_start)
    for lang in ("vi", "en"):
        _ = gettext_for(lang)
        values = {"province": province_name(settings.province_code)}
        if message in LIVE_FIGURES:
            values.update(
                new_members=number(figures.new_members, lang),
                members=number(figures.members, lang),
                pledged=money(figures.pledged, lang),
                received=money(figures.received, lang),
            )
        texts.append(_(CAMPAIGN_TEXTS[message]).format(**values))
    return texts[0], texts[1]


async def schedule_calendar(
    db: Database, settings: Settings, calendar: Calendar, now: datetime
) -> list[tuple[Entry, Broadcast | None, str]]:
    """Create a broadcast per entry, or move one still scheduled; loading twice adds nothing.

    Returns (entry, broadcast or None, what happened: 'scheduled', 'updated', 'kept', or 'past'
    for an entry whose time is gone: it is not scheduled, since it would only be missed)."""
    results: list[tuple[Entry, Broadcast | None, str]] = []
    for entry in calendar.entries:
        key = calendar.campaign_key(entry)
        if entry.at < now - settings.broadcast_late_limit:
            results.append((entry, await broadcast_by_campaign_key(db, key), "past"))
            continue
        text_vi, text_en = await render_texts(db, settings, entry.message, now)
        existing = await broadcast_by_campaign_key(db, key)
        photo = f"{LOCAL_FILE}{entry.photo}" if entry.photo else None
        if existing is not None:
            changed = await update_scheduled_campaign(
                db,
                existing.id,
                text_vi=text_vi,
                text_en=text_en,
                at=entry.at,
                segment=entry.audience,
                source=f"campaign:{entry.message}",
                action=entry.action,
                photo=photo,
            )
            refreshed = await broadcast_by_campaign_key(db, key)
            results.append((entry, refreshed or existing, "updated" if changed else "kept"))
            continue
        draft = BroadcastDraft(
            text_vi=text_vi,
            text_en=text_en,
            segment=entry.audience,
            scheduled_at=entry.at,
            source=f"campaign:{entry.message}",
            photo=photo,
            action=entry.action,
            campaign_key=key,
        )
        results.append((entry, await create_broadcast(db, draft, now), "scheduled"))
    # An entry taken out of the file must not go out.
    keys = {calendar.campaign_key(entry) for entry in calendar.entries}
    for broadcast in await campaign_broadcasts(db):
        key = broadcast.campaign_key or ""
        if (
            key.startswith(f"{calendar.year}/")
            and key not in keys
            and broadcast.status == "scheduled"
        ):
            await set_status(db, broadcast.id, "cancelled", only_from=("scheduled",))
    return results


def message_key(broadcast: Broadcast) -> str | None:
    if not broadcast.campaign_key or not broadcast.source.startswith("campaign:"):
        return None
    return broadcast.source.removeprefix("campaign:")


async def refresh_live_texts(
    db: Database, settings: Settings, broadcast: Broadcast, now: datetime
) -> None:
    """Just before a campaign message goes out, fill in the figures of that moment."""
    message = message_key(broadcast)
    if message in LIVE_FIGURES:
        text_vi, text_en = await render_texts(db, settings, message, now)
        await update_texts(db, broadcast.id, text_vi, text_en)
