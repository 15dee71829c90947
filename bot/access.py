"""The one guard for officer commands and buttons, checked on the server at every use."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Awaitable[Any]]


def officer_only(callback: Callback) -> Callback:
    """Run `callback` only for admins and officers; everyone else gets a polite refusal."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is not None and await context.runtime.is_officer(user.id):
            return await callback(update, context)
        _ = context._
        log.info("refused officer action %s", callback.__name__)
        refusal = _("This is for officers of the Association only.")
        if update.callback_query:
            await update.callback_query.answer(refusal, show_alert=True)
        elif update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, refusal)
        return None

    return guarded
