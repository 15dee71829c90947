"""Who wrote: the Telegram account of an update, turned into the person the bot knows."""

from __future__ import annotations

from telegram import Update

from bot.channels.telegram.context import BotContext

CHANNEL = "telegram"


async def identify(update: Update, context: BotContext) -> int | None:
    """Resolve the sender's person and language into the context; None for no sender."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    person = await context.runtime.identify(CHANNEL, str(user.id), user.language_code)
    context.person_id = person.id
    context.lang = person.language
    return person.id
