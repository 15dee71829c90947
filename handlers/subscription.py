"""Subscription to announcements: /stop, /subscribe, the button under every announcement, and
Telegram's news of a user blocking or unblocking the bot."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.channels.telegram.context import BotContext
from bot.outbox.announcement import UNSUBSCRIBE
from storage.users import set_reachable, set_subscribed


async def stop(update: Update, context: BotContext) -> None:
    """/stop and the "stop announcements" button."""
    chat = update.effective_chat
    assert chat is not None
    await set_subscribed(context.runtime.db, context.person, False)
    text = context._(
        "🔕 You will no longer receive announcements. Type /subscribe to get them again."
    )
    if update.callback_query:
        await update.callback_query.answer(text)
    await context.bot.send_message(chat.id, text)


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe: announcements again."""
    chat = update.effective_chat
    assert chat is not None
    await set_subscribed(context.runtime.db, context.person, True)
    await set_reachable(context.runtime.db, context.person, True)
    await context.bot.send_message(
        chat.id,
        context._("🔔 You will receive the Association's announcements. Type /stop to end them."),
    )


async def membership_changed(update: Update, context: BotContext) -> None:
    """The user blocked the bot (kicked) or came back (member)."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private" or context.person_id is None:
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await set_reachable(context.runtime.db, context.person_id, False, "blocked the bot")
    elif status == ChatMember.MEMBER:
        await set_reachable(context.runtime.db, context.person_id, True)


def subscription_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("stop", stop),
        CommandHandler("subscribe", subscribe),
        CallbackQueryHandler(stop, pattern=f"^{UNSUBSCRIBE}$"),
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
