"""`python -m bot report`: the officers' workbook and chart, written to files.

python -m bot report --from 2026-10-01 --to 2026-10-31 --out report.xlsx --chart chart.png
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.i18n import gettext_for
from bot.report import (
    PeriodError,
    ReportInfo,
    build_chart,
    build_workbook,
    campaign_month,
    file_name,
    parse_period,
    utc_bounds,
)
from bot.settings import Settings
from storage import Database


def add_commands(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report", help="the officers' report over a period: an XLSX workbook and a PNG chart"
    )
    report.add_argument(
        "--from", dest="first", help="first day, 2026-10-01 or 01/10/2026 (default: 1 October)"
    )
    report.add_argument(
        "--to", dest="last", help="last day (default: 31 October; with --from alone, today)"
    )
    report.add_argument("--out", type=Path, help="the workbook (default: report-FROM-TO.xlsx)")
    report.add_argument("--chart", type=Path, help="also draw the chart into this PNG file")
    report.add_argument("--ward", help="one commune or ward only: its code or its name")
    report.add_argument(
        "--lang", choices=("vi", "en"), help="language of the headings (default: DEFAULT_LANGUAGE)"
    )


def _error(text: str) -> int:
    sys.stderr.write(f"{text}\n")
    return 2


def _say(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def period_of(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """--from and --to as /report reads its words; --to alone ends the Month's period."""
    if first is None and last is not None:
        first = campaign_month(today.year)[0].isoformat()
    return parse_period([w for w in (first, last) if w is not None], today)


async def report_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.wards import area_name, ward_by_code
    from bot.report import LABELS
    from bot.runtime import utc_now
    from bot.segments import SegmentError, parse_segment
    from storage.audit import record
    from storage.reports import report_data

    now = utc_now()
    try:
        first, last = period_of(args.first, args.last, now.astimezone(settings.tz).date())
    except PeriodError as exc:
        if exc.problem == "date":
            return _error(f"not a date: {exc.text!r} (such as 2026-10-01 or 01/10/2026)")
        if exc.problem == "order":
            return _error("--from must not be after --to")
        return _error("a report covers at most ten years")
    ward: int | None = None
    if args.ward:
        try:
            segment = parse_segment(f"ward:{args.ward}", settings.province_code)
        except SegmentError as exc:
            return _error(str(exc))
        ward = int(segment.value or 0)
    lang = args.lang or settings.default_language
    found = ward_by_code(settings.province_code, ward) if ward is not None else None
    info = ReportInfo(
        gettext=gettext_for(lang),
        lang=lang,
        tz=settings.tz,
        labels=LABELS,
        province_code=settings.province_code,
        area=area_name(settings.province_code, ward, found.name if found else None),
        first_day=first,
        last_day=last,
        made_at=now,
    )
    start, end = utc_bounds(first, last, settings.tz)
    db = await Database(settings.database_path).open()
    try:
        data = await report_data(db, ward, start, end)
        workbook = await asyncio.to_thread(build_workbook, data, info)
        out = args.out or Path(file_name(info, ward, "xlsx"))
        await asyncio.to_thread(out.write_bytes, workbook)
        if args.chart:
            chart = await asyncio.to_thread(build_chart, data, info)
            await asyncio.to_thread(args.chart.write_bytes, chart)
        await record(
            db,
            None,
            "report.export",
            "ok",
            utc_now(),
            f"ward:{ward}" if ward is not None else None,
            f"command line {first.isoformat()}..{last.isoformat()}",
        )
    except OSError as exc:
        return _error(f"cannot write the report: {exc}")
    finally:
        await db.close()
    pledges = data.pledges
    _say(f"{out}: {info.area}, {first.isoformat()} to {last.isoformat()}")
    _say(
        f"  members: {data.members_new} new, {data.members_total} in all;"
        f" pledges: {pledges.count}, {pledges.pledged} đồng pledged,"
        f" {pledges.received} đồng received"
    )
    if args.chart:
        _say(f"{args.chart}: the chart")
    return 0
