"""Pledging to a study-promotion fund by chat, and a donor's own pledges (/mypledges)."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import Forbidden, NetworkError, TimedOut
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
from bot.channels.telegram.keyboards import MENU_PLEDGE, main_menu
from bot.domain.amounts import MAX_AMOUNT, MIN_AMOUNT, AmountProblem, check_amount
from bot.domain.members import NOTICE_VERSION
from bot.domain.pledges import ANONYMOUS, FUND_LABELS, METHOD_LABELS, PURPOSE_LABELS, STATUS_LABELS
from bot.domain.text import fold
from bot.domain.validation import Problem, check_name, check_organisation, display_phone
from bot.domain.vietqr import make_reference
from bot.domain.wards import province_name
from bot.i18n import Gettext, local_date, money
from bot.pledge_texts import (
    fund_text,
    payment_payload,
    payment_text,
    pledge_line,
    qr_png,
)
from bot.poster import parse_start_payload
from handlers.steps import (
    ask_own_phone,
    consent_answer,
    consent_keyboard,
    offer_wards,
    phone_answer,
    pressed_ward,
    problem_text,
    read_phone,
    reask,
    state_handlers,
    typed_answer,
)
from storage.members import member_of_person, record_consent
from storage.pledges import (
    NewDonor,
    Pledge,
    PledgeInput,
    cancel_pledge,
    create_pledge,
    donor_of_person,
    get_pledge,
    pledges_of,
)

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=12)
DONOR_PURPOSE = "donation"
HONOUR_PURPOSE = "honour_roll"
PRESET_AMOUNTS = (100_000, 200_000, 500_000, 1_000_000)
MY_PLEDGES_SHOWN = 10

(
    FUND,
    FUND_WARD,
    FUND_NAME,
    PURPOSE,
    AMOUNT,
    CONSENT,
    NAME,
    PHONE,
    PUBLIC,
    METHOD,
    SUMMARY,
) = range(11)

PLEDGE = DraftKind("pl")
MINE = "myp"  # /mypledges buttons: myp:<pledge id>:<action>


# --- the questions ------------------------------------------------------------------------


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


async def ask_fund(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    buttons = [PLEDGE.button(draft, _(label), "fund", key) for key, label in FUND_LABELS.items()]
    await say(
        update,
        context,
        _("💝 Thank you for supporting study promotion! Which fund would you like to give to?"),
        InlineKeyboardMarkup(_rows(buttons, 1)),
    )
    return FUND


async def ask_fund_ward(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._(
            "Which commune or ward? Type part of its name, for example: Ngô Quyền, or Bạch Long Vĩ."
        ),
    )
    return FUND_WARD


async def ask_fund_name(update: Update, context: BotContext) -> int:
    _ = context._
    if PLEDGE.of(context).get("fund_kind") == "clan":
        text = _("What is the clan's name? For example: Nguyễn Đình (Kiến Thụy)")
    else:
        text = _("What is the school's or unit's name? For example: Trường THCS Lê Lợi")
    await say(update, context, text)
    return FUND_NAME


async def ask_purpose(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    buttons = [
        PLEDGE.button(draft, _(label), "purpose", key) for key, label in PURPOSE_LABELS.items()
    ]
    await say(
        update,
        context,
        _("What should your gift be used for?"),
        InlineKeyboardMarkup(_rows(buttons, 1)),
    )
    return PURPOSE


async def ask_amount(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    buttons = [
        PLEDGE.button(draft, money(value, context.lang), "amount", str(value))
        for value in PRESET_AMOUNTS
    ]
    await say(
        update,
        context,
        _(
            "How much would you like to give? Press an amount, or type it, for example "
            "300000, 300.000, 300k or 1,5 triệu."
        ),
        InlineKeyboardMarkup(_rows(buttons, 2)),
    )
    return AMOUNT


async def ask_consent(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    association = _("{province} Study Promotion Association").format(
        province=province_name(context.runtime.settings.province_code)
    )
    text = _(
        "🔒 Before you pledge: how we use your personal data\n\n"
        "• Who keeps it: the {association}.\n"
        "• Why: to record your pledge, send you the payment details, a receipt and at most "
        "two reminders, and count gifts in reports. It is never sold.\n"
        "• What: your full name, phone number and your pledges.\n"
        "• How long: as long as the accounting rules require for the fund's records.\n"
        "• Your rights: to see your pledges (/mypledges) and all your data (/mydata), and to "
        "withdraw consent and have your data deleted (/privacy).\n\n"
        "This follows the Law on Personal Data Protection (91/2025/QH15) and Decree 356/2025. "
        "Do you agree?"
    ).format(association=association)
    await say(update, context, text, consent_keyboard(PLEDGE, draft, _))
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


async def ask_public(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                PLEDGE.button(
                    draft,
                    _("🏅 Show my name: {name}").format(name=draft["donor_name"]),
                    "public",
                    "yes",
                )
            ],
            [PLEDGE.button(draft, _("🤍 Stay anonymous"), "public", "no")],
        ]
    )
    await say(
        update,
        context,
        _(
            "The honour roll (/honour) thanks donors by name. May we show your name on it? "
            "If not, your gift is counted as from an “{anonymous}”. You can change your "
            "mind later."
        ).format(anonymous=_(ANONYMOUS)),
        keyboard,
    )
    return PUBLIC


async def ask_method(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    buttons = []
    if context.runtime.settings.bank_transfer:
        buttons.append(PLEDGE.button(draft, _("🏦 Bank transfer (VietQR)"), "method", "transfer"))
    buttons.append(PLEDGE.button(draft, _("💵 Cash at the office"), "method", "cash"))
    await say(update, context, _("How will you pay?"), InlineKeyboardMarkup(_rows(buttons, 1)))
    return METHOD


def summary_text(context: BotContext, draft: Draft) -> str:
    _ = context._
    shown = draft["donor_name"] if draft.get("public") else _(ANONYMOUS)
    return "\n".join(
        [
            _("Please check your pledge:"),
            "",
            _("Fund: {value}").format(
                value=fund_text(_, draft["fund_kind"], draft.get("fund_name"))
            ),
            _("Purpose: {value}").format(value=_(PURPOSE_LABELS[draft["purpose"]])),
            _("Amount: {value}").format(value=money(draft["amount"], context.lang)),
            _("Donor: {value}").format(value=draft["donor_name"]),
            _("On the honour roll as: {value}").format(value=shown),
            _("Payment: {value}").format(value=_(METHOD_LABELS[draft["method"]])),
        ]
    )


REQUIRED = ("fund_kind", "purpose", "amount", "donor_name", "public", "method")


async def ask_summary(update: Update, context: BotContext) -> int:
    _ = context._
    draft = PLEDGE.of(context)
    if any(draft.get(key) is None for key in REQUIRED):
        await say(
            update, context, _("Sorry, your answers were lost. Please type /pledge to start again.")
        )
        return PLEDGE.end(context)
    keyboard = InlineKeyboardMarkup(
        [
            [PLEDGE.button(draft, _("✅ Confirm my pledge"), "confirm")],
            [PLEDGE.button(draft, _("✖️ Cancel"), "cancel")],
        ]
    )
    await say(update, context, summary_text(context, draft), keyboard)
    return SUMMARY


# --- entry ----------------------------------------------------------------------------------


@one_at_a_time("pledge")
async def pledge(update: Update, context: BotContext) -> int:
    """/pledge, the Pledge button and a pledge deep link: start a new pledge."""
    if update.callback_query:
        await update.callback_query.answer()
    draft = PLEDGE.new(context)
    parsed = parse_start_payload(context.args[0]) if context.args else None
    if parsed is not None:
        draft["source"] = parsed[1]
    return await ask_fund(update, context)


async def fund_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "fund")
    if args is None:
        return FUND
    kind = args[0] if args else ""
    if kind not in FUND_LABELS:
        return await ask_fund(update, context)
    draft = PLEDGE.of(context)
    draft["fund_kind"], draft["fund_name"], draft["fund_ward_code"] = kind, None, None
    if kind == "ward":
        return await ask_fund_ward(update, context)
    if kind in ("school", "clan"):
        return await ask_fund_name(update, context)
    return await ask_purpose(update, context)


async def fund_ward_typed(update: Update, context: BotContext) -> int:
    await offer_wards(update, context, PLEDGE, context._("Choose the commune or ward:"))
    return FUND_WARD


async def fund_ward_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "ward")
    if args is None:
        return FUND_WARD
    ward = pressed_ward(args, context.runtime.settings.province_code)
    if ward is None:
        return await ask_fund_ward(update, context)
    draft = PLEDGE.of(context)
    draft["fund_ward_code"], draft["fund_name"] = ward.code, ward.name
    return await ask_purpose(update, context)


async def fund_name_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_organisation(update.message.text or "")
    if not checked.ok:
        _ = context._
        problem = (
            _("That does not look like the name of a school, unit or clan.")
            if checked.problem == Problem.NOT_A_NAME
            else problem_text(_, checked.problem)
        )
        hint = _("Please type the name in words, at most 200 characters.")
        await say(update, context, f"{problem} {hint}")
        return FUND_NAME
    name = str(checked.value)
    if PLEDGE.of(context).get("fund_kind") == "clan" and fold(name).startswith("dong ho "):
        name = name[len("dòng họ ") :].strip() or name  # "Dòng họ Nguyễn" → "Nguyễn"
    PLEDGE.of(context)["fund_name"] = name
    return await ask_purpose(update, context)


async def purpose_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "purpose")
    if args is None:
        return PURPOSE
    if not args or args[0] not in PURPOSE_LABELS:
        return await ask_purpose(update, context)
    PLEDGE.of(context)["purpose"] = args[0]
    return await ask_amount(update, context)


def amount_problem_text(
    _: Gettext, lang: str, problem: AmountProblem | None, value: int | None
) -> str:
    limits = _("Gifts are from {low} to {high}.").format(
        low=money(MIN_AMOUNT, lang), high=money(MAX_AMOUNT, lang)
    )
    examples = _("For example: 500000, 500.000, 500k, 1tr or 1,5 triệu.")
    if problem == AmountProblem.TOO_SMALL and value is not None:
        below = _("{amount} is below the smallest gift.").format(amount=money(value, lang))
        return f"{below} {limits}"
    if problem == AmountProblem.TOO_LARGE and value is not None:
        above = _("{amount} is above the largest gift we take by chat.").format(
            amount=money(value, lang)
        )
        return f"{above} {limits}"
    if problem == AmountProblem.AMBIGUOUS:
        unsure = _("I am not sure which amount you mean.")
        return f"{unsure} {examples}"
    not_money = _("That is not an amount of money.")
    return f"{not_money} {examples}"


async def amount_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_amount((update.message.text or "")[:200])
    if not checked.ok or checked.value is None:
        await say(
            update,
            context,
            amount_problem_text(context._, context.lang, checked.problem, checked.value),
        )
        return AMOUNT
    return await amount_chosen(update, context, checked.value)


async def amount_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "amount")
    if args is None:
        return AMOUNT
    value = int(args[0]) if args and args[0].isascii() and args[0].isdigit() else 0
    if value not in PRESET_AMOUNTS:
        return await ask_amount(update, context)
    return await amount_chosen(update, context, value)


async def amount_chosen(update: Update, context: BotContext, amount: int) -> int:
    """The amount is set: next, who is giving (members and earlier donors are known)."""
    draft = PLEDGE.of(context)
    draft["amount"] = amount
    db = context.runtime.db
    member = await member_of_person(db, context.person)
    if member is not None:
        draft.update(member_id=member.id, donor_id=None, donor_name=member.full_name)
        return await ask_public(update, context)
    donor = await donor_of_person(db, context.person)
    if donor is not None:
        draft.update(member_id=None, donor_id=donor.id, donor_name=donor.full_name)
        return await ask_public(update, context)
    return await ask_consent(update, context)


async def consent_pressed(update: Update, context: BotContext) -> int:
    answer = await consent_answer(update, context, PLEDGE, DONOR_PURPOSE, NOTICE_VERSION)
    if answer is None:
        return CONSENT
    agreed, consent_id = answer
    if not agreed:
        await say(
            update,
            context,
            context._(
                "We understand, and we have not kept any of your details. You can also give "
                "in person at the Association's office. Thank you!"
            ),
            main_menu(context._),
        )
        return PLEDGE.end(context)
    PLEDGE.of(context)["consent_id"] = consent_id
    return await ask_name(update, context)


async def name_given(update: Update, context: BotContext) -> int:
    assert update.message is not None
    checked = check_name(update.message.text or "")
    if not checked.ok:
        await reask(
            update,
            context,
            checked,
            context._(
                "Please type your full name in letters, at most 100 characters. "
                "For example: Nguyễn Thị Lan"
            ),
        )
        return NAME
    PLEDGE.of(context)["donor_name"] = checked.value
    return await ask_phone(update, context)


async def phone_given(update: Update, context: BotContext) -> int:
    phone = await read_phone(update, context, own=True)
    if phone is None:
        return PHONE
    PLEDGE.of(context)["phone"] = phone
    await say(
        update,
        context,
        context._("Thank you. Phone number {phone} saved.").format(phone=display_phone(phone)),
        ReplyKeyboardRemove(),
    )
    return await ask_public(update, context)


async def public_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "public")
    if args is None:
        return PUBLIC
    public = args == ["yes"]
    runtime = context.runtime
    draft = PLEDGE.of(context)
    draft["public"] = public
    draft["public_consent_id"] = await record_consent(
        runtime.db, context.person, HONOUR_PURPOSE, NOTICE_VERSION, public, runtime.now()
    )
    return await ask_method(update, context)


async def method_pressed(update: Update, context: BotContext) -> int:
    args = await PLEDGE.pressed(update, context, "method")
    if args is None:
        return METHOD
    method = args[0] if args else ""
    if method not in METHOD_LABELS or (
        method == "transfer" and not context.runtime.settings.bank_transfer
    ):
        return await ask_method(update, context)
    PLEDGE.of(context)["method"] = method
    return await ask_summary(update, context)


# --- confirm --------------------------------------------------------------------------------


async def confirm_pressed(update: Update, context: BotContext) -> int:
    """Store the pledge (once, however often Confirm is pressed) and give the payment details."""
    if await PLEDGE.pressed(update, context, "confirm", keep_buttons=True) is None:
        return SUMMARY
    draft = PLEDGE.of(context)
    runtime = context.runtime
    now = runtime.now()
    new_donor = None
    if draft.get("member_id") is None and draft.get("donor_id") is None:
        if draft.get("consent_id") is None or draft.get("phone") is None:
            return await ask_summary(update, context)
        new_donor = NewDonor(draft["donor_name"], draft["phone"], draft["consent_id"])
    data = PledgeInput(
        donor_name=draft["donor_name"],
        fund_kind=draft["fund_kind"],
        purpose=draft["purpose"],
        amount=int(draft["amount"]),
        method=draft["method"],
        public_name=bool(draft["public"]),
        member_id=draft.get("member_id"),
        donor_id=draft.get("donor_id"),
        fund_ward_code=draft.get("fund_ward_code"),
        fund_name=draft.get("fund_name"),
        public_consent_id=draft.get("public_consent_id"),
        source=draft.get("source"),
    )
    delays = runtime.settings.pledge_reminders
    created_pledge, created = await create_pledge(
        runtime.db,
        context.person,
        data,
        request_key=f"{context.person}:{draft['nonce']}",
        year=now.astimezone(runtime.settings.tz).year,
        reference_of=make_reference,
        at=now,
        first_reminder_at=now + delays[0] if delays else None,
        new_donor=new_donor,
    )
    await PLEDGE.finish(update, context, "pledge")
    if created:
        log.info("pledge created")
    _ = context._
    thanks = _(
        "🎉 Thank you! Your pledge is recorded.\nPledge number: {reference}\nAmount: {amount}"
    ).format(reference=created_pledge.reference, amount=money(created_pledge.amount, context.lang))
    await say_surely(update, context, thanks)
    await send_payment_details(update, context, created_pledge)
    return ConversationHandler.END


async def send_payment_details(update: Update, context: BotContext, pledge: Pledge) -> None:
    """The QR code with the bank details as its caption, or where to bring cash."""
    _ = context._
    settings = context.runtime.settings
    text = payment_text(_, context.lang, settings, pledge)
    footer = _("Your pledges: /mypledges")
    chat = update.effective_chat
    assert chat is not None
    if pledge.method == "transfer" and settings.bank_transfer:
        image = qr_png(payment_payload(settings, pledge))
        for attempt in range(3):
            try:
                await context.bot.send_photo(
                    chat.id,
                    InputFile(image, filename=f"vietqr-{pledge.id}.png"),
                    caption=f"{text}\n\n{footer}",
                    reply_markup=main_menu(_),
                )
                return
            except (NetworkError, TimedOut):
                if attempt == 2:
                    break
            except Forbidden:
                return
        # The image would not go through: the details as text still let them pay.
    await say_surely(update, context, f"{text}\n\n{footer}", main_menu(_))


async def cancel_pressed(update: Update, context: BotContext) -> int:
    if await PLEDGE.pressed(update, context, "cancel") is None:
        return SUMMARY
    return await cancel(update, context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel at any step: nothing is saved."""
    PLEDGE.end(context)
    await say(
        update,
        context,
        context._("The pledge is cancelled, and nothing has been saved. Type /start for the menu."),
        ReplyKeyboardRemove(),
    )
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> int:
    return PLEDGE.end(context)


