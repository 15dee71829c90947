"""The rights of the Law on Personal Data Protection (91/2025/QH15) and Decree 356/2025:
/privacy (a menu, one button per right), /mydata (everything kept, as a JSON file and a
summary), withdrawing a consent, and /delete (erasure, after a warning and a confirmation)."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from phonenumbers import NumberParseException
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import say
from bot.domain.members import CATEGORY_LABELS
from bot.domain.pledges import STATUS_LABELS
from bot.domain.validation import display_phone
from bot.domain.wards import province_name
from bot.i18n import N_, Gettext, local_date, money
from bot.outbox.retention import forget_user
from bot.pledge_texts import fund_text
from storage.privacy import (
    ERASE_ACTION,
    OfficerDataKept,
    PersonalData,
    Row,
    erase_user,
    personal_data,
    withdraw_honour_roll,
)
from storage.timefmt import from_db
from storage.users import set_subscribed

log = logging.getLogger(__name__)

PREFIX = "priv"
SEE = f"{PREFIX}:data"
STOP = f"{PREFIX}:stop"
HONOUR = f"{PREFIX}:honour"
DELETE = f"{PREFIX}:delete"
YES = f"{PREFIX}:yes"  # + ":<nonce>"
NO = f"{PREFIX}:no"  # + ":<nonce>"

# The pending confirmation of /delete, in user_data: its nonce and until when it holds.
PENDING = "privacy_delete"
CONFIRM_WITHIN = timedelta(minutes=30)

MAX_TEXT = 4096
PLEDGES_SHOWN = 10
FILE_NAME = "my-data.json"

# For bot/app.py's command menu.
COMMAND_DESCRIPTIONS: dict[str, str] = {
    "privacy": N_("My personal data and consents"),
    "mydata": N_("Everything the bot keeps about me"),
    "delete": N_("Delete my personal data"),
}

CONSENT_PURPOSES: dict[str, str] = {
    "membership": N_("Membership"),
    "donation": N_("Personal data of a donor"),
    "honour_roll": N_("My name on the honour roll"),
    "learning_model": N_("Contact for a learning model"),
}

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

DELETE_REFUSED = N_(
    "You are an officer of the Association: what you did is kept in the audit trail, so your "
    "data cannot be deleted while you hold that role. Please ask an administrator to revoke "
    "your role first, then type /delete again."
)


async def _pressed(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def _date(text: str | None, context: BotContext) -> str:
    if not text:
        return "—"
    return local_date(from_db(text), context.lang, context.runtime.settings.tz)


def _phone(value: str | None) -> str:
    """A stored phone the way people write it; as stored if it does not parse."""
    if not value:
        return "—"
    try:
        return display_phone(value)
    except NumberParseException:
        return value


def _unfinished(data: PersonalData) -> bool:
    """Whether a form is under way (the pending /delete question is not one)."""
    draft = data.draft["data"] if data.draft else None
    if isinstance(draft, dict) and any(key != PENDING for key in draft):
        return True
    return bool(data.conversations)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- /privacy -------------------------------------------------------------------------------


def privacy_keyboard(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("📄 See my data"), callback_data=SEE)],
            [InlineKeyboardButton(_("🔕 Stop announcements"), callback_data=STOP)],
            [InlineKeyboardButton(_("🏅 Take my name off the honour roll"), callback_data=HONOUR)],
            [InlineKeyboardButton(_("🗑 Delete my data"), callback_data=DELETE)],
        ]
    )


async def privacy_menu(update: Update, context: BotContext) -> None:
    """/privacy: the person's rights over their data, one button each."""
    _ = context._
    association = _("{province} Study Promotion Association").format(
        province=province_name(context.runtime.settings.province_code)
    )
    text = _(
        "🔒 Your personal data\n\n"
        "The {association} keeps your data only for its work, under the Law on Personal Data "
        "Protection (91/2025/QH15) and Decree 356/2025. At any time you can:\n"
        "• see everything kept about you (/mydata);\n"
        "• stop receiving announcements;\n"
        "• take your name off the honour roll (your gifts then count as anonymous);\n"
        "• delete your data (/delete).\n\n"
        "Each takes one button:"
    ).format(association=association)
    await say(update, context, text, privacy_keyboard(_))


