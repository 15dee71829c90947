"""Joining the Study Promotion Association by chat, and the member card (/me)."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import Draft, DraftKind, say, say_surely
from bot.channels.telegram.journeys import one_at_a_time
from bot.channels.telegram.keyboards import MENU_JOIN, main_menu
from bot.domain.members import CATEGORY_LABELS, NOTICE_VERSION
from bot.domain.text import fold
from bot.domain.validation import (
    OLDEST_AGE,
    YOUNGEST_AGE,
    check_birth_year,
    check_name,
    check_organisation,
    display_phone,
    needs_guardian,
)
from bot.domain.wards import province_name
from bot.i18n import N_, local_date
from bot.poster import parse_start_payload
from handlers.steps import (
    ask_own_phone,
    consent_answer,
    consent_keyboard,
    offer_wards,
    phone_answer,
    pressed_ward,
    read_phone,
    reask,
    state_handlers,
    typed_answer,
)
from storage.members import MemberInput, member_of_person, save_member

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=12)
CONSENT_PURPOSE = "membership"

(
    CONSENT,
    NAME,
    PHONE,
    BIRTH_YEAR,
    GUARDIAN_NAME,
    GUARDIAN_PHONE,
    WARD,
    CATEGORY,
    ORGANISATION,
    SUMMARY,
    EDIT_FIELD,
    EXISTING,
) = range(12)

NO_ORGANISATION = ("bo qua", "skip", "khong", "khong co", "none", "no", "-")


EDITABLE_FIELDS: dict[str, str] = {
    "name": N_("Full name"),
    "phone": N_("Phone"),
    "year": N_("Year of birth"),
    "ward": N_("Commune or ward"),
    "category": N_("Category"),
    "org": N_("Organisation"),
}


# --- the draft and its buttons ------------------------------------------------------------

JOIN = DraftKind("reg", clear_pressed=False)


# --- the questions ------------------------------------------------------------------------


async def ask_consent(update: Update, context: BotContext) -> int:
    _ = context._
    draft = JOIN.of(context)
    association = _("{province} Study Promotion Association").format(
        province=province_name(context.runtime.settings.province_code)
    )
    text = _(
        "🔒 Before you join: how we use your personal data\n\n"
        "• Who keeps it: the {association}.\n"
        "• Why: to manage membership, tell you about study-promotion activities, and count "
        "members in reports to the city. Nothing else, and it is never sold.\n"
        "• What: your full name, phone number, year of birth, commune or ward, category and "
        "organisation. For anyone under 16, also the name and phone of a parent or guardian, "
        "who gives consent on their behalf.\n"
        "• How long: while you are a member, and until you ask us to delete it.\n"
        "• Your rights: to see your data (/me, /mydata), to correct it (/join again), and to "
        "withdraw consent and have it deleted (/privacy).\n\n"
        "This follows the Law on Personal Data Protection (91/2025/QH15) and Decree 356/2025. "
        "Do you agree?"
    ).format(association=association)
    await say(update, context, text, consent_keyboard(JOIN, draft, _))
    return CONSENT


async def ask_name(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._("What is your full name? For example: Nguyễn Thị Lan"),
        ReplyKeyboardRemove(),
    )
    return NAME


async def ask_phone(update: Update, context: BotContext) -> int:
    await ask_own_phone(update, context)
    return PHONE


async def ask_birth_year(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._("In which year were you born? For example: 1985"),
        ReplyKeyboardRemove(),
    )
    return BIRTH_YEAR


async def ask_guardian_name(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._(
            "You are under 16, so a parent or guardian must agree to your joining. "
            "What is your parent's or guardian's full name?"
        ),
    )
    return GUARDIAN_NAME


async def ask_guardian_phone(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._(
            "What is your parent's or guardian's phone number? Type it, or share their contact."
        ),
    )
    return GUARDIAN_PHONE


async def ask_ward(update: Update, context: BotContext) -> int:
    _ = context._
    await say(
        update,
        context,
        _(
            "Which commune or ward do you live in? Type part of its name, for example: "
            "Ngô Quyền, or Cát Hải."
        ),
        ReplyKeyboardRemove(),
    )
    return WARD


async def ask_category(update: Update, context: BotContext) -> int:
    _ = context._
    draft = JOIN.of(context)
    buttons = [JOIN.button(draft, _(label), "cat", key) for key, label in CATEGORY_LABELS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await say(update, context, _("Which group do you belong to?"), InlineKeyboardMarkup(rows))
    return CATEGORY


async def ask_organisation(update: Update, context: BotContext) -> int:
    _ = context._
    draft = JOIN.of(context)
    await say(
        update,
        context,
        _(
            "Do you work or study at an agency, enterprise, school or armed-forces unit? "
            "Type its name so we can count you in its study-promotion chapter, or press Skip."
        ),
        InlineKeyboardMarkup([[JOIN.button(draft, _("Skip"), "org", "skip")]]),
    )
    return ORGANISATION


def summary_text(context: BotContext, draft: Draft) -> str:
    _ = context._
    lines = [
        _("Please check your details:"),
        "",
        _("Full name: {value}").format(value=draft["full_name"]),
        _("Phone: {value}").format(value=display_phone(draft["phone"])),
        _("Year of birth: {value}").format(value=draft["birth_year"]),
    ]
    if draft.get("guardian_name"):
        lines.append(
            _("Parent or guardian: {name}, {phone}").format(
                name=draft["guardian_name"], phone=display_phone(draft["guardian_phone"])
            )
        )
    lines += [
        _("Commune or ward: {value}").format(value=draft["ward_name"]),
        _("Category: {value}").format(value=_(CATEGORY_LABELS[draft["category"]])),
        _("Organisation: {value}").format(value=draft.get("organisation") or _("none")),
    ]
    return "\n".join(lines)


REQUIRED = ("consent_id", "full_name", "phone", "birth_year", "ward_code", "ward_name", "category")


async def ask_summary(update: Update, context: BotContext) -> int:
    _ = context._
    draft = JOIN.of(context)
    if any(draft.get(key) is None for key in REQUIRED):
        # Only after a badly timed restart: the answers are gone, so start again cleanly.
        await say(
            update, context, _("Sorry, your answers were lost. Please type /join to start again.")
        )
        return JOIN.end(context)
    draft["editing"] = True
    keyboard = InlineKeyboardMarkup(
        [
            [JOIN.button(draft, _("✅ Confirm"), "confirm")],
            [
                JOIN.button(draft, _("✏️ Edit a field"), "edit"),
                JOIN.button(draft, _("✖️ Cancel"), "cancel"),
            ],
        ]
    )
    await say(update, context, summary_text(context, draft), keyboard)
    return SUMMARY


async def next_or_summary(update: Update, context: BotContext, ask_next: Any) -> int:
    """After an answer: the next question, or back to the summary when editing one field."""
    if JOIN.of(context).get("editing"):
        return await ask_summary(update, context)
    return int(await ask_next(update, context))


# --- entry and consent --------------------------------------------------------------------


@one_at_a_time("membership")
async def join(update: Update, context: BotContext) -> int:
    """/join and the Join button: start, or offer to update an existing membership."""
    if update.callback_query:
        await update.callback_query.answer()
    draft = JOIN.new(context)
    parsed = parse_start_payload(context.args[0]) if context.args else None
    if parsed is not None:
        draft["source"] = parsed[1]
    member = await member_of_person(context.runtime.db, context.person)
    if member is None:
        return await ask_consent(update, context)
    _ = context._
    keyboard = InlineKeyboardMarkup(
        [
            [
                JOIN.button(draft, _("✏️ Update my details"), "existing", "update"),
                JOIN.button(draft, _("Keep them as they are"), "existing", "keep"),
            ]
        ]
    )
    await say(
        update,
        context,
        _(
            "You are already a member, number {number}. Would you like to update your details?"
        ).format(number=member.member_no),
        keyboard,
    )
    return EXISTING


async def existing_pressed(update: Update, context: BotContext) -> int:
    """Update an existing membership, or leave it alone."""
    args = await JOIN.pressed(update, context, "existing")
    if args is None:
        return EXISTING
    member = await member_of_person(context.runtime.db, context.person)
    if args != ["update"] or member is None:
        await say(
            update, context, context._("All right, nothing has changed."), main_menu(context._)
        )
        return JOIN.end(context)
    JOIN.of(context).update(
        consent_id=member.consent_id,
        full_name=member.full_name,
        phone=member.phone,
        birth_year=member.birth_year,
        guardian_name=member.guardian_name,
        guardian_phone=member.guardian_phone,
        ward_code=member.ward_code,
        ward_name=member.ward_name,
        category=member.category,
        organisation=member.organisation,
    )
    return await ask_summary(update, context)


async def consent_pressed(update: Update, context: BotContext) -> int:
    """Agree records the consent and goes on; Disagree ends politely."""
    answer = await consent_answer(update, context, JOIN, CONSENT_PURPOSE, NOTICE_VERSION)
    if answer is None:
        return CONSENT
    agreed, consent_id = answer
    if not agreed:
        await say(
            update,
            context,
            context._(
                "We understand, and we have not kept any of your details. You are welcome "
                "to join whenever you like with /join."
            ),
            main_menu(context._),
        )
        return JOIN.end(context)
    JOIN.of(context)["consent_id"] = consent_id
    return await ask_name(update, context)


# --- the answers --------------------------------------------------------------------------


async def name_given(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_name(update.message.text or "")
    if not checked.ok:
        _ = context._
        await reask(
            update,
            context,
            checked,
            _(
                "Please type your full name in letters, at most 100 characters. "
                "For example: Nguyễn Thị Lan"
            ),
        )
        return NAME
    JOIN.of(context)["full_name"] = checked.value
    return await next_or_summary(update, context, ask_phone)


async def phone_given(update: Update, context: BotContext) -> int:
    phone = await read_phone(update, context, own=True)
    if phone is None:
        return PHONE
    JOIN.of(context)["phone"] = phone
    if JOIN.of(context).get("editing"):
        await say(update, context, context._("Phone number saved."), ReplyKeyboardRemove())
        return await ask_summary(update, context)
    return await ask_birth_year(update, context)


async def birth_year_given(update: Update, context: BotContext) -> int:
    assert update.message is not None
    _ = context._
    this_year = context.runtime.now().astimezone(context.runtime.settings.tz).year
    checked = check_birth_year(update.message.text or "", this_year)
    year = checked.value
    if not checked.ok or not isinstance(year, int):
        await reask(
            update,
            context,
            checked,
            _("Type the year you were born, between {first} and {last}.").format(
                first=this_year - OLDEST_AGE, last=this_year - YOUNGEST_AGE
            ),
        )
        return BIRTH_YEAR
    draft = JOIN.of(context)
    draft["birth_year"] = year
    if needs_guardian(year, this_year):
        if not draft.get("guardian_name"):
            return await ask_guardian_name(update, context)
    else:
        draft["guardian_name"] = draft["guardian_phone"] = None
    return await next_or_summary(update, context, ask_ward)


async def guardian_name_given(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_name(update.message.text or "")
    if not checked.ok:
        await reask(
            update,
            context,
            checked,
            context._(
                "Please type your parent's or guardian's full name in letters. "
                "For example: Trần Văn Minh"
            ),
        )
        return GUARDIAN_NAME
    JOIN.of(context)["guardian_name"] = checked.value
    return await ask_guardian_phone(update, context)


async def guardian_phone_given(update: Update, context: BotContext) -> int:
    phone = await read_phone(
        update,
        context,
        own=False,
        hint=context._("Type your parent's or guardian's number, for example 0912 345 678."),
    )
    if phone is None:
        return GUARDIAN_PHONE
    draft = JOIN.of(context)
    draft["guardian_phone"] = phone
    return await next_or_summary(update, context, ask_ward)


async def ward_typed(update: Update, context: BotContext) -> int:
    """Search the communes and wards; offer at most eight as buttons."""
    await offer_wards(update, context, JOIN, context._("Choose your commune or ward:"))
    return WARD


async def ward_pressed(update: Update, context: BotContext) -> int:
    args = await JOIN.pressed(update, context, "ward")
    if args is None:
        return WARD
    ward = pressed_ward(args, context.runtime.settings.province_code)
    if ward is None:
        return await ask_ward(update, context)
    draft = JOIN.of(context)
    draft["ward_code"], draft["ward_name"] = ward.code, ward.name
    return await next_or_summary(update, context, ask_category)


async def category_pressed(update: Update, context: BotContext) -> int:
    args = await JOIN.pressed(update, context, "cat")
    if args is None:
        return CATEGORY
    if not args or args[0] not in CATEGORY_LABELS:
        return await ask_category(update, context)
    JOIN.of(context)["category"] = args[0]
    return await next_or_summary(update, context, ask_organisation)


async def organisation_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    typed = update.message.text or ""
    if fold(typed) in (fold(context._("Skip")), *NO_ORGANISATION):
        JOIN.of(context)["organisation"] = None
        return await ask_summary(update, context)
    checked = check_organisation(typed)
    if not checked.ok:
        await reask(
            update,
            context,
            checked,
            context._(
                "Type the name of your agency, enterprise, school or unit (at most 200 "
                "characters), or press Skip."
            ),
        )
        return ORGANISATION
    JOIN.of(context)["organisation"] = checked.value
    return await ask_summary(update, context)


async def organisation_skipped(update: Update, context: BotContext) -> int:
    args = await JOIN.pressed(update, context, "org")
    if args is None:
        return ORGANISATION
    JOIN.of(context)["organisation"] = None
    return await ask_summary(update, context)


# --- the summary --------------------------------------------------------------------------


async def confirm_pressed(update: Update, context: BotContext) -> int:
    """Store the member in one transaction and welcome them."""
    if await JOIN.pressed(update, context, "confirm", keep_buttons=True) is None:
        return SUMMARY
    draft = JOIN.of(context)
    data = MemberInput(
        full_name=draft["full_name"],
        phone=draft["phone"],
        birth_year=draft["birth_year"],
        guardian_name=draft.get("guardian_name"),
        guardian_phone=draft.get("guardian_phone"),
        ward_code=draft["ward_code"],
        ward_name=draft["ward_name"],
        category=draft["category"],
        organisation=draft.get("organisation"),
        source=draft.get("source"),
    )
    runtime = context.runtime
    now = runtime.now()
    member, created = await save_member(
        runtime.db,
        context.person,
        data,
        draft["consent_id"],
        runtime.settings.member_prefix,
        now,
        year=now.astimezone(runtime.settings.tz).year,
    )
    await JOIN.finish(update, context, "membership")
    _ = context._
    if created:
        log.info("member created")
        text = _(
            "🎉 Welcome to the {province} Study Promotion Association!\n\n"
            "Your membership number is {number}. Thank you for joining hands so that every "
            "family learns and every child can go to school. Type /me to see your card."
        ).format(province=province_name(runtime.settings.province_code), number=member.member_no)
    else:
        text = _("Your details are updated. Your membership number is still {number}.").format(
            number=member.member_no
        )
    if not await say_surely(update, context, text, main_menu(_)):
        # The member is saved and the conversation is over; /me shows the number at any time.
        log.warning("welcome message not delivered")
    return ConversationHandler.END


async def edit_pressed(update: Update, context: BotContext) -> int:
    _ = context._
    if await JOIN.pressed(update, context, "edit") is None:
        return SUMMARY
    draft = JOIN.of(context)
    buttons = [JOIN.button(draft, _(label), "field", key) for key, label in EDITABLE_FIELDS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await say(
        update, context, _("Which detail would you like to change?"), InlineKeyboardMarkup(rows)
    )
    return EDIT_FIELD


async def field_pressed(update: Update, context: BotContext) -> int:
    args = await JOIN.pressed(update, context, "field")
    if args is None:
        return EDIT_FIELD
    questions = {
        "name": ask_name,
        "phone": ask_phone,
        "year": ask_birth_year,
        "ward": ask_ward,
        "category": ask_category,
        "org": ask_organisation,
    }
    ask = questions.get(args[0] if args else "")
    if ask is None:
        return await ask_summary(update, context)
    return int(await ask(update, context))


async def cancel_pressed(update: Update, context: BotContext) -> int:
    if await JOIN.pressed(update, context, "cancel") is None:
        return SUMMARY
    return await cancel(update, context)


async def timed_out(update: Update, context: BotContext) -> int:
    """An abandoned registration: drop what was typed."""
    return JOIN.end(context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel at any step: nothing is saved."""
    JOIN.end(context)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id,
            context._(
                "Joining is cancelled, and nothing you typed has been saved. "
                "Type /start for the menu."
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
    return ConversationHandler.END


# --- anything else during the conversation ------------------------------------------------

REPEATS = {
    CONSENT: ask_consent,
    NAME: ask_name,
    PHONE: ask_phone,
    BIRTH_YEAR: ask_birth_year,
    GUARDIAN_NAME: ask_guardian_name,
    GUARDIAN_PHONE: ask_guardian_phone,
    WARD: ask_ward,
    CATEGORY: ask_category,
    ORGANISATION: ask_organisation,
    SUMMARY: ask_summary,
    EDIT_FIELD: ask_summary,
}
BUTTON_STATES = (CONSENT, CATEGORY, SUMMARY, EDIT_FIELD, EXISTING)


def conversation() -> ConversationHandler[BotContext]:
    def with_fallback(state: int, *handlers: BaseHandler[Update, BotContext, Any]) -> list[Any]:
        # Other commands (/stop, /me, /help, /language, /start) pass through to their own
        # handlers and the question stays open: opting out always works.
        return state_handlers(
            state, *handlers, cancel=cancel, repeats=REPEATS, button_states=BUTTON_STATES
        )

    with warnings.catch_warnings():
        # Buttons are tracked per user on purpose (a nonce guards them), not per message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="membership",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("join", join),
                CommandHandler("start", join, filters.Regex(r"^/start join(-|$)")),
                CallbackQueryHandler(join, pattern=f"^{MENU_JOIN}$"),
            ],
            states={
                CONSENT: with_fallback(
                    CONSENT, CallbackQueryHandler(consent_pressed, JOIN.pattern)
                ),
                NAME: with_fallback(NAME, typed_answer(name_given)),
                PHONE: with_fallback(PHONE, phone_answer(phone_given)),
                BIRTH_YEAR: with_fallback(BIRTH_YEAR, typed_answer(birth_year_given)),
                GUARDIAN_NAME: with_fallback(GUARDIAN_NAME, typed_answer(guardian_name_given)),
                GUARDIAN_PHONE: with_fallback(GUARDIAN_PHONE, phone_answer(guardian_phone_given)),
                WARD: with_fallback(
                    WARD, typed_answer(ward_typed), CallbackQueryHandler(ward_pressed, JOIN.pattern)
                ),
                CATEGORY: with_fallback(
                    CATEGORY, CallbackQueryHandler(category_pressed, JOIN.pattern)
                ),
                ORGANISATION: with_fallback(
                    ORGANISATION,
                    typed_answer(organisation_typed),
                    CallbackQueryHandler(organisation_skipped, JOIN.pattern),
                ),
                SUMMARY: with_fallback(
                    SUMMARY,
                    CallbackQueryHandler(confirm_pressed, r"^reg:[0-9a-f]+:confirm$"),
                    CallbackQueryHandler(edit_pressed, r"^reg:[0-9a-f]+:edit$"),
                    CallbackQueryHandler(cancel_pressed, r"^reg:[0-9a-f]+:cancel$"),
                ),
                EDIT_FIELD: with_fallback(
                    EDIT_FIELD, CallbackQueryHandler(field_pressed, JOIN.pattern)
                ),
                EXISTING: with_fallback(
                    EXISTING, CallbackQueryHandler(existing_pressed, JOIN.pattern)
                ),
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            # An abandoned registration ends by itself, so that weeks later "Xin chào" is not
            # taken for a name. (After a restart, open conversations wait for their next answer.)
            conversation_timeout=ABANDONED_AFTER,
        )


