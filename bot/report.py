"""The officers' report: its period, its workbook (XLSX) and its chart (PNG).

Pure: no Telegram, no SQL. The figures come grouped from storage.reports; the same files are
sent by /report and written by `python -m bot report`. Headings go through gettext (Vietnamese
for a Vietnamese officer); money cells hold integer đồng with a number format, dates are local.
openpyxl and matplotlib are imported only when a file is built.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.domain.broadcasts import BROADCAST_STATUS_LABELS
from bot.domain.learning import MODEL_KIND_LABELS, MODEL_STATUS_LABELS
from bot.domain.members import CATEGORY_LABELS
from bot.domain.pledges import FUND_LABELS, PURPOSE_LABELS
from bot.i18n import Gettext, babel_locale, local_date, number
from bot.segments import Segment, describe
from storage.reports import MODEL_STATUSES, PledgeGroup, Reach, ReportData

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

CAMPAIGN_MONTH = 10  # the Month of Study Promotion: 1-31 October
TOP_WARDS = 15  # wards in the chart
MAX_DAYS = 3660  # a report covers at most ten years

COUNT_FORMAT = "#,##0"
MONEY_FORMAT = '#,##0 "₫"'
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


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


# --- what the files say ---------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Names of the codes stored in the database (their gettext source texts)."""

    categories: Mapping[str, str]
    funds: Mapping[str, str]
    purposes: Mapping[str, str]
    model_kinds: Mapping[str, str]


LABELS = Labels(CATEGORY_LABELS, FUND_LABELS, PURPOSE_LABELS, MODEL_KIND_LABELS)


@dataclass(frozen=True)
class ReportInfo:
    """Who the report is for and how to write it."""

    gettext: Gettext
    lang: str
    tz: ZoneInfo
    labels: Labels
    province_code: int
    area: str  # the province, or the officer's commune or ward
    first_day: date
    last_day: date
    made_at: datetime  # aware

    def day(self, day: date) -> str:
        moment = datetime.combine(day, time(12), tzinfo=self.tz)
        return local_date(moment, self.lang, self.tz)

    @property
    def period(self) -> str:
        return f"{self.day(self.first_day)} – {self.day(self.last_day)}"

    def local(self, moment: datetime) -> datetime:
        """Local wall time without tzinfo: what a spreadsheet cell can hold."""
        return moment.astimezone(self.tz).replace(tzinfo=None)


def file_name(info: ReportInfo, ward: int | None, extension: str) -> str:
    _ = info.gettext
    name = _("report-{first}-{last}").format(
        first=info.first_day.isoformat(), last=info.last_day.isoformat()
    )
    return f"{name}{f'-{ward}' if ward is not None else ''}.{extension}"


def week_count(info: ReportInfo) -> int:
    return (info.last_day - info.first_day).days // 7 + 1


def week_days(info: ReportInfo, week: int) -> tuple[date, date]:
    first = info.first_day + timedelta(days=7 * week)
    return first, min(first + timedelta(days=6), info.last_day)


def weekly(data: ReportData, info: ReportInfo) -> list[PledgeGroup]:
    """One row per week of the period, weeks without pledges included."""
    found = {int(g.key or 0): g for g in data.pledges_by_week}
    return [found.get(w, PledgeGroup(w, None, 0, 0, 0)) for w in range(week_count(info))]


def week_label(info: ReportInfo, week: int) -> str:
    first, last = week_days(info, week)
    pattern = "dd/MM" if info.lang == "vi" else "d MMM"
    locale = babel_locale(info.lang)
    return (
        f"{format_date(first, pattern, locale=locale)}–{format_date(last, pattern, locale=locale)}"
    )


