"""Officers' tools. Every command here goes through `officer_only`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.access import officer_only
from bot.context import BotContext
from bot.i18n import money
from handlers.membership import CATEGORY_LABELS
from storage.members import member_stats
from storage.pledges import counts_by_source, pledge_stats

SOURCES_SHOWN = 15


@officer_only
async def stats(update: Update, context: BotContext) -> None:
    """/stats: members in total, new today and by category; pledges; sign-ups by source."""
    _ = context._
    runtime = context.runtime
    tz = runtime.settings.tz
    today = runtime.now().astimezone(tz).date()
    day_start = datetime.combine(today, time(), tzinfo=tz)
    figures = await member_stats(runtime.db, day_start, day_start + timedelta(days=1))
    lines = [
        _("📊 Members: {total} in all, {today} new today.").format(
            total=figures.total, today=figures.new_today
        )
    ]
    for key, label in CATEGORY_LABELS.items():
        if figures.by_category.get(key):
            lines.append(f"• {_(label)}: {figures.by_category[key]}")
    money_figures = await pledge_stats(runtime.db)
    lang = context.lang
    lines += [
        "",
        _("💝 Pledges: {count}, {pledged} pledged, {received} received; {pending} waiting.").format(
            count=money_figures.count,
            pledged=money(money_figures.pledged, lang),
            received=money(money_figures.received, lang),
            pending=money_figures.pending,
        ),
    ]
    sources = await counts_by_source(runtime.db)
    if sources:
        lines += ["", _("Through links and posters:")]
        for source, (members, pledges) in list(sources.items())[:SOURCES_SHOWN]:
            lines.append(
                "• "
                + _("{source}: {members} members, {pledges} pledges").format(
                    source=source, members=members, pledges=pledges
                )
            )
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "\n".join(lines))


def officer_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("stats", stats)]
