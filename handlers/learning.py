"""Learning families, clans, communities and units (mô hình học tập): a registration by chat
(/model) and the registrant's own registrations (/mymodels). The officers' review and rating
are in handlers/learning_officers.py.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    TypeHandler,
)

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import Draft, DraftKind, say, say_surely
from bot.channels.telegram.journeys import one_at_a_time
from bot.channels.telegram.keyboards import main_menu, rows
from bot.domain.learning import (
    MODEL_KIND_LABELS,
    RATING_LABELS,
    STATE_LABELS,
    kind_text,
    model_number,
    size_text,
)
from bot.domain.validation import check_name, check_organisation, display_phone
from bot.domain.wards import province_name
from bot.i18n import N_, Gettext, number
from handlers.steps import (
    consent_answer,
    consent_keyboard,
    offer_wards,
    parse_int,
    phone_answer,
    pressed_ward,
    read_phone,
    reask,
    share_phone_keyboard,
    state_handlers,
    typed_answer,
)
from storage.learning import (
    SIZE_MAX,
    LearningModel,
    ModelInput,
    SizeProblem,
    Stale,
    check_size,
    consent_on_file,
    get_model,
    models_of,
    school_year,
    submit_model,
)
from storage.members import member_of_person
from storage.pledges import donor_of_person

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=12)
CONSENT_PURPOSE = "learning_model"
NOTICE_VERSION = "2026-11-29"
MY_MODELS_SHOWN = 10
FIXABLE_SHOWN = 3

LEARNING = DraftKind("lm")  # the registration's buttons: lm:<nonce>:<action>[:<arg>]
MINE = "mym"  # /mymodels buttons: mym:<model id>:fix

KIND_HELP = {
    "family": N_("the members of one family"),
    "clan": N_("a clan, with its branches and households"),
    "community": N_("a village, hamlet or residential group"),
    "unit": N_("an agency, enterprise, school or armed-forces unit"),
}
NAME_QUESTIONS = {
    "family": N_(
        "What is the family called? Usually after the head of the family, for example: "
        "Gia đình ông Nguyễn Văn Hùng"
    ),
    "clan": N_("What is the clan's name? For example: Dòng họ Nguyễn Đình (Kiến Thụy)"),
    "community": N_("What is the community's name? For example: Tổ dân phố số 5, or Thôn Đông Tác"),
    "unit": N_(
        "What is the unit's name? For example: Trường THCS Lê Lợi, or Công ty CP Cảng Hải Phòng"
    ),
}
SIZE_QUESTIONS = {
    "family": N_("How many members does the family have? Type a number, for example 5."),
    "clan": N_("How many members does the clan have, roughly? Type a number, for example 350."),
    "community": N_(
        "How many people live in the community, roughly? Type a number, for example 1200."
    ),
    "unit": N_("How many staff does the unit have? Type a number, for example 45."),
}
EDITABLE_FIELDS = {
    "kind": N_("Kind of model"),
    "name": N_("Name of the model"),
    "ward": N_("Commune or ward"),
    "contact": N_("Contact person"),
    "size": N_("Number of members or staff"),
}

(
    CHOOSE,
    CONSENT,
    KIND,
    NAME,
    WARD,
    CONTACT,
    PHONE,
    SIZE,
    SUMMARY,
    EDIT_FIELD,
) = range(10)


def _period(context: BotContext) -> str:
    """The school year of today, in the Association's time zone."""
    runtime = context.runtime
    return school_year(runtime.now().astimezone(runtime.settings.tz).date())


# --- the questions --------------------------------------------------------------------------


