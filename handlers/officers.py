"""Officers' tools. Every command here goes through `officer_only`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.channels.telegram.access import officer_only
from bot.channels.telegram.context import BotContext
from bot.domain.members import CATEGORY_LABELS
from bot.domain.wards import area_name
from bot.i18n import Gettext, gettext_for, local_date, money, number
from bot.runtime import Runtime
from bot.settings import Settings
from storage.reports import LiveStats, live_stats

SOURCES_SHOWN = 15


def stats_text(
    figures: LiveStats, _: Gettext, lang: str, settings: Settings, area: str | None
) -> str:
    """The /stats message: members, pledges, learning models, announcements, deep links."""

    def n(value: int) -> str:
        return number(value, lang)

    lines = [_("📍 Figures for {area} only.").format(area=area), ""] if area else []
    members = figures.members
    lines.append(
        _("📊 Members: {total} in all, {month} new this month, {today} new today.").format(
            total=n(members.total), month=n(members.new_this_month), today=n(members.new_today)
        )
    )
    for key, label in CATEGORY_LABELS.items():
        if members.by_category.get(key):
            lines.append(f"• {_(label)}: {n(members.by_category[key])}")
    pledges = figures.pledges
    lines += [
        "",
        _("💝 Pledges: {count}, {pledged} pledged, {received} received; {pending} waiting.").format(
            count=n(pledges.count),
            pledged=money(pledges.pledged, lang),
            received=money(pledges.received, lang),
            pending=n(pledges.pending),
        ),
        _("🏡 Learning models: {registered} registered, {approved} approved.").format(
            registered=n(figures.models.registered), approved=n(figures.models.approved)
        ),
        _("📣 Subscribers who get announcements: {count}.").format(count=n(figures.subscribers)),
    ]
    last = figures.last_broadcast
    if last is None:
        lines.append(_("No announcement has been sent yet."))
    else:
        lines.append(
            _(
                "Last announcement ({date}): {sent} of {recipients} delivered,"
                " {unreachable} unreachable, {failed} failed."
            ).format(
                date=local_date(last.started_at or last.scheduled_at, lang, settings.tz),
                sent=n(last.sent),
                recipients=n(last.recipients),
                unreachable=n(last.unreachable),
                failed=n(last.failed),
            )
        )
        if last.waiting:
            lines.append(_("Still to send: {count}.").format(count=n(last.waiting)))
    if figures.sources:
        lines += ["", _("Through links and posters:")]
        for source in figures.sources:
            lines.append(
                "• "
                + _("{source}: {members} members, {pledges} pledges").format(
                    source=source.source, members=n(source.members), pledges=n(source.pledges)
                )
            )
        hidden = figures.sources_total - len(figures.sources)
        if hidden > 0:
            lines.append(_("…and {count} more.").format(count=n(hidden)))
    return "\n".join(lines)


async def stats_message(
    runtime: Runtime, lang: str, ward: int | None, ward_name: str | None = None
) -> str:
    """Read the figures and write the message (what bench/report.py times)."""
    settings = runtime.settings
    tz = settings.tz
    today = runtime.now().astimezone(tz).date()
    day_start = datetime.combine(today, time(), tzinfo=tz)
    figures = await live_stats(
        runtime.db,
        ward,
        month_start=datetime.combine(today.replace(day=1), time(), tzinfo=tz),
        day_start=day_start,
        day_end=datetime.combine(today + timedelta(days=1), time(), tzinfo=tz),
        sources_shown=SOURCES_SHOWN,
    )
    area = area_name(settings.province_code, ward, ward_name) if ward is not None else None
    return stats_text(figures, gettext_for(lang), lang, settings, area)


@officer_only
async def stats(update: Update, context: BotContext) -> None:
    """/stats: live figures, for the city or the officer's commune or ward."""
    access = context.access
    chat = update.effective_chat
    if chat is None or access is None:
        return
    text = await stats_message(context.runtime, context.lang, access.scope, access.ward_name)
    await context.bot.send_message(chat.id, text)


def officer_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("stats", stats)]
