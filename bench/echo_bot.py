"""A bare python-telegram-bot echo bot: the baseline of bench/registration.py.

One MessageHandler and one CallbackQueryHandler that only reply with a short text; PTB's
defaults otherwise. Reads TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL like the real bot.
With ECHO_TRANSPORT=aiohttp it uses the bot's own HTTP transport
(bot/channels/telegram/transport.py), so that
the comparison can also be made with the same HTTP client on both sides.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "ok")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    api = os.environ["TELEGRAM_API_URL"].rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
    )
    if os.environ.get("ECHO_TRANSPORT") == "aiohttp":
        from bot.channels.telegram.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(1))
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, reply))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])


if __name__ == "__main__":
    main()
