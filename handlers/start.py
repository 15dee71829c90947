"""Start, main menu, language, help, events, and the answers for anything unexpected."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.identity import identify
from bot.channels.telegram.keyboards import (
    LANGUAGE_PREFIX,
    MENU_EVENTS,
    MENU_HELP,
    MENU_LANGUAGE,
    language_picker,
    main_menu,
)
from bot.domain.wards import province_name
from storage.users import set_language


async def resolve_person(update: Update, context: BotContext) -> None:
    """Resolve the sender's person and language once per update, before any other handler."""
    await identify(update, context)


async def send_menu(update: Update, context: BotContext, text: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=main_menu(context._))


def greeting(context: BotContext) -> str:
    _ = context._
    province = province_name(context.runtime.settings.province_code)
    return _(
        "Welcome to the {province} Study Promotion Association! 🎓\n\n"
        "We help pupils in hard circumstances and honour those who study and teach well, so that "
        "every family learns. In October, the Month of Study Promotion, you can join the "
        "Association or pledge to its funds right here."
    ).format(province=province)


async def start(update: Update, context: BotContext) -> None:
    """/start: greet and show the main menu."""
    await send_menu(update, context, greeting(context))


async def help_command(update: Update, context: BotContext) -> None:
    """/help and the Help button."""
    _ = context._
    if update.callback_query:
        await update.callback_query.answer()
    text = _(
        "What I can do:\n"
        "/join: join the Study Promotion Association\n"
        "/me: your membership card\n"
        "/pledge: pledge to a study-promotion fund\n"
        "/mypledges: your pledges, to pay or cancel them\n"
        "/honour: the honour roll of donors\n"
        "/model: register a learning family, clan, community or unit\n"
        "/mymodels: your learning models and how their review went\n"
        "/privacy: your personal data: see it, withdraw a consent, delete it\n"
        "/language: Tiếng Việt or English\n"
        "/cancel: stop what you are doing\n"
        "/start: the main menu\n\n"
        "Your data is used only for the Association's work; /privacy shows it, and deletes it "
        "when you ask."
    )
    person = context.person_id
    access = await context.runtime.access(person) if person is not None else None
    if access is not None and access.is_officer:
        text += "\n\n" + _(
            "For officers:\n"
            "/stats: live figures\n"
            "/report [from] [to]: the report for the city, as a workbook and a chart\n"
            "/pledges: pledges waiting for money; send a bank statement (CSV) to reconcile\n"
            "/models: learning-model registrations to review\n"
            "/broadcast, /broadcasts, /campaign: announcements"
        )
    if access is not None and access.is_admin:
        text += "\n" + _("For administrators: /grant, /revoke, /officers")
    await send_menu(update, context, text)


async def events(update: Update, context: BotContext) -> None:
    """The Events button: the Month's key dates."""
    _ = context._
    if update.callback_query:
        await update.callback_query.answer()
    province = province_name(context.runtime.settings.province_code)
    text = _(
        "📅 The Month of Study Promotion and Talent Promotion, 1 to 31 October\n\n"
        "• 2 October: Vietnam Study Promotion Day\n"
        "• Early October: the Lifelong Learning Week\n"
        "• 14 October: founding day of the {province} Study Promotion Association\n\n"
        "Join the Association, and build a learning family, clan, community or unit with us."
    ).format(province=province)
    await send_menu(update, context, text)


async def choose_language(update: Update, context: BotContext) -> None:
    """/language and the Language button: offer Vietnamese and English."""
    if update.callback_query:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id, context._("Choose your language:"), reply_markup=language_picker()
        )


async def set_language_pressed(update: Update, context: BotContext) -> None:
    """A language button: keep the choice for this user."""
    query = update.callback_query
    assert query is not None
    language = (query.data or "").removeprefix(LANGUAGE_PREFIX)
    if language not in ("vi", "en"):
        await query.answer(context._("This button has expired."))
        return
    await set_language(context.runtime.db, context.person, language, context.runtime.now())
    context.runtime.remember_language(context.person, language)
    context.lang = language
    await query.answer()
    if query.message is not None and getattr(query.message, "reply_markup", None):
        await query.edit_message_reply_markup(None)
    await send_menu(update, context, context._("Done: I will speak English with you."))


async def not_understood(update: Update, context: BotContext) -> None:
    """Anything typed outside a conversation: show the menu."""
    await send_menu(
        update, context, context._("I did not quite get that. Here is what I can do for you:")
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id,
            context._("I don't know that command. Type /help to see what I can do."),
            reply_markup=ReplyKeyboardRemove(),
        )


async def expired_button(update: Update, context: BotContext) -> None:
    """A button that no conversation is waiting for: stale, or forged."""
    query = update.callback_query
    if query is not None:
        await query.answer(context._("This button has expired."), show_alert=True)


async def private_only(update: Update, context: BotContext) -> None:
    """In groups the bot stays silent, collects nothing and points to a private chat; only a
    command addressed to it gets that answer."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        link = f"https://t.me/{context.bot.username}"
        await context.bot.send_message(
            chat.id,
            context._(
                "To keep your personal data private, please talk to me directly: {link}"
            ).format(link=link),
        )
    raise ApplicationHandlerStop


def private_only_handler() -> BaseHandler[Update, BotContext, None]:
    return TypeHandler(Update, private_only)


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel when nothing is under way."""
    await send_menu(update, context, context._("There is nothing to cancel. Here is the menu:"))


def early_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Run before everything else (group -1)."""
    return [TypeHandler(Update, resolve_person)]


def menu_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("language", choose_language),
        CommandHandler("cancel", nothing_to_cancel),
        CallbackQueryHandler(help_command, pattern=f"^{MENU_HELP}$"),
        CallbackQueryHandler(events, pattern=f"^{MENU_EVENTS}$"),
        CallbackQueryHandler(choose_language, pattern=f"^{MENU_LANGUAGE}$"),
        CallbackQueryHandler(set_language_pressed, pattern=f"^{LANGUAGE_PREFIX}"),
    ]


def fallback_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Registered last: whatever nothing else took."""
    return [
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, unknown_command),
        MessageHandler(filters.UpdateType.MESSAGE, not_understood),
        CallbackQueryHandler(expired_button),
    ]
