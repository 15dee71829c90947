"""Officers' review of learning-model registrations (/models): the list, one model, approval,
changes asked for with a typed note, the year-end rating, and telling the registrant. Every
command and button goes through `officer_only`; a ward's officer sees that ward only."""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.access import officer_only
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import edit_in_place, say
from bot.channels.telegram.journeys import one_at_a_time
from bot.channels.telegram.keyboards import rows
from bot.domain.learning import (
    KIND_ICONS,
    MODEL_KIND_LABELS,
    RATING_LABELS,
    STATE_ICONS,
    STATE_LABELS,
    kind_text,
    model_number,
    size_text,
)
from bot.domain.text import squeeze
from bot.domain.validation import display_phone
from bot.i18n import N_, Gettext, gettext_for, local_date
from handlers.steps import (
    OFFICER_QUESTION_LAPSES,
    button_args,
    forget_on_timeout,
    page_buttons,
    page_count,
    parse_int,
)
from storage.learning import (
    FILTERS,
    NOTE_MAX,
    RATINGS,
    LearningModel,
    approve_model,
    get_model,
    list_models,
    rate_model,
    request_changes,
)
from storage.people import telegram_chat
from storage.users import get_language

log = logging.getLogger(__name__)

PAGE = 8
PREFIX = "oml"  # officers' buttons: oml:<action>:<model id>[:<arg>] and oml:list:<filter>:<page>
NOTE = 0  # the officer's review conversation
OTHER_WARD = N_("This learning model belongs to another commune or ward.")


# --- officers: the list ---------------------------------------------------------------------


def _data(*parts: object) -> str:
    return ":".join((PREFIX, *(str(p) for p in parts)))


def _decider(context: BotContext) -> str:
    return f"officer:{context.person}"


def _scope(context: BotContext) -> int | None:
    return context.access.scope if context.access else None


LIST_TITLES = {
    "submitted": N_("📚 Learning models waiting for review: {count}"),
    "approved": N_("📚 Approved learning models: {count}"),
    "all": N_("📚 All learning models: {count}"),
}
FILTER_LABELS = {"submitted": N_("⏳ Waiting"), "approved": N_("✅ Approved"), "all": N_("All")}


