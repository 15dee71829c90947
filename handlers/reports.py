"""/report: the officers' workbook and chart over a period, the Month of October by default."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from bot.channels.telegram.access import officer_only
from bot.channels.telegram.context import BotContext
from bot.domain.wards import area_name
from bot.i18n import money, number
from bot.report import (
    LABELS,
    PeriodError,
    ReportInfo,
    build_files,
    file_name,
    parse_period,
    utc_bounds,
)
from storage.reports import report_data

log = logging.getLogger(__name__)


def period_problem(context: BotContext, error: PeriodError) -> str:
    _ = context._
    example = _("For example: /report 2026-10-01 2026-10-31, or /report 01/10/2026 31/10/2026.")
    if error.problem == "date":
        text = _("“{text}” is not a date I can read.").format(text=error.text)
    elif error.problem == "order":
        text = _("The first date must not be after the second.")
    elif error.problem == "too_long":
        text = _("A report covers at most ten years.")
    else:
        text = _("Give at most two dates: the first day and the last day.")
    return f"{text}\n{example}"


@officer_only
async def report(update: Update, context: BotContext) -> None:
    """/report [from] [to]: the workbook (XLSX) and the chart (PNG) over a period."""
    _ = context._
    runtime = context.runtime
    settings = runtime.settings
    chat = update.effective_chat
    user = update.effective_user
    access = context.access
    if chat is None or user is None or access is None:
        return
    now = runtime.now()
    try:
        first, last = parse_period(context.args or [], now.astimezone(settings.tz).date())
    except PeriodError as error:
        await context.bot.send_message(chat.id, period_problem(context, error))
        return
    ward = access.scope
    info = ReportInfo(
        gettext=_,
        lang=context.lang,
        tz=settings.tz,
        labels=LABELS,
        province_code=settings.province_code,
        area=area_name(settings.province_code, ward, access.ward_name),
        first_day=first,
        last_day=last,
        made_at=now,
    )
    await context.bot.send_message(
        chat.id,
        _("⏳ Preparing the report for {area}, {period}…").format(
            area=info.area, period=info.period
        ),
    )
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    start, end = utc_bounds(first, last, settings.tz)
    data = await report_data(runtime.db, ward, start, end)
    workbook, chart = await asyncio.to_thread(build_files, data, info)
    lang = context.lang
    pledges = data.pledges
    await context.bot.send_document(
        chat.id,
        InputFile(workbook, filename=file_name(info, ward, "xlsx")),
        caption=_(
            "📊 Report for {area}, {period}: {members} new members, {pledges} pledges,"
            " {pledged} pledged, {received} received."
        ).format(
            area=info.area,
            period=info.period,
            members=number(data.members_new, lang),
            pledges=number(pledges.count, lang),
            pledged=money(pledges.pledged, lang),
            received=money(pledges.received, lang),
        ),
    )
    await context.bot.send_photo(
        chat.id,
        InputFile(chart, filename=file_name(info, ward, "png")),
        caption=_("📈 Pledged and received by week; members in the communes and wards."),
    )
    await runtime.audit(
        context.person,
        "report.export",
        "ok",
        target=f"ward:{ward}" if ward is not None else None,
        detail=f"{first.isoformat()}..{last.isoformat()}",
    )
    log.info("report sent for %s..%s", first, last)


def report_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("report", report)]
