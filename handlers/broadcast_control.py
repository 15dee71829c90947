"""Announcements under way and to come: /broadcasts with its control buttons (pause, resume,
cancel, move, release), moving a scheduled one, the campaign calendar (/campaign), and what
officers see of the engine's work (progress, delivery reports)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from babel.numbers import format_decimal, format_percent
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.access import (
    ADMINS_ONLY,
    CITY_WIDE_ONLY,
    city_officer_only,
    officer_only,
    refuse,
)
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import DraftKind, say
from bot.domain.broadcasts import status_label
from bot.domain.when import parse_local_datetime
from bot.i18n import babel_locale, gettext_for, local_datetime, number
from bot.outbox.broadcast_engine import seconds_left
from bot.runtime import Runtime
from bot.segments import segment_text
from storage.broadcasts import (
    Broadcast,
    campaign_broadcasts,
    get_broadcast,
    recent_broadcasts,
    release_broadcast,
    reschedule,
    set_progress_message,
)
from storage.deliveries import Progress, progress
from storage.people import telegram_chat
from storage.users import get_language

log = logging.getLogger(__name__)

MOVE = DraftKind("mv")
CONTROL = "bcc"  # progress and list buttons: bcc:<id>:<pause|resume|cancel|move|release>
CONTROL_ACTIONS = ("pause", "resume", "cancel", "move", "release")
MOVE_AT = 120


async def abandon_move(update: Update, context: BotContext) -> int:
    """/cancel while moving: the announcement keeps its time; nothing is cancelled."""
    draft = MOVE.of(context)
    MOVE.end(context)
    text = context._("The move is abandoned: announcement #{id} keeps its time.").format(
        id=draft.get("id", "?")
    )
    await say(update, context, text)
    return ConversationHandler.END


async def ask_again(update: Update, context: BotContext) -> int:
    await say(update, context, context._("Please answer the question above, or type /cancel."))
    return MOVE_AT


# --- /broadcasts, and the control buttons -------------------------------------------------------


def control_buttons(
    broadcast: Broadcast, _: Any, admin: bool = False
) -> list[InlineKeyboardButton]:
    def b(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"{CONTROL}:{broadcast.id}:{action}")

    if broadcast.held_at is not None:
        return [b(_("▶️ Release"), "release"), b(_("✖️ Cancel"), "cancel")] if admin else []
    if broadcast.status == "sending":
        return [b(_("⏸ Pause"), "pause"), b(_("✖️ Cancel"), "cancel")]
    if broadcast.status == "paused":
        return [b(_("▶️ Resume"), "resume"), b(_("✖️ Cancel"), "cancel")]
    if broadcast.status == "scheduled":
        return [b(_("🕒 Move"), "move"), b(_("✖️ Cancel"), "cancel")]
    return []


@officer_only
async def list_broadcasts(update: Update, context: BotContext) -> None:
    """/broadcasts: recent and scheduled announcements, with their status."""
    _ = context._
    runtime = context.runtime
    own_ward = context.access.own_segment if context.access else None
    items = await recent_broadcasts(runtime.db, 10, segment=own_ward)
    if not items:
        await say(update, context, _("No announcements yet. /broadcast writes one."))
        return
    for item in items:
        when = local_datetime(item.scheduled_at, context.lang, runtime.settings.tz)
        status = status_label(item.status, _)
        if item.held_at is not None:
            status = _("⛔ held: its author's role was withdrawn")
        line = _("#{id} · {status} · {time}\n{audience}").format(
            id=item.id,
            status=status,
            time=when,
            audience=segment_text(item.segment, _, context.runtime.settings.province_code),
        )
        if item.total:
            figures = await progress(runtime.db, item.id)
            line += "\n" + _("Delivered {sent} of {total}").format(
                sent=number(figures.sent, context.lang), total=number(figures.total, context.lang)
            )
        snippet = item.text_vi if len(item.text_vi) <= 80 else item.text_vi[:79] + "…"
        access = context.access
        buttons = control_buttons(item, _, admin=access is not None and access.is_admin)
        await say(
            update,
            context,
            f"{line}\n«{snippet}»",
            InlineKeyboardMarkup([buttons]) if buttons else None,
        )


@officer_only
async def control_pressed(update: Update, context: BotContext) -> int | None:
    """Pause, Resume, Cancel or Move, checked against the broadcast's current status."""
    query = update.callback_query
    assert query is not None
    _ = context._
    parts = (query.data or "").split(":")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit() and len(parts[1]) < 12):
        await query.answer(_("This button has expired."), show_alert=True)
        return None
    broadcast_id, action = int(parts[1]), parts[2]
    if action not in CONTROL_ACTIONS:
        await query.answer(_("This button has expired."), show_alert=True)
        return None
    own_ward = context.access.own_segment if context.access else None
    if own_ward is not None:
        target = await get_broadcast(context.runtime.db, broadcast_id)
        if target is None or target.segment != own_ward:
            known = action if action in CONTROL_ACTIONS else "control"
            await refuse(update, context, f"broadcast.{known}", _(CITY_WIDE_ONLY))
            return None
    engine = context.runtime.broadcast_engine()
    done = False
    if action == "release":
        access = context.access
        if access is None or not access.is_admin:
            await refuse(update, context, "broadcast.release", _(ADMINS_ONLY))
            return None
        done = await release_broadcast(context.runtime.db, broadcast_id)
        if done:
            released = await get_broadcast(context.runtime.db, broadcast_id)
            if released is not None and released.status == "scheduled":
                engine.arm(released)
    elif action == "pause":
        done = await engine.pause(broadcast_id)
    elif action == "resume":
        done = await engine.resume(broadcast_id)
    elif action == "cancel":
        done = await engine.cancel(broadcast_id)
    elif action == "move":
        broadcast = await get_broadcast(context.runtime.db, broadcast_id)
        if broadcast is not None and broadcast.status == "scheduled":
            draft = MOVE.new(context)
            draft["id"] = broadcast_id
            await query.answer()
            await say(
                update,
                context,
                _(
                    "Type the new date and time for announcement #{id}, "
                    "for example: 02/10/2026 07:30"
                ).format(id=broadcast_id),
            )
            return MOVE_AT
    if not done:
        await query.answer(_("This button has expired."), show_alert=True)
        return None
    await query.answer(_("Done."))
    await context.runtime.audit(
        context.person_id, f"broadcast.{action}", target=f"broadcast:{broadcast_id}"
    )
    broadcast = await get_broadcast(context.runtime.db, broadcast_id)
    shown = getattr(query.message, "reply_markup", None) if query.message else None
    if (
        broadcast is not None
        and query.message is not None
        and (shown or control_buttons(broadcast, _))
    ):
        buttons = control_buttons(broadcast, _)
        try:
            await query.edit_message_reply_markup(
                InlineKeyboardMarkup([buttons]) if buttons else None
            )
        except BadRequest as exc:
            # The engine's own progress edit may have got there first.
            if "not modified" not in exc.message:
                raise
    return None


