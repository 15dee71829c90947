"""One journey at a time: joining, pledging, registering a learning model, or writing an
announcement. Starting a second one while the first waits for an answer would send the next
typed answer to the wrong question, so the second is refused with a way out (/cancel)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.channels.telegram.context import BotContext
from bot.i18n import N_

JOURNEYS: dict[str, str] = {
    "membership": N_("joining the Association"),
    "pledge": N_("a pledge"),
    "learning_model": N_("a learning-model registration"),
    "broadcast": N_("an announcement"),
    "pledge_review": N_("an officer's question about a pledge"),
    "learning_review": N_("an officer's note about a learning model"),
    "broadcast-move": N_("moving an announcement"),
}

Entry = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


def open_journeys(context: BotContext, user_id: int) -> list[str]:
    """Names of the journeys waiting for this user's answer."""
    found = []
    for group in context.application.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler) and handler.name in JOURNEYS:
                # PTB keeps states per (chat, user); it has no public reader for them.
                states = handler._conversations
                if any(user_id in key for key in states if isinstance(key, tuple)):
                    found.append(str(handler.name))
    return found


def one_at_a_time(name: str) -> Callable[[Entry], Entry]:
    """Wrap a journey's entry point: if another journey is open, say so and start nothing."""

    def wrap(entry: Entry) -> Entry:
        async def guarded(update: Update, context: BotContext) -> Any:
            user = update.effective_user
            others = [j for j in open_journeys(context, user.id) if j != name] if user else []
            if not others:
                return await entry(update, context)
            if update.callback_query:
                await update.callback_query.answer()
            chat = update.effective_chat
            if chat is not None:
                _ = context._
                await context.bot.send_message(
                    chat.id,
                    _(
                        "You are in the middle of {journey}. Answer the last question, or type "
                        "/cancel to stop it, then try again."
                    ).format(journey=_(JOURNEYS[others[0]])),
                )
            return ConversationHandler.END

        guarded.__name__ = entry.__name__
        guarded.__doc__ = entry.__doc__
        return guarded

    return wrap