async def me(update: Update, context: BotContext) -> None:
    """/me: the member card."""
    _ = context._
    member = await member_of_person(context.runtime.db, context.person)
    if member is None:
        await say(
            update, context, _("You are not a member yet. Press Join to become one."), main_menu(_)
        )
        return
    runtime = context.runtime
    lines = [
        _("🪪 Member card: {association}").format(
            association=_("{province} Study Promotion Association").format(
                province=province_name(runtime.settings.province_code)
            )
        ),
        "",
        _("Number: {value}").format(value=member.member_no),
        _("Full name: {value}").format(value=member.full_name),
        _("Phone: {value}").format(value=display_phone(member.phone)),
        _("Year of birth: {value}").format(value=member.birth_year),
        _("Commune or ward: {value}").format(value=member.ward_name),
        _("Category: {value}").format(value=_(CATEGORY_LABELS[member.category])),
    ]
    if member.organisation:
        lines.append(_("Organisation: {value}").format(value=member.organisation))
    lines.append(
        _("Member since: {value}").format(
            value=local_date(member.created_at, context.lang, runtime.settings.tz)
        )
    )
    lines += ["", _("To correct your details, type /join.")]
    await say(update, context, "\n".join(lines))


def membership_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [conversation(), CommandHandler("me", me)]