async def _list_view(
    context: BotContext, which: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    scope = _scope(context)
    items, total = await list_models(context.runtime.db, which, scope, page * PAGE, PAGE)
    pages = page_count(total, PAGE)
    if page >= pages:
        page = pages - 1
        items, total = await list_models(context.runtime.db, which, scope, page * PAGE, PAGE)
    lines = [_(LIST_TITLES[which]).format(count=total)]
    if scope is not None and context.access is not None:
        lines.append(_("Commune or ward: {value}").format(value=context.access.ward_name or scope))
    if total:
        lines.append(
            _("Page {page} of {pages}. Press a model to open it.").format(
                page=page + 1, pages=pages
            )
        )
    else:
        lines.append(_("Nothing here yet."))
    rows: list[list[InlineKeyboardButton]] = []
    for item in items:
        label = f"{STATE_ICONS[item.status]} {model_number(item.id)} · {KIND_ICONS[item.kind]} "
        label += item.name[:40]
        rows.append([InlineKeyboardButton(label, callback_data=_data("open", item.id))])
    rows += page_buttons(PREFIX, which, page, pages)
    rows.append(
        [
            InlineKeyboardButton(
                ("• " if key == which else "") + _(label), callback_data=_data("list", key, 0)
            )
            for key, label in FILTER_LABELS.items()
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


@officer_only
async def models_command(update: Update, context: BotContext) -> None:
    """/models [submitted|approved|all]: the registrations, a page at a time."""
    which = context.args[0].lower() if context.args else "submitted"
    if which not in FILTERS:
        which = "submitted"
    text, markup = await _list_view(context, which, 0)
    await say(update, context, text, markup)


@officer_only
async def list_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    args = button_args(update)
    page = parse_int(args[2]) if len(args) == 3 else None
    if page is None or args[1] not in FILTERS:
        await query.answer(context._("This button has expired."), show_alert=True)
        return
    await query.answer()
    text, markup = await _list_view(context, args[1], page)
    if query.message is not None:
        await edit_in_place(query, text, markup)


# --- officers: one model --------------------------------------------------------------------


def detail_text(context: BotContext, item: LearningModel) -> str:
    _ = context._
    lang, tz = context.lang, context.runtime.settings.tz
    contact = item.contact_name or ""
    if item.contact_phone:
        contact += f", {display_phone(item.contact_phone)}"
    lines = [
        _("Learning model {number}").format(number=model_number(item.id)),
        _("Model: {value}").format(value=kind_text(_, item.kind)),
        _("Name: {value}").format(value=item.name),
        _("Commune or ward: {value}").format(value=item.ward_name),
        _("Contact person: {value}").format(value=contact),
        size_text(_, lang, item.kind, item.size),
        _("School year: {value}").format(value=item.period),
        _("Registered on: {value}").format(value=local_date(item.created_at, lang, tz)),
        _("Status: {value}").format(value=_(STATE_LABELS[item.status])),
    ]
    if item.review_note:
        lines.append(_("Changes asked for: {note}").format(note=item.review_note))
    if item.rating:
        lines.append(_("Rating: {value}").format(value=_(RATING_LABELS[item.rating])))
    return "\n".join(lines)


def detail_markup(context: BotContext, item: LearningModel) -> InlineKeyboardMarkup | None:
    _ = context._
    approve = InlineKeyboardButton(_("✅ Approve"), callback_data=_data("approve", item.id))
    if item.status == "submitted":
        changes = InlineKeyboardButton(
            _("✏️ Ask for changes"), callback_data=_data("changes", item.id)
        )
        return InlineKeyboardMarkup([[approve, changes]])
    if item.status == "changes_requested":
        return InlineKeyboardMarkup([[approve]])
    if item.status == "approved":
        buttons = [
            InlineKeyboardButton(
                ("• " if item.rating == key else "") + _(label),
                callback_data=_data("rate", item.id, key),
            )
            for key, label in RATING_LABELS.items()
        ]
        return InlineKeyboardMarkup(rows(buttons, 2))
    return None


async def _model_of_button(
    update: Update, context: BotContext, action: str
) -> LearningModel | None:
    """The model a button names, if this officer may act on it; else answer and return None.
    A model of another commune or ward is refused, and the refusal audited."""
    query = update.callback_query
    assert query is not None
    args = button_args(update)
    model_id = parse_int(args[1]) if len(args) >= 2 else None
    item = await get_model(context.runtime.db, model_id) if model_id else None
    if item is None:
        await query.answer(context._("This button has expired."), show_alert=True)
        return None
    if not await _in_scope(update, context, item, action):
        return None
    return item


async def _in_scope(update: Update, context: BotContext, item: LearningModel, action: str) -> bool:
    access = context.access
    if access is not None and access.may_see_ward(item.ward_code):
        return True
    log.info("refused %s outside the officer's ward", action)
    await context.runtime.audit(
        context.person_id, action, "refused", target=f"model:{item.id}", detail="another ward"
    )
    text = context._(OTHER_WARD)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await say(update, context, text)
    return False


@officer_only
async def open_pressed(update: Update, context: BotContext) -> None:
    item = await _model_of_button(update, context, "model.open")
    if item is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await say(update, context, detail_text(context, item), detail_markup(context, item))


async def _show_decision(
    update: Update, context: BotContext, item: LearningModel, done: str
) -> None:
    """The detail as it is now, with what happened, in place of the pressed message."""
    query = update.callback_query
    text = f"{detail_text(context, item)}\n\n{done}"
    if query is not None and query.message is not None:
        await edit_in_place(query, text, None)
    else:
        await say(update, context, text)


async def _already(update: Update, context: BotContext, item: LearningModel | None) -> None:
    query = update.callback_query
    assert query is not None
    _ = context._
    status = _(STATE_LABELS[item.status]) if item else _("no longer there")
    await query.answer(
        _("This registration is already decided: {status}.").format(status=status),
        show_alert=True,
    )


def _told(_: Gettext, delivered: bool) -> str:
    if delivered:
        return _("The registrant has been told.")
    return _("The registrant could not be reached; please call the contact person.")


@officer_only
async def approve_pressed(update: Update, context: BotContext) -> None:
    item = await _model_of_button(update, context, "model.review")
    if item is None:
        return
    runtime = context.runtime
    done = await approve_model(
        runtime.db, item.id, _decider(context), runtime.now(), _scope(context)
    )
    if done is None:
        await _already(update, context, await get_model(runtime.db, item.id))
        return
    assert update.callback_query is not None
    await update.callback_query.answer(context._("Approved."))
    await runtime.audit(
        context.person_id, "model.review", target=f"model:{done.id}", detail="approved"
    )
    log.info("learning model approved by an officer")
    delivered = await tell_registrant(context, done, "approved")
    _ = context._
    await _show_decision(update, context, done, " ".join((_("✅ Approved."), _told(_, delivered))))


@officer_only
async def rate_pressed(update: Update, context: BotContext) -> None:
    item = await _model_of_button(update, context, "model.rate")
    if item is None:
        return
    query = update.callback_query
    assert query is not None
    args = button_args(update)
    rating = args[2] if len(args) == 3 else ""
    if rating not in RATINGS:
        await query.answer(context._("This button has expired."), show_alert=True)
        return
    runtime = context.runtime
    done = await rate_model(
        runtime.db, item.id, rating, _decider(context), runtime.now(), _scope(context)
    )
    if done is None:
        await query.answer(
            context._("Only approved models are rated. This one is {status}.").format(
                status=context._(STATE_LABELS[item.status])
            ),
            show_alert=True,
        )
        return
    await query.answer(context._("Rating recorded."))
    await runtime.audit(context.person_id, "model.rate", target=f"model:{done.id}", detail=rating)
    log.info("learning model rated by an officer")
    delivered = await tell_registrant(context, done, "rated")
    _ = context._
    text = _("🏅 Rating recorded: {rating}.").format(rating=_(RATING_LABELS[rating]))
    await _show_decision(update, context, done, f"{text} {_told(_, delivered)}")


# --- officers: asking for changes, with a typed note ---------------------------------------

REVIEW_KEY = "model_review"  # user_data: the model an officer is typing a note for


@officer_only
@one_at_a_time("learning_review")
async def changes_pressed(update: Update, context: BotContext) -> int | None:
    item = await _model_of_button(update, context, "model.review")
    if item is None:
        return ConversationHandler.END
    query = update.callback_query
    assert query is not None and context.user_data is not None
    if item.status != "submitted":
        await _already(update, context, item)
        return ConversationHandler.END
    await query.answer()
    context.user_data[REVIEW_KEY] = item.id
    await say(
        update,
        context,
        context._(
            "What should be changed in {number} “{name}”? Type a note; the registrant will read "
            "it. /cancel to stop."
        ).format(number=model_number(item.id), name=item.name),
    )
    return NOTE


@officer_only
async def note_typed(update: Update, context: BotContext) -> int | None:
    assert update.message is not None and context.user_data is not None
    _ = context._
    note = squeeze(update.message.text or "")
    if not any(ch.isalpha() for ch in note) or len(note) > NOTE_MAX:
        await say(
            update,
            context,
            _("Please type a short note in words, at most {max} characters.").format(max=NOTE_MAX),
        )
        return NOTE
    model_id = context.user_data.pop(REVIEW_KEY, None)
    runtime = context.runtime
    item = await get_model(runtime.db, int(model_id)) if model_id else None
    if item is None:
        return ConversationHandler.END
    if not await _in_scope(update, context, item, "model.review"):
        return ConversationHandler.END
    done = await request_changes(
        runtime.db, item.id, note, _decider(context), runtime.now(), _scope(context)
    )
    if done is None:
        await say(update, context, _("This registration was decided meanwhile; nothing changed."))
        return ConversationHandler.END
    await runtime.audit(
        context.person_id, "model.review", target=f"model:{done.id}", detail="changes_requested"
    )
    log.info("changes to a learning model requested by an officer")
    delivered = await tell_registrant(context, done, "changes")
    await say(
        update,
        context,
        "\n\n".join(
            (detail_text(context, done), _("✏️ Changes requested.") + " " + _told(_, delivered))
        ),
    )
    return ConversationHandler.END


async def review_cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(REVIEW_KEY, None)
    await say(update, context, context._("All right, the registration is left as it was."))
    return ConversationHandler.END


async def review_unexpected(update: Update, context: BotContext) -> None:
    await say(update, context, context._("Please type an answer, or /cancel to stop."))


def review_conversation() -> ConversationHandler[BotContext]:
    typed = filters.TEXT & ~filters.COMMAND
    others = filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.Document.ALL
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="learning_review",
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(changes_pressed, pattern=rf"^{PREFIX}:changes:")],
            states={
                NOTE: [
                    MessageHandler(typed, note_typed),
                    CommandHandler("cancel", review_cancel),
                    MessageHandler(others, review_unexpected),
                ],
                ConversationHandler.TIMEOUT: forget_on_timeout(REVIEW_KEY),
            },
            fallbacks=[CommandHandler("cancel", review_cancel)],
            conversation_timeout=OFFICER_QUESTION_LAPSES,
        )


# --- telling the registrant -----------------------------------------------------------------


def news_text(_: Gettext, item: LearningModel, news: str) -> str:
    what = f"{model_number(item.id)}, {_(MODEL_KIND_LABELS[item.kind])} “{item.name}”"
    if news == "approved":
        return _(
            "✅ Good news: your registration {model} for the {period} school year is approved. "
            "Thank you for building a learning society! At the end of the school year the "
            "Association will record its rating."
        ).format(model=what, period=item.period)
    if news == "changes":
        return _(
            "✏️ Your registration {model} needs some changes:\n\n{note}\n\n"
            "To fix it, type /model (or open /mymodels) and submit it again."
        ).format(model=what, note=item.review_note or "")
    rating = _(RATING_LABELS[item.rating or "not_met"])
    if item.rating == "not_met":
        return _(
            "Your {model} was assessed for the {period} school year: {rating}. Thank you for "
            "taking part; the Association hopes to see you again next year."
        ).format(model=what, period=item.period, rating=rating)
    return _(
        "🏅 Congratulations! Your {model} was rated for the {period} school year: {rating}."
    ).format(model=what, period=item.period, rating=rating)


async def tell_registrant(context: BotContext, item: LearningModel, news: str) -> bool:
    """Tell the registrant at once, in their language; False when they cannot be reached
    (they blocked the bot, or the network kept failing)."""
    if item.person_id is None:
        return False
    runtime = context.runtime
    chat = await telegram_chat(runtime.db, item.person_id)
    if chat is None:
        return False
    lang = await get_language(runtime.db, item.person_id) or runtime.settings.default_language
    text = news_text(gettext_for(lang), item, news)
    for attempt in range(3):
        try:
            await context.bot.send_message(chat, text)
            return True
        except (Forbidden, BadRequest):
            log.info("a registrant could not be told (blocked the bot or no chat)")
            return False
        except (NetworkError, TimedOut):
            if attempt < 2:
                await asyncio.sleep(0.5 * 2**attempt)
    log.warning("a registrant could not be told: the network kept failing")
    return False


def learning_officer_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Officers: /models, opening one, approving, asking for changes (typed) and rating."""
    return [
        review_conversation(),
        CommandHandler("models", models_command),
        CallbackQueryHandler(list_pressed, pattern=rf"^{PREFIX}:list:"),
        CallbackQueryHandler(open_pressed, pattern=rf"^{PREFIX}:open:"),
        CallbackQueryHandler(approve_pressed, pattern=rf"^{PREFIX}:approve:"),
        CallbackQueryHandler(rate_pressed, pattern=rf"^{PREFIX}:rate:"),
    ]
