"""Drafts of multi-step conversations, and buttons that belong to exactly one draft.

Every button carries the draft's nonce: a button from an ended conversation, from another
draft, or forged, is answered "this button has expired" and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import ConversationHandler

from bot.channels.telegram.context import BotContext

Draft = dict[str, Any]


@dataclass(frozen=True)
class DraftKind:
    key: str  # where the draft lives in user_data, and the prefix of its buttons' data
    # Take a pressed keyboard away (one more request per press). The nonce already refuses a
    # second press, so busy citizen journeys leave the keyboard and save the request.
    clear_pressed: bool = True

    def of(self, context: BotContext) -> Draft:
        assert context.user_data is not None
        draft: Draft = context.user_data.setdefault(self.key, {})
        draft.setdefault("nonce", secrets.token_hex(4))
        return draft

    def new(self, context: BotContext) -> Draft:
        assert context.user_data is not None
        context.user_data[self.key] = {"nonce": secrets.token_hex(4)}
        return context.user_data[self.key]

    def end(self, context: BotContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(self.key, None)
        return ConversationHandler.END

    def button(self, draft: Draft, label: str, *parts: str) -> InlineKeyboardButton:
        data = ":".join((self.key, draft["nonce"], *parts))
        return InlineKeyboardButton(label, callback_data=data)

    @property
    def pattern(self) -> str:
        return f"^{self.key}:"

    async def finish(self, update: Update, context: BotContext, conversation: str) -> int:
        """End the journey once its row is saved: the end is written to persistence at once
        (a crash now must not resume the journey and save it again), then the pressed
        Confirm's buttons are taken away."""
        self.end(context)
        chat, user = update.effective_chat, update.effective_user
        persistence = context.application.persistence
        if persistence is not None and chat is not None and user is not None:
            await persistence.update_user_data(user.id, dict(context.user_data or {}))
            await persistence.update_conversation(conversation, (chat.id, user.id), None)
        query = update.callback_query
        if (
            self.clear_pressed
            and query is not None
            and getattr(query.message, "reply_markup", None)
        ):
            with contextlib.suppress(BadRequest, NetworkError, TimedOut, Forbidden):
                await query.edit_message_reply_markup(None)
        return ConversationHandler.END

    async def pressed(
        self, update: Update, context: BotContext, action: str, keep_buttons: bool = False
    ) -> list[str] | None:
        """The arguments of this draft's button, or None after answering "expired".
        `keep_buttons`: for Confirm, whose buttons go only once the work is saved (finish)."""
        query = update.callback_query
        assert query is not None
        parts = (query.data or "").split(":")
        draft = self.of(context)
        if len(parts) < 3 or parts[1] != draft.get("nonce") or parts[2] != action:
            await query.answer(context._("This button has expired."), show_alert=True)
            return None
        await query.answer()
        if self.clear_pressed and not keep_buttons and getattr(query.message, "reply_markup", None):
            # The choice is made: take the buttons away so they cannot be pressed twice.
            await query.edit_message_reply_markup(None)
        return parts[3:]


async def say(update: Update, context: BotContext, text: str, markup: Any = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def say_surely(
    update: Update, context: BotContext, text: str, markup: Any = None, tries: int = 3
) -> bool:
    """For a message that must arrive after the work is done (a membership number): a passing
    5xx or timeout is retried. False when it still could not be delivered."""
    for attempt in range(tries):
        try:
            await say(update, context, text, markup)
            return True
        except (NetworkError, TimedOut):
            if attempt < tries - 1:
                await asyncio.sleep(0.5 * 2**attempt)
        except Forbidden:
            return False
    return False


async def edit_in_place(query: CallbackQuery, text: str, markup: Any = None) -> None:
    """Show `text` and `markup` on the pressed message. Pressing the same page twice asks for
    no change: that is skipped, since Telegram refuses an edit that changes nothing."""
    message = query.message
    if isinstance(message, Message) and message.text == text and message.reply_markup == markup:
        return
    if isinstance(message, Message) and message.text is None:
        # A photo or a file (a button pressed under one, or forged onto one): no text to edit.
        await query.get_bot().send_message(message.chat_id, text, reply_markup=markup)
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise
