"""Steps the citizen journeys share (joining, pledging, registering a learning model), and the
paging of the officers' lists. Not a journey: the journeys' modules call these, each passing
its own draft, texts and states, and keep the states, the texts that differ and the wiring.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Coroutine, Mapping
from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import Draft, DraftKind, say
from bot.domain.validation import Checked, Problem, check_phone
from bot.domain.wards import MAX_CHOICES, WardInfo, province_name, search_wards, ward_by_code
from bot.i18n import Gettext
from storage.members import record_consent

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]  # what a handler calls
Step = Callable[[Update, BotContext], Awaitable[Any]]  # a question: ask it, return its state


# --- consent to a notice ------------------------------------------------------------------


def consent_keyboard(kind: DraftKind, draft: Draft, _: Gettext) -> InlineKeyboardMarkup:
    """Agree / Do not agree under a personal-data notice."""
    return InlineKeyboardMarkup(
        [
            [
                kind.button(draft, _("✅ I agree"), "consent", "yes"),
                kind.button(draft, _("✖️ I do not agree"), "consent", "no"),
            ]
        ]
    )


async def consent_answer(
    update: Update, context: BotContext, kind: DraftKind, purpose: str, notice_version: str
) -> tuple[bool, int] | None:
    """Record the answer to a notice, whichever it is; (agreed, consent id), or None when the
    button has expired (already answered)."""
    args = await kind.pressed(update, context, "consent")
    if args is None:
        return None
    agreed = args == ["yes"]
    runtime = context.runtime
    consent_id = await record_consent(
        runtime.db, context.person, purpose, notice_version, agreed, runtime.now()
    )
    return agreed, consent_id


# --- officers' open questions -------------------------------------------------------------

OFFICER_QUESTION_LAPSES = timedelta(minutes=30)  # not answered by what is typed days later


def forget_on_timeout(key: str) -> list[BaseHandler[Update, BotContext, Any]]:
    """The TIMEOUT state of an officer's question: the question and its draft are dropped."""

    async def forgotten(update: object, context: BotContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(key, None)
        return ConversationHandler.END

    return [TypeHandler(Update, forgotten)]


# --- what a pressed button carries --------------------------------------------------------


def parse_int(text: str) -> int | None:
    """A whole number of at most 11 digits, or None (signs, spaces and other digits refused)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def button_args(update: Update) -> list[str]:
    """The parts of a pressed button's data after its prefix: `opl:open:7` → ["open", "7"]."""
    query = update.callback_query
    return (query.data or "").split(":")[1:] if query else []


# --- saying what is wrong, and asking again -----------------------------------------------


def problem_text(_: Gettext, problem: Problem | None) -> str:
    messages = {
        Problem.EMPTY: _("That was empty."),
        Problem.TOO_LONG: _("That is too long."),
        Problem.NOT_A_NAME: _("That does not look like a name."),
        Problem.NOT_A_PHONE: _("That is not a valid Vietnamese phone number."),
        Problem.NOT_A_YEAR: _("Please type the year as four digits."),
        Problem.YEAR_OUT_OF_RANGE: _("That year of birth is not possible."),
    }
    return messages.get(problem, _("Please try again.")) if problem else _("Please try again.")


async def reask(update: Update, context: BotContext, checked: Checked, hint: str) -> None:
    """What is wrong with the answer, then `hint`: how to answer the question again."""
    await say(update, context, f"{problem_text(context._, checked.problem)} {hint}")


# --- the commune or ward: typed in part, then chosen from buttons -------------------------


async def offer_wards(
    update: Update, context: BotContext, kind: DraftKind, choose_text: str
) -> None:
    """Search the communes and wards for the typed text and offer at most MAX_CHOICES as
    buttons (`<kind>:<nonce>:ward:<code>`) under `choose_text`; or say that none matches."""
    assert update.message is not None
    _ = context._
    query = (update.message.text or "").strip()
    province = context.runtime.settings.province_code
    found = search_wards(province, query[:100])
    if not found:
        await say(
            update,
            context,
            _(
                "No commune or ward of {province} matches “{query}”. Check the spelling and type "
                "part of the name again, for example: Lê Chân"
            ).format(province=province_name(province), query=query[:40]),
        )
        return
    draft = kind.of(context)
    rows = [[kind.button(draft, w.name, "ward", str(w.code))] for w in found[:MAX_CHOICES]]
    text = choose_text
    if len(found) > MAX_CHOICES:
        text = _(
            "{count} communes and wards match. Here are the first {shown}; type more of the "
            "name to narrow the list."
        ).format(count=len(found), shown=MAX_CHOICES)
    await say(update, context, text, InlineKeyboardMarkup(rows))


def pressed_ward(args: list[str], province_code: int) -> WardInfo | None:
    """The ward a pressed ward button names (its arguments after "ward"), or None."""
    code = parse_int(args[0]) if args else None
    return ward_by_code(province_code, code) if code is not None else None


# --- a phone number: typed, or shared as a contact ----------------------------------------


def share_phone_keyboard(_: Gettext) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask_own_phone(update: Update, context: BotContext) -> None:
    """Ask for the person's own number, with a button to share it."""
    _ = context._
    await say(
        update,
        context,
        _(
            "What is your phone number? Press the button below to share it, or type it "
            "(for example 0912 345 678)."
        ),
        share_phone_keyboard(_),
    )


async def read_phone(
    update: Update, context: BotContext, *, own: bool, hint: str | None = None
) -> str | None:
    """The number typed or shared as a contact, in E.164. None once the person is told what is
    wrong, so that the caller asks again: with `own`, a contact that is not their own; and a
    number that is not a Vietnamese phone, followed by `hint` (by default: how to give one's
    own number)."""
    message = update.message
    assert message is not None
    _ = context._
    if own and message.contact is not None:
        user = update.effective_user
        assert user is not None
        if message.contact.user_id != user.id:
            await say(
                update,
                context,
                _(
                    "That contact is not yours. Please share your own number with the button "
                    "below, or type it."
                ),
            )
            return None
    raw = message.contact.phone_number if message.contact else (message.text or "")
    checked = check_phone(raw)
    if not checked.ok:
        if hint is None:
            hint = _(
                "Type a mobile or landline number in Vietnam, for example 0912 345 678, "
                "or press the button to share yours."
            )
        await reask(update, context, checked, hint)
        return None
    return str(checked.value)


# --- a conversation's states --------------------------------------------------------------


def typed_answer(callback: Callback) -> MessageHandler[BotContext, Any]:
    return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)