REPEATS = {
    FUND: ask_fund,
    FUND_WARD: ask_fund_ward,
    FUND_NAME: ask_fund_name,
    PURPOSE: ask_purpose,
    AMOUNT: ask_amount,
    CONSENT: ask_consent,
    NAME: ask_name,
    PHONE: ask_phone,
    PUBLIC: ask_public,
    METHOD: ask_method,
    SUMMARY: ask_summary,
}
BUTTON_STATES = (FUND, PURPOSE, CONSENT, PUBLIC, METHOD, SUMMARY)


def conversation() -> ConversationHandler[BotContext]:
    def state(number: int, *handlers: BaseHandler[Update, BotContext, Any]) -> list[Any]:
        return state_handlers(
            number, *handlers, cancel=cancel, repeats=REPEATS, button_states=BUTTON_STATES
        )

    def pressed(callback: Any) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, PLEDGE.pattern)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="pledge",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("pledge", pledge),
                CommandHandler("start", pledge, filters.Regex(r"^/start pledge(-|$)")),
                CallbackQueryHandler(pledge, pattern=f"^{MENU_PLEDGE}$"),
            ],
            states={
                FUND: state(FUND, pressed(fund_pressed)),
                FUND_WARD: state(
                    FUND_WARD, typed_answer(fund_ward_typed), pressed(fund_ward_pressed)
                ),
                FUND_NAME: state(FUND_NAME, typed_answer(fund_name_typed)),
                PURPOSE: state(PURPOSE, pressed(purpose_pressed)),
                AMOUNT: state(AMOUNT, typed_answer(amount_typed), pressed(amount_pressed)),
                CONSENT: state(CONSENT, pressed(consent_pressed)),
                NAME: state(NAME, typed_answer(name_given)),
                PHONE: state(PHONE, phone_answer(phone_given)),
                PUBLIC: state(PUBLIC, pressed(public_pressed)),
                METHOD: state(METHOD, pressed(method_pressed)),
                SUMMARY: state(
                    SUMMARY,
                    CallbackQueryHandler(confirm_pressed, r"^pl:[0-9a-f]+:confirm$"),
                    CallbackQueryHandler(cancel_pressed, r"^pl:[0-9a-f]+:cancel$"),
                ),
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            conversation_timeout=ABANDONED_AFTER,
        )


