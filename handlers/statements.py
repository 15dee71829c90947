"""Bank statements sent to the bot: an officer's statement (CSV) is reconciled with the pending
pledges and the donors get their receipts; anyone else is told that files are not taken here."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.access import CITY_WIDE_ONLY, refuse
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import say
from bot.domain.statement import MAX_BYTES, StatementError, StatementProblem
from bot.reconcile import problem_text, reconcile, summary_text

log = logging.getLogger(__name__)

TEXT_LIMIT = 4000


async def document_received(update: Update, context: BotContext) -> None:
    """A file: an officer's bank statement is reconciled; anyone else is told what we take."""
    message = update.message
    assert message is not None and message.document is not None
    _ = context._
    runtime = context.runtime
    if not await runtime.is_officer(context.person):
        await say(
            update,
            context,
            _("I cannot use files here. Type /help to see what I can do."),
        )
        return
    access = await runtime.access(context.person)
    if not access.city_wide:
        await refuse(update, context, "statement.import", _(CITY_WIDE_ONLY))
        return
    document = message.document
    if document.file_size and document.file_size > MAX_BYTES:
        await say(update, context, problem_text(_, StatementProblem.TOO_LARGE))
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    try:
        result = await reconcile(runtime.db, data, document.file_name, runtime.now())
    except StatementError as exc:
        await say(update, context, problem_text(_, exc.problem))
        return
    log.info("bank statement reconciled by an officer")
    await runtime.audit(
        context.person,
        "statement.import",
        detail=f"{len(result.of('matched'))} matched of {len(result.outcomes)}",
    )
    if runtime.mailer is not None and result.of("matched"):
        runtime.mailer.wake()
    text = summary_text(_, context.lang, result)
    await say(update, context, text[:TEXT_LIMIT])


def statement_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [MessageHandler(filters.Document.ALL, document_received)]
