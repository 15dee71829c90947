"""The report workbook (XLSX, openpyxl): summary, members, pledges, models, announcements."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.domain.broadcasts import BROADCAST_STATUS_LABELS
from bot.domain.learning import MODEL_STATUS_LABELS
from bot.report.content import ReportInfo, audience, share, week_days, weekly
from storage.reports import MODEL_STATUSES, PledgeGroup, Reach, ReportData

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


COUNT_FORMAT = "#,##0"
MONEY_FORMAT = '#,##0 "₫"'
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


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