# --- /mypledges -----------------------------------------------------------------------------


def _mine(pledge_id: int, action: str) -> str:
    return f"{MINE}:{pledge_id}:{action}"


async def my_pledges(update: Update, context: BotContext) -> None:
    """/mypledges: the donor's pledges with their status; pending ones can be paid or cancelled."""
    _ = context._
    pledges = await pledges_of(context.runtime.db, context.person, limit=MY_PLEDGES_SHOWN)
    if not pledges:
        await say(
            update,
            context,
            _("You have no pledges yet. Press “Pledge to the fund” to make one."),
            main_menu(_),
        )
        return
    tz = context.runtime.settings.tz
    lines = [_("💝 Your pledges:"), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for item in pledges:
        lines.append(
            "• "
            + pledge_line(_, context.lang, item)
            + f" ({local_date(item.created_at, context.lang, tz)})"
        )
        if item.status == "pending":
            short = item.reference.split()[-1]
            rows.append(
                [
                    InlineKeyboardButton(
                        _("💳 Pay {number}").format(number=short),
                        callback_data=_mine(item.id, "pay"),
                    ),
                    InlineKeyboardButton(
                        _("✖️ Cancel {number}").format(number=short),
                        callback_data=_mine(item.id, "cancel"),
                    ),
                ]
            )
    lines += ["", _("Thank you for your kindness!")]
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None)