@officer_only
async def move_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    runtime = context.runtime
    _ = context._
    moment = parse_local_datetime(update.message.text or "", runtime.settings.tz)
    if moment is None or moment <= runtime.now():
        await say(
            update,
            context,
            _("Please type a future date and time like 02/10/2026 07:30, or /cancel."),
        )
        return MOVE_AT
    broadcast_id = int(MOVE.of(context).get("id", 0))
    MOVE.end(context)
    own_ward = context.access.own_segment if context.access else None
    target = await get_broadcast(runtime.db, broadcast_id)
    if own_ward is not None and (target is None or target.segment != own_ward):
        await refuse(update, context, "broadcast.move", _(CITY_WIDE_ONLY))
        return ConversationHandler.END
    if not await reschedule(runtime.db, broadcast_id, moment):
        await say(
            update, context, _("Announcement #{id} can no longer be moved.").format(id=broadcast_id)
        )
        return ConversationHandler.END
    await runtime.audit(
        context.person_id,
        "broadcast.move",
        target=f"broadcast:{broadcast_id}",
        detail=moment.isoformat(),
    )
    moved = await get_broadcast(runtime.db, broadcast_id)
    if moved is not None:
        context.runtime.broadcast_engine().arm(moved)
    await say(
        update,
        context,
        _("🕒 Announcement #{id} now goes out at {time}.").format(
            id=broadcast_id, time=local_datetime(moment, context.lang, runtime.settings.tz)
        ),
    )
    return ConversationHandler.END


def mover() -> ConversationHandler[BotContext]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="broadcast-move",
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(control_pressed, rf"^{CONTROL}:")],
            states={
                MOVE_AT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, move_typed),
                    CallbackQueryHandler(control_pressed, rf"^{CONTROL}:"),
                    CommandHandler("cancel", abandon_move),
                    MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, ask_again),
                ]
            },
            fallbacks=[CommandHandler("cancel", abandon_move)],
        )


@city_officer_only
async def campaign_calendar(update: Update, context: BotContext) -> None:
    """/campaign: the Month's calendar, with each entry's status."""
    _ = context._
    runtime = context.runtime
    entries = await campaign_broadcasts(runtime.db)
    if not entries:
        await say(
            update,
            context,
            _(
                "No campaign calendar is loaded. On the server: "
                "python -m bot campaign load locales/campaign/2026.toml"
            ),
        )
        return
    latest = max((item.campaign_key or "").split("/")[0] for item in entries)
    lines = [_("📅 The campaign calendar:")]
    for item in entries:
        if not (item.campaign_key or "").startswith(f"{latest}/"):
            continue  # earlier years stay in the database; one year fits in a message
        when = local_datetime(item.scheduled_at, context.lang, runtime.settings.tz)
        key = (item.campaign_key or "").split("/")[1] if item.campaign_key else ""
        line = f"{when} · {key} · {status_label(item.status, _)}"
        if item.total:
            figures = await progress(runtime.db, item.id)
            line += " · " + _("Delivered {sent} of {total}").format(
                sent=number(figures.sent, context.lang), total=number(figures.total, context.lang)
            )
        lines.append(line)
    await say(update, context, "\n".join(lines))