async def ask_consent(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    association = _("{province} Study Promotion Association").format(
        province=province_name(context.runtime.settings.province_code)
    )
    text = _(
        "🔒 Before you register: how we use your personal data\n\n"
        "• Who keeps it: the {association}.\n"
        "• Why: to register your learning model, review it, rate it at the end of the school "
        "year, tell you the outcome, and count models in reports. It is never sold.\n"
        "• What: the model's name, commune or ward and size, and the contact person's name and "
        "phone number. If the contact person is someone else, please make sure they agree.\n"
        "• How long: for the school year, then in the Association's records of the movement.\n"
        "• Your rights: to see your registrations (/mymodels) and all your data (/mydata), and "
        "to withdraw consent and have your data deleted (/privacy).\n\n"
        "This follows the Law on Personal Data Protection (91/2025/QH15) and Decree 356/2025. "
        "Do you agree?"
    ).format(association=association)
    await say(update, context, text, consent_keyboard(LEARNING, draft, _))
    return CONSENT


async def ask_kind(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    lines = [
        _("📚 Build a learning model for the {period} school year! Which kind is it?").format(
            period=draft.get("period") or _period(context)
        ),
        "",
    ]
    lines += [f"{kind_text(_, kind)}: {_(KIND_HELP[kind])}" for kind in MODEL_KIND_LABELS]
    buttons = [
        LEARNING.button(draft, kind_text(_, kind), "kind", kind) for kind in MODEL_KIND_LABELS
    ]
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(rows(buttons, 2)))
    return KIND


async def ask_name(update: Update, context: BotContext) -> int:
    kind = LEARNING.of(context).get("kind") or "family"
    await say(update, context, context._(NAME_QUESTIONS[kind]), ReplyKeyboardRemove())
    return NAME


async def ask_ward(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._(
            "In which commune or ward is it? Type part of the name, for example: Ngô Quyền, "
            "or Cát Hải."
        ),
        ReplyKeyboardRemove(),
    )
    return WARD


async def _registrant(context: BotContext, person: int) -> tuple[str, str] | None:
    """The registrant's own name and phone, when they are a member or an earlier donor."""
    db = context.runtime.db
    member = await member_of_person(db, person)
    if member is not None and member.full_name and member.phone:
        return member.full_name, member.phone
    donor = await donor_of_person(db, person)
    if donor is not None and donor.full_name and donor.phone:
        return donor.full_name, donor.phone
    return None


async def ask_contact(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    known = await _registrant(context, context.person)
    markup: Any = ReplyKeyboardRemove()
    if known is not None:
        label = _("👤 Me: {name}, {phone}").format(name=known[0], phone=display_phone(known[1]))
        markup = InlineKeyboardMarkup([[LEARNING.button(draft, label[:60], "me")]])
        text = _(
            "Who is the contact person the Association can call about this model? Press the "
            "button if it is you, or type the contact person's full name."
        )
    else:
        text = _(
            "Who is the contact person the Association can call about this model? Type their "
            "full name (yours, if it is you). For example: Nguyễn Thị Lan"
        )
    await say(update, context, text, markup)
    return CONTACT


async def ask_phone(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    await say(
        update,
        context,
        _(
            "What is {name}'s phone number? Type it (for example 0912 345 678), or, if it is "
            "yours, press the button below to share it."
        ).format(name=draft.get("contact_name") or ""),
        share_phone_keyboard(_),
    )
    return PHONE


async def ask_size(update: Update, context: BotContext) -> int:
    kind = LEARNING.of(context).get("kind") or "family"
    await say(update, context, context._(SIZE_QUESTIONS[kind]))
    return SIZE


def summary_text(context: BotContext, draft: Draft) -> str:
    _ = context._
    lines = []
    if draft.get("replaces") and draft.get("note"):
        lines += [
            _("The officer asked for these changes to {number}: {note}").format(
                number=model_number(draft["replaces"]), note=draft["note"]
            ),
            "",
        ]
    lines += [
        _("Please check your registration:"),
        "",
        _("Model: {value}").format(value=kind_text(_, draft["kind"])),
        _("Name: {value}").format(value=draft["name"]),
        _("Commune or ward: {value}").format(value=draft["ward_name"]),
        _("Contact person: {name}, {phone}").format(
            name=draft["contact_name"], phone=display_phone(draft["contact_phone"])
        ),
        size_text(_, context.lang, draft["kind"], int(draft["size"])),
        _("School year: {value}").format(value=draft.get("period") or _period(context)),
    ]
    return "\n".join(lines)


REQUIRED = ("kind", "name", "ward_code", "ward_name", "contact_name", "contact_phone", "size")


async def ask_summary(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    if any(draft.get(key) is None for key in REQUIRED):
        await say(
            update,
            context,
            _("Sorry, your answers were lost. Please type /model to start again."),
            ReplyKeyboardRemove(),
        )
        return LEARNING.end(context)
    draft["editing"] = True
    keyboard = InlineKeyboardMarkup(
        [
            [LEARNING.button(draft, _("✅ Submit the registration"), "confirm")],
            [LEARNING.button(draft, _("✏️ Change something"), "edit")],
            [LEARNING.button(draft, _("✖️ Cancel"), "cancel")],
        ]
    )
    await say(update, context, summary_text(context, draft), keyboard)
    return SUMMARY


async def next_or_summary(update: Update, context: BotContext, ask_next: Any) -> int:
    """After an answer: the next question, or back to the summary when a field was changed."""
    if LEARNING.of(context).get("editing"):
        return await ask_summary(update, context)
    return int(await ask_next(update, context))


# --- entry ----------------------------------------------------------------------------------


@one_at_a_time("learning_model")
async def model(update: Update, context: BotContext) -> int:
    """/model: register a learning model, or fix one whose changes were requested."""
    _ = context._
    draft = LEARNING.new(context)
    mine = await models_of(context.runtime.db, context.person, limit=MY_MODELS_SHOWN)
    fixable = [m for m in mine if m.status == "changes_requested"][:FIXABLE_SHOWN]
    if not fixable:
        return await proceed(update, context)
    lines = [_("The Association asked you to change these registrations:"), ""]
    rows = []
    for item in fixable:
        lines.append(
            f"• {model_number(item.id)} {kind_text(_, item.kind)} “{item.name}”: "
            f"{item.review_note or ''}"
        )
        label = _("✏️ Fix {number}").format(number=model_number(item.id))
        rows.append([LEARNING.button(draft, label, "fix", str(item.id))])
    rows.append([LEARNING.button(draft, _("➕ Register another model"), "fix", "new")])
    lines += ["", _("Fix one of them, or register another model?")]
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))
    return CHOOSE


async def proceed(update: Update, context: BotContext) -> int:
    """Ask for consent unless it is on file, then the first question (or the summary)."""
    draft = LEARNING.of(context)
    if draft.get("consent_id") is None:
        draft["consent_id"] = await consent_on_file(
            context.runtime.db, context.person, CONSENT_PURPOSE, NOTICE_VERSION
        )
        if draft["consent_id"] is None:
            return await ask_consent(update, context)
    if draft.get("replaces"):
        return await ask_summary(update, context)
    return await ask_kind(update, context)


async def _start_fix(update: Update, context: BotContext, model_id: int | None) -> int:
    """Fill the draft from the registration to fix; None or not fixable: say so and end."""
    found = await get_model(context.runtime.db, model_id) if model_id else None
    if found is None or found.person_id != context.person or found.status != "changes_requested":
        await say(
            update,
            context,
            context._("That registration no longer waits for changes. See /mymodels."),
        )
        return LEARNING.end(context)
    LEARNING.of(context).update(
        replaces=found.id,
        note=found.review_note,
        period=found.period,
        kind=found.kind,
        name=found.name,
        ward_code=found.ward_code,
        ward_name=found.ward_name,
        contact_name=found.contact_name,
        contact_phone=found.contact_phone,
        size=found.size,
    )
    return await proceed(update, context)


async def fix_chosen(update: Update, context: BotContext) -> int:
    args = await LEARNING.pressed(update, context, "fix")
    if args is None:
        return CHOOSE
    if args == ["new"]:
        return await proceed(update, context)
    return await _start_fix(update, context, parse_int(args[0]) if args else None)


@one_at_a_time("learning_model")
async def fix_from_my_models(update: Update, context: BotContext) -> int:
    """The Fix button of /mymodels: the same as choosing it after /model."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    LEARNING.new(context)
    parts = (query.data or "").split(":")
    return await _start_fix(update, context, parse_int(parts[1]) if len(parts) == 3 else None)


# --- the answers ----------------------------------------------------------------------------


async def consent_pressed(update: Update, context: BotContext) -> int:
    answer = await consent_answer(update, context, LEARNING, CONSENT_PURPOSE, NOTICE_VERSION)
    if answer is None:
        return CONSENT
    agreed, consent_id = answer
    if not agreed:
        await say(
            update,
            context,
            context._(
                "We understand, and we have not kept any of your details. You can also register "
                "with your commune or ward's Study Promotion Association. Thank you!"
            ),
            main_menu(context._),
        )
        return LEARNING.end(context)
    LEARNING.of(context)["consent_id"] = consent_id
    return await proceed(update, context)


async def kind_pressed(update: Update, context: BotContext) -> int:
    args = await LEARNING.pressed(update, context, "kind")
    if args is None:
        return KIND
    if not args or args[0] not in MODEL_KIND_LABELS:
        return await ask_kind(update, context)
    LEARNING.of(context)["kind"] = args[0]
    return await next_or_summary(update, context, ask_name)


async def name_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_organisation(update.message.text or "")
    if not checked.ok:
        await reask(
            update,
            context,
            checked,
            context._("Please type the name in words, at most 200 characters."),
        )
        return NAME
    LEARNING.of(context)["name"] = checked.value
    return await next_or_summary(update, context, ask_ward)


async def ward_typed(update: Update, context: BotContext) -> int:
    """Search the communes and wards; offer at most eight as buttons."""
    await offer_wards(update, context, LEARNING, context._("Choose the commune or ward:"))
    return WARD


async def ward_pressed(update: Update, context: BotContext) -> int:
    args = await LEARNING.pressed(update, context, "ward")
    if args is None:
        return WARD
    ward = pressed_ward(args, context.runtime.settings.province_code)
    if ward is None:
        return await ask_ward(update, context)
    draft = LEARNING.of(context)
    draft["ward_code"], draft["ward_name"] = ward.code, ward.name
    return await next_or_summary(update, context, ask_contact)


async def contact_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_name(update.message.text or "")
    if not checked.ok:
        await reask(
            update,
            context,
            checked,
            context._(
                "Please type the contact person's full name in letters, at most 100 characters. "
                "For example: Nguyễn Thị Lan"
            ),
        )
        return CONTACT
    draft = LEARNING.of(context)
    draft["contact_name"], draft["contact_phone"] = checked.value, None
    return await ask_phone(update, context)


async def contact_is_me(update: Update, context: BotContext) -> int:
    if await LEARNING.pressed(update, context, "me") is None:
        return CONTACT
    known = await _registrant(context, context.person)
    if known is None:
        return await ask_contact(update, context)
    draft = LEARNING.of(context)
    draft["contact_name"], draft["contact_phone"] = known
    return await next_or_summary(update, context, ask_size)


async def phone_given(update: Update, context: BotContext) -> int:
    """A typed number, or a shared contact (one's own, or the contact person's card)."""
    phone = await read_phone(update, context, own=False)
    if phone is None:
        return PHONE
    LEARNING.of(context)["contact_phone"] = phone
    await say(
        update,
        context,
        context._("Thank you. Phone number {phone} saved.").format(phone=display_phone(phone)),
        ReplyKeyboardRemove(),
    )
    return await next_or_summary(update, context, ask_size)


def size_problem_text(_: Gettext, lang: str, problem: SizeProblem) -> str:
    if problem == SizeProblem.TOO_SMALL:
        return _("The number must be at least 1.")
    if problem == SizeProblem.TOO_LARGE:
        return _("That is more than {max}, the largest size we register. Please check it.").format(
            max=number(SIZE_MAX, lang)
        )
    return _("Please type the number in digits, for example 12.")


async def size_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_size(update.message.text or "")
    if isinstance(checked, SizeProblem):
        await say(update, context, size_problem_text(context._, context.lang, checked))
        return SIZE
    LEARNING.of(context)["size"] = checked
    return await ask_summary(update, context)


# --- the summary ----------------------------------------------------------------------------


async def confirm_pressed(update: Update, context: BotContext) -> int:
    """Store the registration once, however often Submit is pressed."""
    if await LEARNING.pressed(update, context, "confirm", keep_buttons=True) is None:
        return SUMMARY
    draft = LEARNING.of(context)
    if any(draft.get(key) is None for key in (*REQUIRED, "consent_id")):
        return await ask_summary(update, context)
    runtime = context.runtime
    data = ModelInput(
        kind=draft["kind"],
        name=draft["name"],
        ward_code=int(draft["ward_code"]),
        ward_name=draft["ward_name"],
        contact_name=draft["contact_name"],
        contact_phone=draft["contact_phone"],
        size=int(draft["size"]),
        period=draft.get("period") or _period(context),
    )
    _ = context._
    try:
        done = await submit_model(
            runtime.db,
            context.person,
            data,
            int(draft["consent_id"]),
            runtime.now(),
            replaces=draft.get("replaces"),
        )
    except Stale as stale:
        await LEARNING.finish(update, context, "learning_model")
        status = _(STATE_LABELS[stale.current.status]) if stale.current else "?"
        await say(
            update,
            context,
            _(
                "Registration {number} has changed meanwhile ({status}), so nothing was saved. "
                "See /mymodels."
            ).format(number=model_number(int(draft["replaces"])), status=status),
            main_menu(_),
        )
        return ConversationHandler.END
    await LEARNING.finish(update, context, "learning_model")
    saved = done.model
    if not done.created:
        text = _(
            "“{name}” is registered already for {period}: number {number}, {status}. "
            "Your registrations: /mymodels"
        ).format(
            name=saved.name,
            period=saved.period,
            number=model_number(saved.id),
            status=_(STATE_LABELS[saved.status]),
        )
        await say_surely(update, context, text, main_menu(_))
        return ConversationHandler.END
    log.info("learning model registered")
    lines = [
        _("🎉 Thank you! Your registration is recorded.\nNumber: {number}").format(
            number=model_number(saved.id)
        )
    ]
    if done.replaced is not None:
        lines.append(
            _("It replaces registration {number}.").format(number=model_number(done.replaced.id))
        )
    lines.append(
        _(
            "An officer of the Association will review it, and you will hear from us here. "
            "Your registrations: /mymodels"
        )
    )
    await say_surely(update, context, "\n".join(lines), main_menu(_))
    return ConversationHandler.END


async def edit_pressed(update: Update, context: BotContext) -> int:
    if await LEARNING.pressed(update, context, "edit") is None:
        return SUMMARY
    return await ask_field(update, context)


async def ask_field(update: Update, context: BotContext) -> int:
    _ = context._
    draft = LEARNING.of(context)
    buttons = [
        LEARNING.button(draft, _(label), "field", key) for key, label in EDITABLE_FIELDS.items()
    ]
    await say(
        update,
        context,
        _("What would you like to change?"),
        InlineKeyboardMarkup(rows(buttons, 2)),
    )
    return EDIT_FIELD


async def field_pressed(update: Update, context: BotContext) -> int:
    args = await LEARNING.pressed(update, context, "field")
    if args is None:
        return EDIT_FIELD
    ask = {
        "kind": ask_kind,
        "name": ask_name,
        "ward": ask_ward,
        "contact": ask_contact,
        "size": ask_size,
    }.get(args[0] if args else "")
    if ask is None:
        return await ask_field(update, context)
    return int(await ask(update, context))


async def cancel_pressed(update: Update, context: BotContext) -> int:
    if await LEARNING.pressed(update, context, "cancel") is None:
        return SUMMARY
    return await cancel(update, context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel at any step: nothing is saved."""
    LEARNING.end(context)
    await say(
        update,
        context,
        context._(
            "The registration is cancelled, and nothing has been saved. Type /start for the menu."
        ),
        ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> int:
    """An abandoned registration: drop what was typed."""
    return LEARNING.end(context)


REPEATS = {
    CHOOSE: model,
    CONSENT: ask_consent,
    KIND: ask_kind,
    NAME: ask_name,
    WARD: ask_ward,
    CONTACT: ask_contact,
    PHONE: ask_phone,
    SIZE: ask_size,
    SUMMARY: ask_summary,
    EDIT_FIELD: ask_field,
}
BUTTON_STATES = (CHOOSE, CONSENT, KIND, SUMMARY, EDIT_FIELD)


def conversation() -> ConversationHandler[BotContext]:
    def pressed(callback: Any, action: str | None = None) -> CallbackQueryHandler[BotContext, Any]:
        pattern = rf"^lm:[0-9a-f]+:{action}$" if action else LEARNING.pattern
        return CallbackQueryHandler(callback, pattern)

    def state(number: int, *handlers: BaseHandler[Update, BotContext, Any]) -> list[Any]:
        # Other commands (/mymodels, /help, /stop...) pass through and the question stays open.
        return state_handlers(
            number, *handlers, cancel=cancel, repeats=REPEATS, button_states=BUTTON_STATES
        )

    with warnings.catch_warnings():
        # Buttons are tracked per user on purpose (a nonce guards them), not per message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="learning_model",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("model", model),
                CallbackQueryHandler(fix_from_my_models, pattern=rf"^{MINE}:\d+:fix$"),
            ],
            states={
                CHOOSE: state(CHOOSE, pressed(fix_chosen)),
                CONSENT: state(CONSENT, pressed(consent_pressed)),
                KIND: state(KIND, pressed(kind_pressed)),
                NAME: state(NAME, typed_answer(name_typed)),
                WARD: state(WARD, typed_answer(ward_typed), pressed(ward_pressed)),
                CONTACT: state(CONTACT, typed_answer(contact_typed), pressed(contact_is_me)),
                PHONE: state(PHONE, phone_answer(phone_given)),
                SIZE: state(SIZE, typed_answer(size_typed)),
                SUMMARY: state(
                    SUMMARY,
                    pressed(confirm_pressed, "confirm"),
                    pressed(edit_pressed, "edit"),
                    pressed(cancel_pressed, "cancel"),
                ),
                EDIT_FIELD: state(EDIT_FIELD, pressed(field_pressed)),
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            conversation_timeout=ABANDONED_AFTER,
        )


# --- /mymodels ------------------------------------------------------------------------------


def model_line(_: Gettext, item: LearningModel) -> str:
    """One registration in a list: number, kind, name, ward, year and where it stands."""
    line = (
        f"{model_number(item.id)} {kind_text(_, item.kind)} “{item.name}”, {item.ward_name}, "
        f"{item.period}: {_(STATE_LABELS[item.status])}"
    )
    if item.rating:
        line += "; " + _("rated {rating}").format(rating=_(RATING_LABELS[item.rating]))
    return line


async def my_models(update: Update, context: BotContext) -> None:
    """/mymodels: the registrant's registrations and where they stand."""
    _ = context._
    mine = await models_of(context.runtime.db, context.person, limit=MY_MODELS_SHOWN)
    if not mine:
        await say(
            update,
            context,
            _(
                "You have not registered a learning model yet. Type /model to register a "
                "learning family, clan, community or unit."
            ),
        )
        return
    lines = [_("📚 Your learning models:"), ""]
    rows = []
    for item in mine:
        lines.append("• " + model_line(_, item))
        if item.status == "changes_requested":
            if item.review_note:
                lines.append("  " + _("Changes asked for: {note}").format(note=item.review_note))
            label = _("✏️ Fix {number}").format(number=model_number(item.id))
            rows.append([InlineKeyboardButton(label, callback_data=f"{MINE}:{item.id}:fix")])
    lines += ["", _("To register another model: /model")]
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None)


# --- the lists for bot/app.py ---------------------------------------------------------------


def learning_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Citizens: /model (a conversation) and /mymodels."""
    return [conversation(), CommandHandler("mymodels", my_models)]
