"""The last resort: log the failure without personal data, and apologise to the user."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.identity import CHANNEL, identify
from bot.i18n import gettext_for
from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: the user has blocked the bot", update_id)
        return
    if isinstance(error, (TimedOut, NetworkError, RetryAfter)):
        log.warning("update %s: Telegram did not answer: %s", update_id, type(error).__name__)
    else:
        log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        # Error handlers get a fresh context: resolve the person's language again.
        await identify(update, context)
        await context.bot.send_message(
            update.effective_chat.id,
            context._("Sorry, something went wrong on our side. Please try again in a moment."),
        )
    except Exception:
        log.warning("update %s: could not send the apology", update_id)


async def slow_down(bot: Bot, runtime: Runtime, update: Update) -> None:
    """Told once when someone sends faster than the bot can answer and updates were dropped."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        person = await runtime.identify(CHANNEL, str(user.id), user.language_code)
        _ = gettext_for(person.language)
        await bot.send_message(
            chat.id,
            _(
                "You are sending messages faster than I can answer, so I skipped some of them."
                " Please wait for my reply before sending the next one."
            ),
        )
    except Exception:
        log.warning("could not ask someone to slow down", exc_info=True)
