"""Officers and pledges: the pending list, marking money received or rejecting, and bank
statements sent in chat. Every command, button and file goes through `officer_only`."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.access import officer_only, refuse
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import edit_in_place, say
from bot.channels.telegram.journeys import one_at_a_time
from bot.domain.amounts import MAX_AMOUNT, parse_amount
from bot.domain.pledges import FUND_LABELS, METHOD_LABELS, PURPOSE_LABELS, STATUS_LABELS
from bot.domain.validation import display_phone
from bot.i18n import N_, local_date, money
from bot.pledge_texts import fund_of
from handlers.steps import (
    OFFICER_QUESTION_LAPSES,
    button_args,
    forget_on_timeout,
    page_buttons,
    page_count,
    parse_int,
)
from storage.pledges import (
    Pledge,
    donor_contact,
    get_pledge,
    mark_received,
    pending_pledges,
    reject_pledge,
)

log = logging.getLogger(__name__)

PAGE = 8
PREFIX = "opl"
PLEDGE_ACTIONS = ("list", "open", "full", "other", "reject", "why", "ok", "no")
OTHER_AMOUNT, REASON, CONFIRM = range(3)
REVIEW_KEY = "review"  # user_data: the pledge an officer is typing an amount or reason for
QUICK_REASONS = {
    "nopay": N_("No money has arrived"),
    "dup": N_("A duplicate of another pledge"),
    "asked": N_("The donor asked to cancel it"),
}
OTHER_WARD = N_("This pledge belongs to another commune or ward's fund.")


def _data(*parts: object) -> str:
    return ":".join((PREFIX, *(str(p) for p in parts)))


def _decider(context: BotContext) -> str:
    return f"officer:{context.person}"


# --- the list -------------------------------------------------------------------------------


async def _list_view(
    context: BotContext, kind: str | None, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = context._
    scope = context.access.scope if context.access else None
    items, total = await pending_pledges(context.runtime.db, kind, page * PAGE, PAGE, scope)
    pages = page_count(total, PAGE)
    page = min(page, pages - 1)
    if scope is not None and context.access is not None:
        title = _("💝 Pending pledges to the fund of {ward}: {count}").format(
            ward=context.access.ward_name or scope, count=total
        )
    elif kind is None:
        title = _("💝 Pending pledges: {count}").format(count=total)
    else:
        title = _("💝 Pending pledges, {fund}: {count}").format(
            fund=_(FUND_LABELS[kind]).lower(), count=total
        )
    lines = [title]
    if total:
        lines.append(
            _("Page {page} of {pages}. Press a pledge to open it.").format(
                page=page + 1, pages=pages
            )
        )
    else:
        lines.append(_("Nothing is waiting. 🎉"))
    rows: list[list[InlineKeyboardButton]] = []
    for item in items:
        label = (
            f"{item.reference.split()[-1]} · {money(item.amount, context.lang)} · "
            + (item.donor_name[:24])
        )
        rows.append([InlineKeyboardButton(label, callback_data=_data("open", item.id))])
    rows += page_buttons(PREFIX, kind or "all", page, pages)
    if scope is not None:
        return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None
    filters_row = [
        InlineKeyboardButton(
            ("• " if kind is None else "") + _("All"), callback_data=_data("list", "all", 0)
        )
    ]
    short = {"city": _("City"), "ward": _("Ward"), "school": _("School"), "clan": _("Clan")}
    for fund, label in short.items():
        marker = "• " if kind == fund else ""
        filters_row.append(
            InlineKeyboardButton(marker + label, callback_data=_data("list", fund, 0))
        )
    rows.append(filters_row)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


@officer_only
async def pledges_command(update: Update, context: BotContext) -> None:
    """/pledges [city|ward|school|clan]: the pending pledges, a page at a time."""
    kind = context.args[0].lower() if context.args else None
    if kind not in (None, *FUND_LABELS):
        kind = None
    text, markup = await _list_view(context, kind, 0)
    await say(update, context, text, markup)


@officer_only
async def list_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    args = button_args(update)
    page = parse_int(args[2]) if len(args) == 3 else None
    if page is None or args[1] not in ("all", *FUND_LABELS):
        await query.answer(context._("This button has expired."), show_alert=True)
        return
    await query.answer()
    text, markup = await _list_view(context, None if args[1] == "all" else args[1], page)
    if query.message is not None:
        await edit_in_place(query, text, markup)


# --- one pledge -----------------------------------------------------------------------------


async def detail_text(context: BotContext, pledge: Pledge) -> str:
    _ = context._
    lang, tz = context.lang, context.runtime.settings.tz
    phone, member_no = await donor_contact(context.runtime.db, pledge.id)
    donor = pledge.donor_name
    if phone:
        donor += f", {display_phone(phone)}"
    donor += " · " + (
        _("member {number}").format(number=member_no) if member_no else _("not a member")
    )
    lines = [
        _("Pledge {reference}").format(reference=pledge.reference),
        _("Donor: {value}").format(value=donor),
        _("Fund: {value}").format(value=fund_of(_, pledge)),
        _("Purpose: {value}").format(value=_(PURPOSE_LABELS[pledge.purpose])),
        _("Amount: {value}").format(value=money(pledge.amount, lang)),
        _("Payment: {value}").format(value=_(METHOD_LABELS[pledge.method])),
        _("Pledged on: {value}").format(value=local_date(pledge.created_at, lang, tz)),
        _("Reminders sent: {value}").format(value=pledge.reminders_sent),
        _("Status: {value}").format(value=_(STATUS_LABELS[pledge.status])),
    ]
    if pledge.source:
        lines.append(_("Came through: {value}").format(value=pledge.source))
    if pledge.status == "received":
        lines.append(
            _("Received: {amount} on {date}").format(
                amount=money(pledge.received_amount, lang),
                date=local_date(pledge.received_at or pledge.created_at, lang, tz),
            )
        )
    if pledge.status == "rejected" and pledge.reject_reason:
        lines.append(_("Reason: {value}").format(value=pledge.reject_reason))
    return "\n".join(lines)


def detail_markup(context: BotContext, pledge: Pledge) -> InlineKeyboardMarkup | None:
    if pledge.status != "pending":
        return None
    _ = context._
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Received in full ({amount})").format(
                        amount=money(pledge.amount, context.lang)
                    ),
                    callback_data=_data("full", pledge.id),
                )
            ],
            [
                InlineKeyboardButton(
                    _("✏️ Received a different amount"), callback_data=_data("other", pledge.id)
                ),
                InlineKeyboardButton(_("✖️ Reject"), callback_data=_data("reject", pledge.id)),
            ],
        ]
    )


async def _pledge_of_button(update: Update, context: BotContext) -> Pledge | None:
    query = update.callback_query
    assert query is not None
    args = button_args(update)
    pledge_id = parse_int(args[1]) if len(args) >= 2 else None
    pledge = await get_pledge(context.runtime.db, pledge_id) if pledge_id else None
    if pledge is None:
        await query.answer(context._("This button has expired."), show_alert=True)
        return None
    if not _in_scope(context, pledge):
        # Only what the bot issued reaches the audit: the pressed action, if it is one of ours.
        action = args[0] if args and args[0] in PLEDGE_ACTIONS else "button"
        await refuse(update, context, f"pledge.{action}", context._(OTHER_WARD))
        return None
    return pledge


def _in_scope(context: BotContext, pledge: Pledge) -> bool:
    """A ward's officer acts on pledges to that ward's fund only."""
    access = context.access
    return access is not None and (
        access.city_wide
        or (pledge.fund_kind == "ward" and access.may_see_ward(pledge.fund_ward_code))
    )


async def _not_pending(update: Update, context: BotContext, pledge: Pledge) -> bool:
    """Answer and show the pledge as it is now, if someone else has decided it already."""
    if pledge.status == "pending":
        return False
    query = update.callback_query
    assert query is not None
    _ = context._
    await query.answer(
        _("Already decided: {status}.").format(status=_(STATUS_LABELS[pledge.status])),
        show_alert=True,
    )
    return True


@officer_only
async def open_pressed(update: Update, context: BotContext) -> None:
    pledge = await _pledge_of_button(update, context)
    if pledge is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await say(update, context, await detail_text(context, pledge), detail_markup(context, pledge))


async def _decided(update: Update, context: BotContext, pledge: Pledge, done: str) -> None:
    """Show the officer what happened, and let the mailer tell the donor at once."""
    runtime = context.runtime
    if runtime.mailer is not None:
        runtime.mailer.wake()
    query = update.callback_query
    text = f"{await detail_text(context, pledge)}\n\n{done}"
    if query is not None and query.message is not None:
        await edit_in_place(query, text, None)
    else:
        await say(update, context, text)


@officer_only
async def full_pressed(update: Update, context: BotContext) -> None:
    pledge = await _pledge_of_button(update, context)
    if pledge is None or await _not_pending(update, context, pledge):
        return
    runtime = context.runtime
    done = await mark_received(
        runtime.db, pledge.id, pledge.amount, _decider(context), runtime.now()
    )
    assert update.callback_query is not None
    if done is None:
        await update.callback_query.answer(context._("Already decided."), show_alert=True)
        return
    await update.callback_query.answer(context._("Marked received."))
    log.info("pledge marked received by an officer")
    await runtime.audit(
        context.person_id, "pledge.receive", target=f"pledge:{done.id}", detail=str(done.amount)
    )
    await _decided(
        update, context, done, context._("✅ Marked received. The donor is being sent a receipt.")
    )


# --- a different amount, or a rejection: the officer types ----------------------------------


@officer_only
@one_at_a_time("pledge_review")
async def other_pressed(update: Update, context: BotContext) -> int | None:
    pledge = await _pledge_of_button(update, context)
    if pledge is None or await _not_pending(update, context, pledge):
        return ConversationHandler.END
    assert update.callback_query is not None and context.user_data is not None
    await update.callback_query.answer()
    context.user_data[REVIEW_KEY] = {"id": pledge.id}
    await say(
        update,
        context,
        context._(
            "How much was received for {reference} (pledged {amount})? Type the amount, "
            "for example 300000 or 300k. /cancel to stop."
        ).format(reference=pledge.reference, amount=money(pledge.amount, context.lang)),
    )
    return OTHER_AMOUNT


@officer_only
async def other_amount_typed(update: Update, context: BotContext) -> int | None:
    """An amount typed for a pledge: asked to confirm, since the donor's receipt shows it."""
    assert update.message is not None and context.user_data is not None
    _ = context._
    value = parse_amount((update.message.text or "")[:100])
    if value is None or not 0 < value <= MAX_AMOUNT:
        await say(update, context, _("That is not an amount. Type it again, for example 300000."))
        return OTHER_AMOUNT
    pledge = await _reviewed(context)
    if pledge is None:
        return await _gone(update, context)
    context.user_data[REVIEW_KEY] = {"id": pledge.id, "amount": value}
    await say(
        update,
        context,
        _(
            "Record {amount} received for {reference} (pledged {pledged})? The donor's receipt "
            "will show {amount}."
        ).format(
            amount=money(value, context.lang),
            reference=pledge.reference,
            pledged=money(pledge.amount, context.lang),
        ),
        _confirm_buttons(context, pledge.id),
    )
    return CONFIRM


