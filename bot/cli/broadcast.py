"""`python -m bot broadcast ...` and `python -m bot campaign ...`: the same engine, scripted.

Queued broadcasts are rows in SQLite; the running bot picks them up within seconds."""

from __future__ import annotations

import argparse
import sys

from bot.campaign import CalendarError, load_calendar, schedule_calendar
from bot.domain.when import parse_local_datetime
from bot.outbox.announcement import LOCAL_FILE
from bot.runtime import utc_now
from bot.segments import SegmentError, parse_segment
from bot.settings import Settings
from storage import Database
from storage.audit import record
from storage.broadcasts import (
    Broadcast,
    BroadcastDraft,
    audience_size,
    create_broadcast,
    get_broadcast,
    recent_broadcasts,
)
from storage.deliveries import progress

TEXT_MAX = 4096
CAPTION_MAX = 1024


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def read_text(path: object, what: str) -> str:
    from pathlib import Path

    assert isinstance(path, Path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {what} {path}: {exc}") from exc
    if not text:
        raise ValueError(f"{what} {path} is empty")
    return text


async def broadcast_command(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database(settings.database_path).open()
    try:
        if args.status:
            return await show_status(db, settings, args.status)
        return await queue(db, settings, args)
    finally:
        await db.close()


async def queue(db: Database, settings: Settings, args: argparse.Namespace) -> int:
    if args.text is None or args.segment is None:
        return fail("--text FILE and --segment SEGMENT are required")
    try:
        text_vi = read_text(args.text, "text")
        text_en = read_text(args.text_en, "English text") if args.text_en else None
    except ValueError as exc:
        return fail(str(exc))
    limit = CAPTION_MAX if args.photo else TEXT_MAX
    for text in (text_vi, text_en):
        if text and len(text) > limit:
            return fail(f"a text has {len(text)} characters; at most {limit} fit")
    photo = None
    if args.photo:
        if not args.photo.is_file():
            return fail(f"no photo at {args.photo}")
        photo = f"{LOCAL_FILE}{args.photo.resolve()}"
    try:
        segment = parse_segment(args.segment, settings.province_code)
    except SegmentError as exc:
        return fail(str(exc))
    now = utc_now()
    at = now
    if args.at:
        parsed = parse_local_datetime(args.at, settings.tz)
        if parsed is None:
            return fail(f'--at {args.at!r}: use "YYYY-MM-DD HH:MM", local time')
        at = parsed
    broadcast = await create_broadcast(
        db,
        BroadcastDraft(
            text_vi=text_vi,
            text_en=text_en,
            photo=photo,
            segment=str(segment),
            scheduled_at=at,
            source="cli",
        ),
        now,
    )
    await record(
        db, None, "broadcast.create", "ok", now, f"broadcast:{broadcast.id}", "command line"
    )
    count = await audience_size(db, str(segment))
    when = at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    print(f"broadcast {broadcast.id} queued for {when} to {segment} ({count} recipients now)")
    print(
        f"the running bot sends it; follow it with: python -m bot broadcast status {broadcast.id}"
    )
    return 0


async def show_status(db: Database, settings: Settings, words: list[str]) -> int:
    if words[0] != "status" or len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
        return fail("usage: python -m bot broadcast status [ID]")
    if len(words) == 2:
        broadcast = await get_broadcast(db, int(words[1]))
        if broadcast is None:
            return fail(f"no broadcast {words[1]}")
        items = [broadcast]
    else:
        items = await recent_broadcasts(db, 10)
        if not items:
            print("no broadcasts yet")
    for item in items:
        print(await status_line(db, settings, item))
    return 0


async def status_line(db: Database, settings: Settings, item: Broadcast) -> str:
    figures = await progress(db, item.id)
    when = item.scheduled_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    line = f"#{item.id}\t{item.status}\t{when}\t{item.segment}"
    if figures.total:
        percent = 100 * figures.done / figures.total
        line += (
            f"\tsent {figures.sent}/{figures.total} ({percent:.1f}%), "
            f"unreachable {figures.unreachable}, failed {figures.failed}, "
            f"pending {figures.pending + figures.sending}"
        )
    return line


async def campaign_command(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database(settings.database_path).open()
    try:
        if args.action == "show":
            items = [b for b in await recent_broadcasts(db, 500) if b.campaign_key]
            for item in sorted(items, key=lambda b: b.scheduled_at):
                print(await status_line(db, settings, item) + f"\t{item.campaign_key}")
            return 0
        try:
            calendar = load_calendar(args.file, settings)
        except CalendarError as exc:
            return fail(f"{args.file}: {exc}")
        results = await schedule_calendar(db, settings, calendar, utc_now())
        await record(
            db,
            None,
            "campaign.load",
            "ok",
            utc_now(),
            None,
            f"{args.file.name}: {len(results)} entries (command line)",
        )
        for entry, broadcast, what in results:
            when = entry.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            number = f"#{broadcast.id}" if broadcast else "-"
            print(f"{what:9}\t{number}\t{when}\t{entry.key}\t{entry.audience}")
        if any(what == "past" for _, _, what in results):
            print("entries marked 'past' are over: copy the file for the coming year")
        print(f"{len(results)} entries from {args.file}; the running bot sends each at its time")
        return 0
    finally:
        await db.close()