def audience(info: ReportInfo, segment: str) -> str:
    kind, _sep, value = segment.partition(":")
    return describe(
        Segment(kind, value or None), info.gettext, info.province_code, dict(info.labels.categories)
    )


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the workbook ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    heading: str
    width: int
    number_format: str | None = None
    total: bool = False  # summed in the total row


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class _Book:
    """Thin helpers over an openpyxl workbook: one table per sheet, with a total row."""

    def __init__(self, info: ReportInfo) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.info = info
        self.workbook = Workbook()
        self._first = True
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.header_fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(self, title: str) -> Worksheet:
        title = _BAD_SHEET_CHARS.sub(" ", title)[:31]
        if self._first:
            sheet = self.workbook.active
            assert sheet is not None
            sheet.title = title
            self._first = False
            return sheet
        return self.workbook.create_sheet(title)

    def table(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Any]],
        total_label_column: int = 0,
    ) -> Worksheet:
        """A sheet with a heading row, the rows, and a total row when a column is summed."""
        from openpyxl.utils import get_column_letter

        _ = self.info.gettext
        sheet = self.sheet(title)
        sheet.append([c.heading for c in columns])
        for cell in sheet[1]:
            cell.font = self.bold
            cell.fill = self.header_fill
            cell.alignment = self.wrap
        for row in rows:
            sheet.append(list(row))
        last = len(rows) + 1
        if any(c.total for c in columns):
            totals: list[Any] = [None] * len(columns)
            totals[total_label_column] = _("Total")
            for i, column in enumerate(columns):
                if column.total:
                    totals[i] = sum(int(row[i] or 0) for row in rows)
            sheet.append(totals)
            for cell in sheet[last + 1]:
                cell.font = self.bold
        for i, column in enumerate(columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = column.width
            if column.number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = column.number_format
        sheet.freeze_panes = "A2"
        if rows:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
        return sheet

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def _count(heading: str, width: int = 14) -> Column:
    return Column(heading, width, COUNT_FORMAT, total=True)


def _money(heading: str) -> Column:
    return Column(heading, 20, MONEY_FORMAT, total=True)


def _summary(book: _Book, data: ReportData) -> None:
    info = book.info
    _ = info.gettext
    sheet = book.sheet(_("Summary"))
    sheet.append([_("Study-promotion report: {area}").format(area=info.area)])
    sheet["A1"].font = book.title_font
    sheet.append([_("Period"), info.period])
    sheet.append([_("Prepared on"), info.local(info.made_at).replace(microsecond=0)])
    sheet["B3"].number_format = DATETIME_FORMAT
    sheet.append([])
    sheet.append([_("Figure"), _("Value")])
    for cell in sheet[5]:
        cell.font = book.bold
        cell.fill = book.header_fill
    pledges = data.pledges
    delivered = sum(b.sent for b in data.broadcasts)
    recipients = sum(b.recipients for b in data.broadcasts)
    figures: list[tuple[str, int | float | None, str]] = [
        (_("New members in the period"), data.members_new, COUNT_FORMAT),
        (_("Members in all at the end of the period"), data.members_total, COUNT_FORMAT),
        (_("Pledges made in the period (pending or received)"), pledges.count, COUNT_FORMAT),
        (_("Amount pledged"), pledges.pledged, MONEY_FORMAT),
        (_("Amount received"), pledges.received, MONEY_FORMAT),
        (_("Share received"), share(pledges.received, pledges.pledged), PERCENT_FORMAT),
        (
            _("Learning models registered in the period (not withdrawn or replaced)"),
            sum(g.total for g in data.models) - data.models_with("withdrawn"),
            COUNT_FORMAT,
        ),
        (_("Learning models approved"), data.models_with("approved"), COUNT_FORMAT),
        (_("Announcements in the period"), len(data.broadcasts), COUNT_FORMAT),
        (_("Announcement messages delivered"), delivered, COUNT_FORMAT),
        (_("Share of recipients reached"), share(delivered, recipients), PERCENT_FORMAT),
        (_("Subscribers who get announcements (now)"), data.subscribers, COUNT_FORMAT),
    ]
    for label, value, number_format in figures:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    sheet.column_dimensions["A"].width = 58
    sheet.column_dimensions["B"].width = 26


def _members(book: _Book, data: ReportData) -> None:
    _ = book.info.gettext
    labels = book.info.labels.categories
    book.table(
        _("Members by commune or ward"),
        [
            Column(_("Ward code"), 10),
            Column(_("Commune or ward"), 30),
            _count(_("New in the period")),
            _count(_("In all at the end")),
        ],
        [(g.key, g.name, g.new, g.total) for g in data.members_by_ward],
        total_label_column=1,
    )
    order = list(labels)
    groups = sorted(
        data.members_by_category,
        key=lambda g: order.index(str(g.key)) if g.key in order else len(order),
    )
    book.table(
        _("Members by category"),
        [Column(_("Category"), 30), _count(_("New in the period")), _count(_("In all at the end"))],
        [(_(labels.get(str(g.key), str(g.key))), g.new, g.total) for g in groups],
    )


def _pledge_columns(book: _Book, first: Sequence[Column]) -> list[Column]:
    _ = book.info.gettext
    return [
        *first,
        _count(_("Pledges")),
        _money(_("Amount pledged")),
        _money(_("Amount received")),
    ]


def _pledges(book: _Book, data: ReportData) -> None:
    info = book.info
    _ = info.gettext

    def ordered(groups: list[PledgeGroup], labels: Mapping[str, str]) -> list[PledgeGroup]:
        order = list(labels)
        return sorted(groups, key=lambda g: order.index(str(g.key)) if g.key in order else 99)

    for title, heading, groups, labels in (
        (_("Pledges by fund"), _("Fund"), data.pledges_by_fund, info.labels.funds),
        (_("Pledges by purpose"), _("Purpose"), data.pledges_by_purpose, info.labels.purposes),
    ):
        book.table(
            title,
            _pledge_columns(book, [Column(heading, 44)]),
            [
                (_(labels.get(str(g.key), str(g.key))), g.count, g.pledged, g.received)
                for g in ordered(groups, labels)
            ],
        )
    book.table(
        _("Pledges by commune or ward"),
        _pledge_columns(book, [Column(_("Ward code"), 10), Column(_("Commune or ward"), 36)]),
        [
            (
                g.key,
                g.name if g.key is not None else _("(city, school and clan funds)"),
                g.count,
                g.pledged,
                g.received,
            )
            for g in data.pledges_by_ward
        ],
        total_label_column=1,
    )
    book.table(
        _("Pledges by source"),
        _pledge_columns(book, [Column(_("Link or poster"), 30)]),
        [
            (g.key if g.key is not None else _("(no link)"), g.count, g.pledged, g.received)
            for g in data.pledges_by_source
        ],
    )
    rows = []
    for group in weekly(data, info):
        first, last = week_days(info, int(group.key or 0))
        rows.append(
            (int(group.key or 0) + 1, first, last, group.count, group.pledged, group.received)
        )
    book.table(
        _("Pledges by week"),
        _pledge_columns(
            book,
            [
                Column(_("Week"), 8),
                Column(_("First day"), 13, DATE_FORMAT),
                Column(_("Last day"), 13, DATE_FORMAT),
            ],
        ),
        rows,
    )


def _models(book: _Book, data: ReportData) -> None:
    _ = book.info.gettext
    kinds = book.info.labels.model_kinds
    book.table(
        _("Learning models"),
        [
            Column(_("Ward code"), 10),
            Column(_("Commune or ward"), 30),
            Column(_("Type of model"), 24),
            *(_count(_(MODEL_STATUS_LABELS[s])) for s in MODEL_STATUSES),
            _count(_("Total")),
        ],
        [
            (
                g.ward_code,
                g.ward_name,
                _(kinds.get(g.kind, g.kind)),
                *(g.by_status.get(s, 0) for s in MODEL_STATUSES),
                g.total,
            )
            for g in data.models
        ],
        total_label_column=1,
    )


def _broadcasts(book: _Book, data: ReportData) -> None:
    info = book.info
    _ = info.gettext

    def row(b: Reach) -> tuple[Any, ...]:
        return (
            b.broadcast_id,
            info.local(b.started_at or b.scheduled_at),
            audience(info, b.segment),
            _(BROADCAST_STATUS_LABELS.get(b.status, b.status)),
            b.recipients,
            b.sent,
            b.unreachable,
            b.failed,
            b.waiting,
            share(b.sent, b.recipients),
        )

    book.table(
        _("Announcements"),
        [
            Column(_("No."), 7),
            Column(_("Started"), 17, DATETIME_FORMAT),
            Column(_("Audience"), 34),
            Column(_("Status"), 14),
            _count(_("Recipients")),
            _count(_("Delivered")),
            _count(_("Unreachable")),
            _count(_("Failed")),
            _count(_("Still to send")),
            Column(_("Reach"), 10, PERCENT_FORMAT),
        ],
        [row(b) for b in data.broadcasts],
        total_label_column=2,
    )


def build_workbook(data: ReportData, info: ReportInfo) -> bytes:
    """The XLSX file: a summary, then one grouped table per sheet."""
    book = _Book(info)
    _summary(book, data)
    _members(book, data)
    _pledges(book, data)
    _models(book, data)
    _broadcasts(book, data)
    return book.save()


# --- the chart ------------------------------------------------------------------------------


def build_chart(data: ReportData, info: ReportInfo) -> bytes:
    """A PNG: pledged against received per week, and members of the top wards."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    _ = info.gettext
    figure = Figure(figsize=(10, 11), dpi=100, layout="constrained")
    weeks_axes, wards_axes = figure.subplots(2, 1, height_ratios=[1, 1.25])
    figure.suptitle(
        _("Study-promotion report: {area}").format(area=info.area) + f"\n{info.period}",
        fontsize=14,
    )
    in_millions = FuncFormatter(lambda value, _pos: number(round(value, 1), info.lang))

    weeks = weekly(data, info)
    positions = list(range(len(weeks)))
    weeks_axes.bar(
        [p - 0.2 for p in positions],
        [g.pledged / 1e6 for g in weeks],
        0.4,
        label=_("Pledged"),
        color="#1f5fa8",
    )
    weeks_axes.bar(
        [p + 0.2 for p in positions],
        [g.received / 1e6 for g in weeks],
        0.4,
        label=_("Received"),
        color="#3aa655",
    )
    weeks_axes.set_xticks(positions, [week_label(info, int(g.key or 0)) for g in weeks])
    weeks_axes.tick_params(axis="x", labelrotation=30 if len(weeks) > 6 else 0)
    weeks_axes.yaxis.set_major_formatter(in_millions)
    weeks_axes.set_ylabel(_("million đồng"))
    weeks_axes.set_title(_("Amount pledged and received, by week of pledging"))
    weeks_axes.legend()
    weeks_axes.set_ylim(bottom=0)
    if not any(g.count for g in weeks):
        weeks_axes.set_ylim(0, 1)
        weeks_axes.set_yticks([])
        _no_data(weeks_axes, _("No pledges in this period."))

    top = data.members_by_ward[:TOP_WARDS][::-1]  # the largest at the top
    names = [g.name or str(g.key) for g in top]
    earlier = [g.total - g.new for g in top]
    wards_axes.barh(names, earlier, color="#9bb7d4", label=_("Members before the period"))
    wards_axes.barh(
        names, [g.new for g in top], left=earlier, color="#1f5fa8", label=_("New in the period")
    )
    wards_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    wards_axes.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _pos: number(int(value), info.lang))
    )
    wards_axes.set_title(
        _("Members in the {count} communes and wards with the most").format(count=len(top))
        if len(top) > 1
        else _("Members")
    )
    if top:
        wards_axes.legend(loc="lower right")
    else:
        _no_data(wards_axes, _("No members yet."))

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _no_data(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, fontsize=13)


def build_files(data: ReportData, info: ReportInfo) -> tuple[bytes, bytes]:
    """The workbook and the chart (CPU-bound: run it in a thread from the event loop)."""
    return build_workbook(data, info), build_chart(data, info)
