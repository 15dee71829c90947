"""The officers' report: its period, its workbook (XLSX) and its chart (PNG).

Pure: no Telegram, no SQL. The figures come grouped from storage.reports; the same files are
sent by /report and written by `python -m bot report`. Headings go through gettext (Vietnamese
for a Vietnamese officer); money cells hold integer đồng with a number format, dates are local.
openpyxl and matplotlib are imported only when a file is built.
"""

from __future__ import annotations

from bot.report.chart import build_chart
from bot.report.content import LABELS, Labels, ReportInfo, file_name
from bot.report.period import PeriodError, campaign_month, parse_day, parse_period, utc_bounds
from bot.report.workbook import MONEY_FORMAT, build_workbook
from storage.reports import ReportData

__all__ = [
    "LABELS",
    "MONEY_FORMAT",
    "Labels",
    "PeriodError",
    "ReportInfo",
    "build_chart",
    "build_files",
    "build_workbook",
    "campaign_month",
    "file_name",
    "parse_day",
    "parse_period",
    "utc_bounds",
]


def build_files(data: ReportData, info: ReportInfo) -> tuple[bytes, bytes]:
    """The workbook and the chart (CPU-bound: run it in a thread from the event loop)."""
    return build_workbook(data, info), build_chart(data, info)