# --- /mydata --------------------------------------------------------------------------------


def export_document(data: PersonalData, exported_at: datetime) -> bytes:
    """The JSON file of /mydata: readable UTF-8, Vietnamese letters as they are."""
    content = {
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "times": "UTC",
        "language": data.language,
        **data.as_dict(),
    }
    return json.dumps(content, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _consent_lines(_: Gettext, context: BotContext, consents: list[Row]) -> list[str]:
    """The latest answer for each purpose."""
    latest: dict[str, Row] = {}
    for consent in consents:
        latest[consent["purpose"]] = consent
    lines = []
    for purpose, consent in latest.items():
        label = _(CONSENT_PURPOSES[purpose]) if purpose in CONSENT_PURPOSES else purpose
        if consent["withdrawn_at"]:
            answer = _("withdrawn on {date}").format(date=_date(consent["withdrawn_at"], context))
        elif consent["granted"]:
            answer = _("agreed on {date}").format(date=_date(consent["created_at"], context))
        else:
            answer = _("declined on {date}").format(date=_date(consent["created_at"], context))
        lines.append(f"• {label}: {answer}")
    return lines


def summary_text(context: BotContext, data: PersonalData) -> str:
    """What /mydata says in words; the file has everything."""
    _ = context._
    lang = context.lang
    lines = [_("🔒 What I keep about you"), ""]
    if data.user:
        lines.append(
            _("• Language: {language}").format(
                language=LANGUAGE_NAMES.get(data.user["language"], data.user["language"])
            )
        )
        lines.append(
            _("• You receive the Association's announcements.")
            if data.user["subscribed"]
            else _("• You do not receive the Association's announcements.")
        )
        lines.append(
            _("• First message on {first}; last seen on {last}").format(
                first=_date(data.user["first_seen_at"], context),
                last=_date(data.user["last_seen_at"], context),
            )
        )
    if data.officer:
        lines.append(
            _("• Officer of the Association since {date}").format(
                date=_date(data.officer["added_at"], context)
            )
        )
    member = data.member
    if member:
        lines += ["", _("🪪 Member {number}").format(number=member["member_no"])]
        lines.append(_("Full name: {value}").format(value=member["full_name"]))
        lines.append(_("Phone: {value}").format(value=_phone(member["phone"])))
        lines.append(_("Year of birth: {value}").format(value=member["birth_year"]))
        if member["guardian_name"]:
            lines.append(
                _("Parent or guardian: {name}, {phone}").format(
                    name=member["guardian_name"],
                    phone=_phone(member["guardian_phone"]),
                )
            )
        lines.append(_("Commune or ward: {value}").format(value=member["ward_name"]))
        category = CATEGORY_LABELS.get(member["category"])
        lines.append(
            _("Category: {value}").format(value=_(category) if category else member["category"])
        )
        if member["organisation"]:
            lines.append(_("Organisation: {value}").format(value=member["organisation"]))
    if data.donor:
        lines += [
            "",
            _("💝 Donor: {name}, {phone}").format(
                name=data.donor["full_name"], phone=_phone(data.donor["phone"])
            ),
        ]
    if data.pledges:
        lines += ["", _("💝 Pledges: {count}").format(count=len(data.pledges))]
        for pledge in data.pledges[-PLEDGES_SHOWN:]:
            named = _("named on the honour roll") if pledge["public_name"] else _("anonymous")
            lines.append(
                "• "
                + " · ".join(
                    (
                        pledge["reference"],
                        money(pledge["amount"], lang),
                        fund_text(_, pledge["fund_kind"], pledge["fund_name"]),
                        _(STATUS_LABELS[pledge["status"]]),
                        named,
                    )
                )
            )
        if len(data.pledges) > PLEDGES_SHOWN:
            lines.append(
                _("…and {count} more, in the file.").format(count=len(data.pledges) - PLEDGES_SHOWN)
            )
    if data.learning_models:
        lines += ["", _("🏡 Learning models: {count}").format(count=len(data.learning_models))]
        for model in data.learning_models:
            contact = ", ".join(
                part
                for part in (
                    model["contact_name"],
                    model["contact_phone"] and _phone(model["contact_phone"]),
                )
                if part
            )
            lines.append(
                f"• {model['name']} ({model['period']})" + (f": {contact}" if contact else "")
            )
    if data.consents:
        lines += ["", _("✅ Your consents:"), *_consent_lines(_, context, data.consents)]
    if _unfinished(data):
        lines += ["", _("📝 A form you have not finished (kept until you finish or cancel it).")]
    if data.deliveries:
        lines += [
            "",
            _("📣 Announcements sent to you: {count}").format(count=len(data.deliveries)),
        ]
    lines += [
        "",
        _("The file below has all of it. /privacy: withdraw a consent or delete your data."),
    ]
    return _clip("\n".join(lines))


async def my_data(update: Update, context: BotContext) -> None:
    """/mydata and its button: everything kept, as a summary and a JSON file."""
    await _pressed(update)
    runtime = context.runtime
    # Drafts reach SQLite within a second; write them now, so the file has the latest.
    await context.application.update_persistence()
    data = await personal_data(runtime.db, context.person)
    document = export_document(data, runtime.now())
    chat = update.effective_chat
    assert chat is not None
    await say(update, context, summary_text(context, data))
    await context.bot.send_document(
        chat.id,
        InputFile(document, filename=FILE_NAME),
        caption=context._("Everything I keep about you, as a JSON file (UTF-8)."),
    )


# --- withdrawing a consent ------------------------------------------------------------------


async def withdraw_announcements(update: Update, context: BotContext) -> None:
    """The "stop announcements" button of /privacy: the same as /stop."""
    await _pressed(update)
    await set_subscribed(context.runtime.db, context.person, False)
    await say(
        update,
        context,
        context._(
            "🔕 You will no longer receive announcements. Type /subscribe to get them again."
        ),
    )


async def withdraw_honour(update: Update, context: BotContext) -> None:
    """The honour-roll button of /privacy: no pledge of theirs is named any more."""
    await _pressed(update)
    runtime = context.runtime
    named = await withdraw_honour_roll(runtime.db, context.person, runtime.now())
    _ = context._
    if named:
        text = _(
            "🏅 Done: your name is no longer on the honour roll. Your gifts are counted among "
            "the anonymous ones. Thank you!"
        )
    else:
        text = _(
            "🏅 Your name is not on the honour roll, and it will not be put there without "
            "your consent."
        )
    await say(update, context, text)


# --- /delete --------------------------------------------------------------------------------


async def _refuse(update: Update, context: BotContext) -> None:
    """Say no to an officer, as a message (too long for a button's alert), and audit it."""
    log.info("refused %s", ERASE_ACTION)
    await context.runtime.audit(context.person, ERASE_ACTION, "refused")
    await _pressed(update)
    await say(update, context, context._(DELETE_REFUSED))


async def _refuse_officer(update: Update, context: BotContext) -> bool:
    """Officers keep their data while they hold the role; True when refused."""
    if not await context.runtime.is_officer(context.person):
        return False
    await _refuse(update, context)
    return True


def warning_text(_: Gettext, data: PersonalData) -> str:
    """What /delete erases and what it keeps, for this person."""
    erased = []
    kept = []
    if data.member:
        erased.append(
            _(
                "your member record's name, phone, year of birth, guardian and organisation "
                "({number})"
            ).format(number=data.member["member_no"])
        )
        kept.append(
            _(
                "your member record's number, commune or ward, category and date of joining,"
                " for the counts"
            )
        )
    if data.donor:
        erased.append(_("your name and phone as a donor"))
    if data.pledges:
        erased.append(
            _("your name on your pledges and on the honour roll, and the reasons officers wrote")
        )
        kept.append(
            _(
                "each pledge's amount, fund, purpose, status, date and reference, for the"
                " accounts, anonymously"
            )
        )
    if data.learning_models:
        erased.append(
            _(
                "your learning models' names, contact names and phones, and the Association's"
                " notes on them"
            )
        )
        kept.append(
            _(
                "your learning models' kind, commune or ward, size, status and rating, for the"
                " counts"
            )
        )
    erased.append(
        _("your language, your announcements subscription and any form you have not finished")
    )
    erased.append(_("every link between your Telegram account and what you did here"))
    if data.consents:
        kept.append(_("what you consented to and when, without your name"))
    kept.append(_("the date of this deletion, without your name"))
    lines = [
        _("⚠️ Delete your personal data?"),
        "",
        _("This erases, for good:"),
        *(f"• {item}" for item in erased),
    ]
    if kept:
        lines += [
            "",
            _("This is kept, with nothing that identifies you:"),
            *(f"• {k}" for k in kept),
        ]
    lines += [
        "",
        _("You will no longer receive announcements, and this cannot be undone. Delete your data?"),
    ]
    return _clip("\n".join(lines))


async def ask_delete(update: Update, context: BotContext) -> None:
    """/delete and its button: say what goes and what stays, then ask Yes or No."""
    if await _refuse_officer(update, context):
        return
    await _pressed(update)
    runtime = context.runtime
    _ = context._
    data = await personal_data(runtime.db, context.person)
    nonce = secrets.token_hex(4)
    assert context.user_data is not None
    context.user_data[PENDING] = {
        "nonce": nonce,
        "until": (runtime.now() + CONFIRM_WITHIN).isoformat(),
    }
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("🗑 Yes, delete my data"), callback_data=f"{YES}:{nonce}"),
                InlineKeyboardButton(_("✖️ No, keep it"), callback_data=f"{NO}:{nonce}"),
            ]
        ]
    )
    await say(update, context, warning_text(_, data), keyboard)