async def _own_pledge(update: Update, context: BotContext) -> tuple[Pledge, str] | None:
    """The pledge a /mypledges button names, if it is the presser's; else answer "expired"."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    pledge = None
    if len(parts) == 3 and parts[1].isascii() and parts[1].isdigit() and len(parts[1]) < 12:
        pledge = await get_pledge(context.runtime.db, int(parts[1]))
    if pledge is None or pledge.person_id != context.person:
        await query.answer(context._("This button has expired."), show_alert=True)
        return None
    return pledge, parts[2]


async def my_pledge_pressed(update: Update, context: BotContext) -> None:
    """Pay, cancel (asked once more), or keep one of my pledges."""
    found = await _own_pledge(update, context)
    if found is None:
        return
    item, action = found
    query = update.callback_query
    assert query is not None
    _ = context._
    if item.status != "pending":
        await query.answer(
            _("This pledge is no longer waiting for payment: {status}.").format(
                status=_(STATUS_LABELS[item.status])
            ),
            show_alert=True,
        )
        return
    if action == "pay":
        await query.answer()
        await send_payment_details(update, context, item)
    elif action == "cancel":
        await query.answer()
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Yes, cancel it"), callback_data=_mine(item.id, "cancel-yes")
                    ),
                    InlineKeyboardButton(_("No, keep it"), callback_data=_mine(item.id, "keep")),
                ]
            ]
        )
        await say(
            update,
            context,
            _("Cancel pledge {reference} of {amount}?").format(
                reference=item.reference, amount=money(item.amount, context.lang)
            ),
            keyboard,
        )
    elif action == "cancel-yes":
        runtime = context.runtime
        cancelled = await cancel_pledge(runtime.db, item.id, context.person, runtime.now())
        await query.answer()
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await query.edit_message_reply_markup(None)
        if cancelled is None:
            await say(update, context, _("This pledge can no longer be cancelled."))
            return
        log.info("pledge cancelled by its donor")
        await say(
            update,
            context,
            _(
                "Pledge {reference} is cancelled; you will get no more reminders about it. "
                "Thank you all the same, and you are welcome back at any time."
            ).format(reference=item.reference),
            main_menu(_),
        )
    elif action == "keep":
        await query.answer(_("Your pledge stays as it is. Thank you!"))
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await query.edit_message_reply_markup(None)
    else:
        await query.answer(_("This button has expired."), show_alert=True)


def pledge_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        conversation(),
        CommandHandler("mypledges", my_pledges),
        CallbackQueryHandler(my_pledge_pressed, pattern=f"^{MINE}:"),
    ]