# --- what officers see of the engine ------------------------------------------------------------


class OfficerViews:
    """The engine's progress messages, reports and warnings, in each officer's language."""

    def __init__(self, runtime: Runtime, bot: Any) -> None:
        self.runtime = runtime
        self.bot = bot

    async def _lang(self, officer: int | None) -> str:
        if officer is None:
            return self.runtime.settings.default_language
        return (
            await get_language(self.runtime.db, officer) or self.runtime.settings.default_language
        )

    async def progress(self, broadcast: Broadcast, figures: Progress, rate: float) -> None:
        chat = broadcast.progress_chat
        if chat is None:
            return
        lang = await self._lang(broadcast.created_by)
        _ = gettext_for(lang)
        total = max(figures.total, 1)
        lines = [
            _("📣 Announcement #{id}: {status}").format(
                id=broadcast.id, status=status_label(broadcast.status, _)
            ),
            _("Sent {sent} of {total} ({percent})").format(
                sent=number(figures.sent, lang),
                total=number(figures.total, lang),
                percent=format_percent(figures.sent / total, "#,##0.0%", locale=babel_locale(lang)),
            ),
            _("Failed: {failed} · Unreachable: {unreachable}").format(
                failed=number(figures.failed, lang), unreachable=number(figures.unreachable, lang)
            ),
        ]
        left = seconds_left(figures.done, figures.total, rate)
        if broadcast.status == "sending" and rate > 0 and left is not None:
            lines.append(
                _("Rate: {rate} messages/s · about {minutes} min left").format(
                    rate=format_decimal(round(rate, 1), locale=babel_locale(lang)),
                    minutes=number(max(1, round(left / 60)), lang),
                )
            )
        settings = self.runtime.settings
        if (
            broadcast.status == "sending"
            and not broadcast.quiet_exempt
            and settings.quiet_hours.contains(self.runtime.now(), settings.tz)
        ):
            lines.append(
                _("Quiet hours: it goes on at {time}.").format(
                    time=f"{settings.quiet_hours.end:%H:%M}"
                )
            )
        buttons = control_buttons(broadcast, _)
        markup = InlineKeyboardMarkup([buttons]) if buttons else None
        text = "\n".join(lines)
        if broadcast.progress_msg:
            await self.bot.edit_message_text(
                text, chat, broadcast.progress_msg, reply_markup=markup
            )
        else:
            message = await self.bot.send_message(chat, text, reply_markup=markup)
            await set_progress_message(self.runtime.db, broadcast.id, chat, message.message_id)

    async def report(self, broadcast: Broadcast, figures: Progress) -> None:
        chat = broadcast.progress_chat
        if chat is None:
            return
        lang = await self._lang(broadcast.created_by)
        _ = gettext_for(lang)
        lines = [
            _("📋 Delivery report, announcement #{id} ({status})").format(
                id=broadcast.id, status=status_label(broadcast.status, _)
            ),
            _("Delivered: {count}").format(count=number(figures.sent, lang)),
            _("Unreachable (blocked the bot or left Telegram): {count}").format(
                count=number(figures.unreachable, lang)
            ),
            _("Failed: {count}").format(count=number(figures.failed, lang)),
        ]
        for reason, count in list(figures.errors.items())[:5]:
            lines.append(f"  • {reason}: {number(count, lang)}")
        if figures.pending:
            lines.append(_("Not sent: {count}").format(count=number(figures.pending, lang)))
        started, finished = broadcast.started_at, broadcast.finished_at or self.runtime.now()
        if started is not None:
            seconds = max(0, int((finished - started).total_seconds()))
            lines.append(
                _("Duration: {minutes} min {seconds} s").format(
                    minutes=seconds // 60, seconds=seconds % 60
                )
            )
        await self.bot.send_message(chat, "\n".join(lines))

    async def missed(self, broadcast: Broadcast) -> None:
        if broadcast.created_by is None:
            return
        chat = await telegram_chat(self.runtime.db, broadcast.created_by)
        if chat is None:
            return
        lang = await self._lang(broadcast.created_by)
        _ = gettext_for(lang)
        when = local_datetime(broadcast.scheduled_at, lang, self.runtime.settings.tz)
        await self.bot.send_message(
            chat,
            _(
                "⚠️ Announcement #{id}, scheduled for {time}, was not sent: the bot was down "
                "for too long. Nothing went out; /broadcast to send it again."
            ).format(id=broadcast.id, time=when),
        )


def broadcast_control_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        mover(),
        CommandHandler("broadcasts", list_broadcasts),
        CommandHandler("campaign", campaign_calendar),
    ]
