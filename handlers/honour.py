"""The honour roll of the campaign's donors (/honour), open to everyone."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import say
from bot.domain.pledges import ANONYMOUS, FUND_LABELS
from bot.i18n import money
from storage.pledges import honour_roll

SHOWN = 20


async def honour(update: Update, context: BotContext) -> None:
    """/honour: donors who allowed their name, by money received; anonymous gifts together."""
    _ = context._
    lang = context.lang
    runtime = context.runtime
    year = runtime.now().astimezone(runtime.settings.tz).year
    roll = await honour_roll(runtime.db, year, SHOWN)
    lines = [_("🏅 Honour roll of the study-promotion funds, {year}").format(year=year), ""]
    if not roll.named and not roll.anonymous.gifts:
        lines.append(_("No gift has been received yet this year. Be the first: /pledge"))
    for rank, entry in enumerate(roll.named, start=1):
        lines.append(f"{rank}. {entry.name}: {money(entry.amount, lang)}")
    if roll.anonymous.gifts:
        lines.append(
            _("{anonymous} ({count} gifts): {amount}").format(
                anonymous=_(ANONYMOUS),
                count=roll.anonymous.gifts,
                amount=money(roll.anonymous.amount, lang),
            )
        )
    if roll.by_fund:
        lines += ["", _("By fund (received / pledged):")]
        for kind, label in FUND_LABELS.items():
            if kind in roll.by_fund:
                received, pledged = roll.by_fund[kind]
                lines.append(f"• {_(label)}: {money(received, lang)} / {money(pledged, lang)}")
    lines += ["", _("Thank you to every donor, named or not. 💐")]
    await say(update, context, "\n".join(lines))


def honour_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("honour", honour)]