def _confirm_buttons(context: BotContext, pledge_id: int) -> InlineKeyboardMarkup:
    _ = context._
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Yes, record it"), callback_data=_data("ok", pledge_id)),
                InlineKeyboardButton(_("✖️ No"), callback_data=_data("no", pledge_id)),
            ]
        ]
    )


async def _reviewed(context: BotContext) -> Pledge | None:
    """The pledge this officer is answering about (None: gone, or no longer theirs to see)."""
    assert context.user_data is not None
    review = context.user_data.get(REVIEW_KEY)
    pledge_id = review.get("id") if isinstance(review, dict) else None
    pledge = await get_pledge(context.runtime.db, int(pledge_id)) if pledge_id else None
    if pledge is None or pledge.status != "pending" or not _in_scope(context, pledge):
        return None
    return pledge


async def _gone(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(REVIEW_KEY, None)
    await say(update, context, context._("This pledge was decided meanwhile; nothing changed."))
    return ConversationHandler.END


@officer_only
async def confirm_pressed(update: Update, context: BotContext) -> int | None:
    """Yes: record the typed amount or the typed reason. No: leave the pledge as it was."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    args = button_args(update)
    review = context.user_data.get(REVIEW_KEY)
    if not isinstance(review, dict) or len(args) != 2 or parse_int(args[1]) != review.get("id"):
        await query.answer(context._("This button has expired."), show_alert=True)
        return None
    await query.answer()
    if query.message is not None and getattr(query.message, "reply_markup", None):
        await query.edit_message_reply_markup(None)
    if args[0] == "no":
        return await review_cancel(update, context)
    pledge = await _reviewed(context)
    context.user_data.pop(REVIEW_KEY, None)
    if pledge is None:
        return await _gone(update, context)
    if "reason" in review:
        return await _reject(update, context, pledge.id, str(review["reason"]))
    value = int(review["amount"])
    runtime = context.runtime
    done = await mark_received(runtime.db, pledge.id, value, _decider(context), runtime.now())
    if done is None:
        return await _gone(update, context)
    log.info("pledge marked received (different amount) by an officer")
    await runtime.audit(
        context.person_id, "pledge.receive", target=f"pledge:{done.id}", detail=str(value)
    )
    await say(
        update,
        context,
        f"{await detail_text(context, done)}\n\n"
        + context._("✅ Marked received: {amount}. The donor is being sent a receipt.").format(
            amount=money(value, context.lang)
        ),
    )
    if runtime.mailer is not None:
        runtime.mailer.wake()
    return ConversationHandler.END


@officer_only
@one_at_a_time("pledge_review")
async def reject_pressed(update: Update, context: BotContext) -> int | None:
    pledge = await _pledge_of_button(update, context)
    if pledge is None or await _not_pending(update, context, pledge):
        return ConversationHandler.END
    assert update.callback_query is not None and context.user_data is not None
    await update.callback_query.answer()
    context.user_data[REVIEW_KEY] = {"id": pledge.id}
    _ = context._
    buttons = [
        [InlineKeyboardButton(_(text), callback_data=_data("why", pledge.id, code))]
        for code, text in QUICK_REASONS.items()
    ]
    await say(
        update,
        context,
        _(
            "Why is {reference} rejected? Press a reason or type one (the donor will read it)."
        ).format(reference=pledge.reference),
        InlineKeyboardMarkup(buttons),
    )
    return REASON


async def _reject(update: Update, context: BotContext, pledge_id: int, reason: str) -> int:
    runtime = context.runtime
    pledge = await get_pledge(runtime.db, pledge_id)
    if pledge is not None and not _in_scope(context, pledge):
        # The button was answered already: the refusal goes as a message.
        await runtime.audit(context.person_id, "pledge.reject", "refused", f"pledge:{pledge_id}")
        await say(update, context, context._(OTHER_WARD))
        return ConversationHandler.END
    done = await reject_pledge(runtime.db, pledge_id, reason, _decider(context), runtime.now())
    if done is None:
        await say(update, context, context._("This pledge was decided meanwhile; nothing changed."))
        return ConversationHandler.END
    log.info("pledge rejected by an officer")
    await runtime.audit(context.person_id, "pledge.reject", target=f"pledge:{done.id}")
    await say(
        update,
        context,
        f"{await detail_text(context, done)}\n\n"
        + context._("✖️ Rejected. The donor is being told why."),
    )
    if runtime.mailer is not None:
        runtime.mailer.wake()
    return ConversationHandler.END


@officer_only
async def reason_pressed(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    args = button_args(update)
    pledge_id = parse_int(args[1]) if len(args) == 3 else None
    review = context.user_data.get(REVIEW_KEY)
    under_review = review.get("id") if isinstance(review, dict) else None
    if pledge_id is None or pledge_id != under_review or args[2] not in QUICK_REASONS:
        # Only the reasons offered for the pledge being rejected now count.
        await query.answer(context._("This button has expired."), show_alert=True)
        return None
    if await _reviewed(context) is None:
        await query.answer()
        return await _gone(update, context)
    await query.answer()
    if query.message is not None and getattr(query.message, "reply_markup", None):
        await query.edit_message_reply_markup(None)
    context.user_data.pop(REVIEW_KEY, None)
    # The donor reads the reason in the officer's language: officers write for donors anyway.
    return await _reject(update, context, pledge_id, context._(QUICK_REASONS[args[2]]))


@officer_only
async def reason_typed(update: Update, context: BotContext) -> int | None:
    """A typed reason: the donor will read it, so it is shown once more before it goes."""
    assert update.message is not None and context.user_data is not None
    _ = context._
    reason = " ".join((update.message.text or "").split())
    if not reason or len(reason) > 300:
        await say(update, context, _("Please type a short reason, at most 300 characters."))
        return REASON
    pledge = await _reviewed(context)
    if pledge is None:
        return await _gone(update, context)
    context.user_data[REVIEW_KEY] = {"id": pledge.id, "reason": reason}
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✖️ Yes, reject it"), callback_data=_data("ok", pledge.id)),
                InlineKeyboardButton(_("No, keep it"), callback_data=_data("no", pledge.id)),
            ]
        ]
    )
    await say(
        update,
        context,
        _("Reject {reference} and tell the donor: “{reason}”?").format(
            reference=pledge.reference, reason=reason
        ),
        buttons,
    )
    return CONFIRM


async def review_cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(REVIEW_KEY, None)
    await say(update, context, context._("All right, the pledge is left as it was."))
    return ConversationHandler.END


async def review_unexpected(update: Update, context: BotContext) -> None:
    await say(update, context, context._("Please type an answer, or /cancel to stop."))


async def review_use_buttons(update: Update, context: BotContext) -> None:
    await say(update, context, context._("Please use the buttons above, or /cancel to stop."))


def review_conversation() -> ConversationHandler[BotContext]:
    typed = filters.TEXT & ~filters.COMMAND
    others = filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.Document.ALL
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="pledge_review",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(other_pressed, pattern=rf"^{PREFIX}:other:"),
                CallbackQueryHandler(reject_pressed, pattern=rf"^{PREFIX}:reject:"),
            ],
            states={
                OTHER_AMOUNT: [
                    MessageHandler(typed, other_amount_typed),
                    CommandHandler("cancel", review_cancel),
                    MessageHandler(others, review_unexpected),
                ],
                REASON: [
                    CallbackQueryHandler(reason_pressed, pattern=rf"^{PREFIX}:why:"),
                    MessageHandler(typed, reason_typed),
                    CommandHandler("cancel", review_cancel),
                    MessageHandler(others, review_unexpected),
                ],
                CONFIRM: [
                    CallbackQueryHandler(confirm_pressed, pattern=rf"^{PREFIX}:(ok|no):"),
                    CommandHandler("cancel", review_cancel),
                    MessageHandler(others, review_use_buttons),
                ],
                ConversationHandler.TIMEOUT: forget_on_timeout(REVIEW_KEY),
            },
            fallbacks=[CommandHandler("cancel", review_cancel)],
            conversation_timeout=OFFICER_QUESTION_LAPSES,
        )


def pledge_officer_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        review_conversation(),
        CommandHandler("pledges", pledges_command),
        CallbackQueryHandler(list_pressed, pattern=rf"^{PREFIX}:list:"),
        CallbackQueryHandler(open_pressed, pattern=rf"^{PREFIX}:open:"),
        CallbackQueryHandler(full_pressed, pattern=rf"^{PREFIX}:full:"),
    ]