def _confirmation(update: Update, context: BotContext) -> bool:
    """Whether the pressed button is the one of the pending, unexpired /delete question."""
    query = update.callback_query
    assert query is not None
    pending = (context.user_data or {}).get(PENDING)
    parts = (query.data or "").split(":")
    if not isinstance(pending, dict) or len(parts) != 3:
        return False
    if not secrets.compare_digest(parts[2], str(pending.get("nonce", ""))):
        return False
    try:
        until = datetime.fromisoformat(str(pending.get("until")))
    except ValueError:
        return False
    return context.runtime.now() < until


async def _drop_keyboard(update: Update) -> None:
    query = update.callback_query
    if query is not None and getattr(query.message, "reply_markup", None):
        await query.edit_message_reply_markup(None)


async def delete_confirmed(update: Update, context: BotContext) -> None:
    """Yes: erase everything that identifies the person, in one transaction."""
    query = update.callback_query
    assert query is not None
    _ = context._
    if not _confirmation(update, context):
        await query.answer(_("This button has expired."), show_alert=True)
        return
    if await _refuse_officer(update, context):
        return
    runtime = context.runtime
    person = context.person
    try:
        await erase_user(runtime.db, person, runtime.now())
    except OfficerDataKept:
        await _refuse(update, context)
        return
    # The running bot forgets them too, and persistence deletes its copies now, so that an
    # unfinished form or an open conversation is not written back.
    user = update.effective_user
    forget_user(context.application, person, [user.id] if user else [])
    await context.application.update_persistence()
    log.info("personal data erased at its owner's request")  # no id: logs must not keep it
    await query.answer()
    await _drop_keyboard(update)
    await say(
        update,
        context,
        _(
            "🗑 Your personal data has been deleted. Thank you for supporting study promotion. "
            "If you write to me again, I will keep only your language until you join or pledge."
        ),
    )


async def delete_declined(update: Update, context: BotContext) -> None:
    """No: nothing changes."""
    query = update.callback_query
    assert query is not None
    if _confirmation(update, context) and context.user_data is not None:
        context.user_data.pop(PENDING, None)
    await query.answer()
    await _drop_keyboard(update)
    await say(update, context, context._("Nothing has been deleted. Your data stays as it was."))


def privacy_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("privacy", privacy_menu),
        CommandHandler("mydata", my_data),
        CommandHandler("delete", ask_delete),
        CallbackQueryHandler(my_data, pattern=f"^{SEE}$"),
        CallbackQueryHandler(withdraw_announcements, pattern=f"^{STOP}$"),
        CallbackQueryHandler(withdraw_honour, pattern=f"^{HONOUR}$"),
        CallbackQueryHandler(ask_delete, pattern=f"^{DELETE}$"),
        CallbackQueryHandler(delete_confirmed, pattern=f"^{YES}:"),
        CallbackQueryHandler(delete_declined, pattern=f"^{NO}:"),
    ]
