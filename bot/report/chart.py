"""The report chart (PNG, matplotlib): pledged against received per week, the largest wards."""

from __future__ import annotations

import io
from typing import Any

from bot.i18n import number
from bot.report.content import ReportInfo, week_label, weekly
from storage.reports import ReportData

TOP_WARDS = 15  # wards in the chart


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