def phone_answer(callback: Callback) -> MessageHandler[BotContext, Any]:
    return MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.CONTACT, callback)


def unexpected(state: int, repeats: Mapping[int, Step], button_states: Container[int]) -> Callback:
    """Something that does not answer the question: say what is expected and ask again."""

    async def again(update: Update, context: BotContext) -> int:
        _ = context._
        hint = (
            _("Please use the buttons below.")
            if state in button_states
            else _("I need a typed answer here.")
        )
        await say(update, context, hint)
        repeat = repeats.get(state)
        return int(await repeat(update, context)) if repeat else state

    return again


def state_handlers(
    state: int,
    *handlers: BaseHandler[Update, BotContext, Any],
    cancel: Callback,
    repeats: Mapping[int, Step],
    button_states: Container[int],
) -> list[BaseHandler[Update, BotContext, Any]]:
    """A state's own handlers, then /cancel, then `unexpected` for any other message that is
    neither a command nor a file. A state's handlers are tried before the conversation's
    fallbacks, so /cancel must come before the catch-all; other commands pass through to their
    own handlers and the question stays open."""
    return [
        *handlers,
        CommandHandler("cancel", cancel),
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.Document.ALL,
            unexpected(state, repeats, button_states),
        ),
    ]


# --- officers' lists, a page at a time ----------------------------------------------------


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill; at least one, so that an empty list has a page."""
    return max(1, -(-total // per_page))


def page_buttons(prefix: str, key: str, page: int, pages: int) -> list[list[InlineKeyboardButton]]:
    """The ◀️ ▶️ row to the pages before and after `page` (counted from 0) of the list `key`,
    as `<prefix>:list:<key>:<page>` buttons; no row when there is one page."""
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"{prefix}:list:{key}:{page - 1}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton("▶️", callback_data=f"{prefix}:list:{key}:{page + 1}"))
    return [nav] if nav else []
