"""The guards for officer and admin commands and buttons, checked on the server at every use.

A refusal is answered politely and written to the audit trail. The guarded callback finds the
sender's rights in `context.access` (a scoped officer's queries are limited to their ward).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.channels.telegram.context import BotContext
from bot.domain.roles import Access
from bot.i18n import N_

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


async def refuse(update: Update, context: BotContext, action: str, text: str) -> None:
    """Say no, and keep a trace of who tried what."""
    log.info("refused %s", action)
    await context.runtime.audit(context.person_id, action, "refused")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, text)


def _guard(allowed: Callable[[Access], bool], refusal: str) -> Callable[[Callback], Callback]:
    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: BotContext) -> Any:
            person = context.person_id
            access = await context.runtime.access(person) if person is not None else None
            if access is not None and allowed(access):
                context.access = access
                return await callback(update, context)
            await refuse(update, context, callback.__name__, context._(refusal))
            return None

        return guarded

    return decorate


OFFICERS_ONLY = N_("This is for officers of the Association only.")
ADMINS_ONLY = N_("This is for administrators only.")
CITY_WIDE_ONLY = N_("This is for city-wide officers only, not those of one commune or ward.")

officer_only = _guard(lambda a: a.is_officer, OFFICERS_ONLY)
admin_only = _guard(lambda a: a.is_admin, ADMINS_ONLY)
city_officer_only = _guard(lambda a: a.is_officer and a.city_wide, CITY_WIDE_ONLY)
