"""What the report files say: the labels of stored codes, the report's facts, weeks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.domain.learning import MODEL_KIND_LABELS
from bot.domain.members import CATEGORY_LABELS
from bot.domain.pledges import FUND_LABELS, PURPOSE_LABELS
from bot.i18n import Gettext, babel_locale, local_date
from bot.segments import Segment, describe
from storage.reports import PledgeGroup, ReportData

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
