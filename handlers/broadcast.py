"""Officers' announcements: the /broadcast composer, /broadcasts, and the engine's messages."""

from __future__ import annotations

import logging
import warnings
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal, format_percent
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
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
from bot.channels.telegram.drafts import Draft, DraftKind, say
from bot.channels.telegram.journeys import one_at_a_time
from bot.domain.members import CATEGORY_LABELS
from bot.domain.wards import MAX_CHOICES, search_wards
from bot.domain.when import parse_local_datetime
from bot.i18n import babel_locale, gettext_for, local_datetime, number
from bot.outbox.announcement import render, send_rendered
from bot.outbox.broadcast_engine import BroadcastEngine, seconds_left
from bot.runtime import Runtime
from bot.segments import Segment, describe
from storage.broadcasts import (
    Broadcast,
    BroadcastDraft,
    Progress,
    audience_size,
    campaign_broadcasts,
    create_broadcast,
    get_broadcast,
    progress,
    recent_broadcasts,
    release_broadcast,
    reschedule,
    set_progress_message,
)
from storage.users import get_language

log = logging.getLogger(__name__)

COMPOSE = DraftKind("bc")
MOVE = DraftKind("mv")
CONTROL = "bcc"  # progress and list buttons: bcc:<id>:<pause|resume|cancel|move>
CONTROL_ACTIONS = ("pause", "resume", "cancel", "move", "release")

TEXT, TEXT_EN, SEGMENT, WARD, CATEGORY, WHEN, AT, PREVIEW, EDIT = range(100, 109)
MOVE_AT = 120

CAPTION_MAX = 1024


def engine_of(context: BotContext) -> BroadcastEngine:
    engine = context.runtime.engine
    assert engine is not None
    return engine


def status_label(status: str, _: Any) -> str:
    labels = {
        "scheduled": _("🕒 scheduled"),
        "sending": _("📤 sending"),
        "paused": _("⏸ paused"),
        "done": _("✅ done"),
        "cancelled": _("✖️ cancelled"),
        "missed": _("⚠️ missed"),
    }
    return labels.get(status, status)


def segment_text(runtime: Runtime, segment: str, _: Any) -> str:
    kind, _sep, value = segment.partition(":")
    return describe(
        Segment(kind, value or None), _, runtime.settings.province_code, CATEGORY_LABELS
    )


# --- step 1 and 2: the message ----------------------------------------------------------------


@officer_only
@one_at_a_time("broadcast")
async def start(update: Update, context: BotContext) -> int:
    """/broadcast: compose an announcement."""
    COMPOSE.new(context)
    return await ask_text(update, context)


async def ask_text(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._(
            "📣 New announcement. Send the Vietnamese message: text with any formatting "
            "(bold, italic, links), or a photo with a caption. /cancel stops."
        ),
    )
    return TEXT


def entities_json(entities: tuple[MessageEntity, ...]) -> list[dict[str, Any]] | None:
    return [e.to_dict() for e in entities] or None


@officer_only
async def text_given(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None
    draft = COMPOSE.of(context)
    if message.photo:
        caption = message.caption or ""
        if not caption.strip():
            await say(
                update, context, context._("Please add a caption to the photo, and send it again.")
            )
            return TEXT
        draft.update(
            photo=message.photo[-1].file_id,
            text_vi=caption,
            entities_vi=entities_json(message.caption_entities),
        )
    elif message.text and message.text.strip():
        draft.update(photo=None, text_vi=message.text, entities_vi=entities_json(message.entities))
    else:
        await say(
            update, context, context._("Please send a text message or a photo with a caption.")
        )
        return TEXT
    draft.pop("text_en", None)
    draft.pop("entities_en", None)
    return await ask_text_en(update, context)


async def ask_text_en(update: Update, context: BotContext) -> int:
    draft = COMPOSE.of(context)
    await say(
        update,
        context,
        context._(
            "Now the English version for users who chose English, or press Skip: "
            "they will get the Vietnamese one."
        ),
        InlineKeyboardMarkup([[COMPOSE.button(draft, context._("Skip"), "noen")]]),
    )
    return TEXT_EN


@officer_only
async def text_en_given(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None
    draft = COMPOSE.of(context)
    text = message.text or message.caption or ""
    if not text.strip():
        await say(update, context, context._("Please send the English text, or press Skip."))
        return TEXT_EN
    if draft.get("photo") and len(text) > CAPTION_MAX:
        await say(
            update,
            context,
            context._("A photo caption can have at most 1,024 characters. Please shorten it."),
        )
        return TEXT_EN
    entities = message.entities if message.text else message.caption_entities
    draft.update(text_en=text, entities_en=entities_json(entities))
    return await after_step(update, context, ask_segment)


@officer_only
async def text_en_skipped(update: Update, context: BotContext) -> int:
    if await COMPOSE.pressed(update, context, "noen") is None:
        return TEXT_EN
    draft = COMPOSE.of(context)
    draft.update(text_en=None, entities_en=None)
    return await after_step(update, context, ask_segment)


async def after_step(update: Update, context: BotContext, ask_next: Any) -> int:
    """The next question, or the preview again when an officer is editing one step."""
    if COMPOSE.of(context).get("editing"):
        return await show_preview(update, context)
    return int(await ask_next(update, context))


# --- step 3: the audience ---------------------------------------------------------------------


def scope_segment(context: BotContext) -> str | None:
    """A ward-scoped officer writes to their own ward only."""
    scope = context.access.scope if context.access else None
    return f"ward:{scope}" if scope is not None else None


async def ask_segment(update: Update, context: BotContext) -> int:
    _ = context._
    draft = COMPOSE.of(context)
    own_ward = scope_segment(context)
    if own_ward is not None:
        draft["segment"] = own_ward
        await say(
            update,
            context,
            _("It goes to {audience}: you work for that commune or ward.").format(
                audience=segment_text(context.runtime, own_ward, _)
            ),
        )
        return await after_step(update, context, ask_when)
    b = COMPOSE.button
    keyboard = InlineKeyboardMarkup(
        [
            [
                b(draft, _("All subscribers"), "seg", "all"),
                b(draft, _("Members"), "seg", "members"),
                b(draft, _("Donors"), "seg", "donors"),
            ],
            [
                b(draft, _("A commune or ward"), "seg", "ward"),
                b(draft, _("A group"), "seg", "category"),
            ],
            [
                b(draft, _("Vietnamese readers"), "seg", "language:vi"),
                b(draft, _("English readers"), "seg", "language:en"),
            ],
        ]
    )
    await say(update, context, _("Who should receive it?"), keyboard)
    return SEGMENT


@officer_only
async def segment_pressed(update: Update, context: BotContext) -> int:
    if scope_segment(context) is not None:
        return await ask_segment(update, context)
    args = await COMPOSE.pressed(update, context, "seg")
    if args is None:
        return SEGMENT
    choice = ":".join(args)
    draft = COMPOSE.of(context)
    _ = context._
    if choice == "ward":
        await say(
            update, context, _("Type part of the commune or ward's name, for example: Lê Chân.")
        )
        return WARD
    if choice == "category":
        rows = [
            [COMPOSE.button(draft, _(label), "cat", key)] for key, label in CATEGORY_LABELS.items()
        ]
        await say(update, context, _("Which group?"), InlineKeyboardMarkup(rows))
        return CATEGORY
    if choice not in ("all", "members", "donors", "language:vi", "language:en"):
        return await ask_segment(update, context)
    draft["segment"] = choice
    return await after_step(update, context, ask_when)


@officer_only
async def ward_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    _ = context._
    query = (update.message.text or "").strip()[:100]
    found = search_wards(context.runtime.settings.province_code, query)
    if not found:
        await say(
            update,
            context,
            _("No commune or ward matches “{query}”. Please type it again.").format(
                query=query[:40]
            ),
        )
        return WARD
    draft = COMPOSE.of(context)
    rows = [[COMPOSE.button(draft, w.name, "ward", str(w.code))] for w in found[:MAX_CHOICES]]
    await say(update, context, _("Choose the commune or ward:"), InlineKeyboardMarkup(rows))
    return WARD


@officer_only
async def ward_pressed(update: Update, context: BotContext) -> int:
    if scope_segment(context) is not None:
        return await ask_segment(update, context)
    args = await COMPOSE.pressed(update, context, "ward")
    if args is None:
        return WARD
    if not args or not (args[0].isascii() and args[0].isdigit()):
        return await ask_segment(update, context)
    COMPOSE.of(context)["segment"] = f"ward:{args[0]}"
    return await after_step(update, context, ask_when)


@officer_only
async def category_pressed(update: Update, context: BotContext) -> int:
    if scope_segment(context) is not None:
        return await ask_segment(update, context)
    args = await COMPOSE.pressed(update, context, "cat")
    if args is None:
        return CATEGORY
    if not args or args[0] not in CATEGORY_LABELS:
        return await ask_segment(update, context)
    COMPOSE.of(context)["segment"] = f"category:{args[0]}"
    return await after_step(update, context, ask_when)


# --- step 4: when -----------------------------------------------------------------------------


async def ask_when(update: Update, context: BotContext) -> int:
    _ = context._
    draft = COMPOSE.of(context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                COMPOSE.button(draft, _("Send now"), "when", "now"),
                COMPOSE.button(draft, _("Schedule"), "when", "later"),
            ]
        ]
    )
    await say(update, context, _("When should it go out?"), keyboard)
    return WHEN


async def ask_at(update: Update, context: BotContext) -> int:
    await say(
        update,
        context,
        context._("Type the date and time, Vietnam time, for example: 02/10/2026 07:30"),
    )
    return AT


@officer_only
async def when_pressed(update: Update, context: BotContext) -> int:
    args = await COMPOSE.pressed(update, context, "when")
    if args is None:
        return WHEN
    draft = COMPOSE.of(context)
    if args == ["later"]:
        return await ask_at(update, context)
    draft["at"] = None
    return await show_preview(update, context)


@officer_only
async def at_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None
    runtime = context.runtime
    moment = parse_local_datetime(update.message.text or "", runtime.settings.tz)
    _ = context._
    if moment is None:
        await say(
            update,
            context,
            _("I could not read that date and time. Please type it like 02/10/2026 07:30."),
        )
        return AT
    if moment <= runtime.now():
        await say(
            update, context, _("That time has already passed. Please type a time in the future.")
        )
        return AT
    COMPOSE.of(context)["at"] = moment.isoformat()
    return await show_preview(update, context)


# --- step 5: preview and confirmation ---------------------------------------------------------


def draft_broadcast(draft: Draft, runtime: Runtime, officer: int) -> BroadcastDraft:
    at = datetime.fromisoformat(draft["at"]) if draft.get("at") else runtime.now()
    return BroadcastDraft(
        text_vi=draft["text_vi"],
        entities_vi=draft.get("entities_vi"),
        text_en=draft.get("text_en"),
        entities_en=draft.get("entities_en"),
        photo=draft.get("photo"),
        segment=draft["segment"],
        scheduled_at=at,
        source="officer",
        created_by=officer,
        quiet_exempt=bool(draft.get("quiet_exempt")),
        progress_chat=officer,
    )


async def preview(context: BotContext, chat_id: int, broadcast: Broadcast, lang: str) -> Message:
    """Exactly what a recipient reading `lang` receives."""
    return await send_rendered(context.bot, chat_id, render(broadcast, lang))


def preview_of(draft: Draft, runtime: Runtime, officer: int) -> Broadcast:
    data = draft_broadcast(draft, runtime, officer)
    now = runtime.now()
    return Broadcast(
        id=0,
        created_by=officer,
        source="officer",
        status="scheduled",
        text_vi=data.text_vi,
        entities_vi=data.entities_vi,
        text_en=data.text_en,
        entities_en=data.entities_en,
        photo=data.photo,
        action=None,
        segment=data.segment,
        scheduled_at=data.scheduled_at,
        quiet_exempt=data.quiet_exempt,
        created_at=now,
        started_at=None,
        finished_at=None,
        total=0,
        progress_chat=None,
        progress_msg=None,
        campaign_key=None,
    )


async def show_preview(update: Update, context: BotContext) -> int:
    _ = context._
    runtime = context.runtime
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    draft = COMPOSE.of(context)
    draft["editing"] = True
    draft_preview = preview_of(draft, runtime, user.id)
    await say(update, context, _("Preview: recipients will see exactly this."))
    await preview(context, chat.id, draft_preview, "vi")
    if draft_preview.text_en:
        await say(update, context, _("Users who chose English will see:"))
        await preview(context, chat.id, draft_preview, "en")
    count = await audience_size(runtime.db, draft["segment"])
    audience = segment_text(runtime, draft["segment"], _)
    settings = runtime.settings
    if draft.get("at"):
        at = datetime.fromisoformat(draft["at"])
        when = _("at {time}").format(time=local_datetime(at, context.lang, settings.tz))
        quiet_now = False
        if settings.quiet_hours.contains(at, settings.tz):
            when += " " + _("(quiet hours: it will wait until {end})").format(
                end=f"{settings.quiet_hours.end:%H:%M}"
            )
    else:
        when = _("now")
        quiet_now = settings.quiet_hours.contains(runtime.now(), settings.tz)
    summary = _("It will go to {count} recipients ({audience}), {when}.").format(
        count=number(count, context.lang), audience=audience, when=when
    )
    confirm = _("✅ Confirm")
    if quiet_now:
        summary += "\n\n" + _(
            "It is quiet hours ({span}) now. People may be asleep: send anyway?"
        ).format(span=str(settings.quiet_hours))
        confirm = _("✅ Send anyway")
    keyboard = InlineKeyboardMarkup(
        [
            [COMPOSE.button(draft, confirm, "confirm", "quiet" if quiet_now else "ok")],
            [
                COMPOSE.button(draft, _("✏️ Edit"), "edit"),
                COMPOSE.button(draft, _("✖️ Cancel"), "cancel"),
            ],
        ]
    )
    await say(update, context, summary, keyboard)
    return PREVIEW


@officer_only
async def confirm_pressed(update: Update, context: BotContext) -> int:
    draft = COMPOSE.of(context)
    own_ward = scope_segment(context)
    if own_ward is not None and draft.get("segment") != own_ward:
        # The scope was narrowed while writing: refused (the press answered once), and over.
        await refuse(update, context, "broadcast.create", context._(CITY_WIDE_ONLY))
        return COMPOSE.end(context)
    args = await COMPOSE.pressed(update, context, "confirm")
    if args is None:
        return PREVIEW
    runtime = context.runtime
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    if args == ["quiet"]:
        draft["quiet_exempt"] = True
    broadcast = await create_broadcast(
        runtime.db, draft_broadcast(draft, runtime, user.id), runtime.now()
    )
    COMPOSE.end(context)
    await runtime.audit(
        user.id, "broadcast.create", target=f"broadcast:{broadcast.id}", detail=broadcast.segment
    )
    engine = engine_of(context)
    _ = context._
    if draft.get("at"):
        engine.arm(broadcast)
        await say(
            update,
            context,
            _("🕒 Announcement #{id} is scheduled for {time}. /broadcasts lists it.").format(
                id=broadcast.id,
                time=local_datetime(broadcast.scheduled_at, context.lang, runtime.settings.tz),
            ),
        )
    else:
        engine.wake()
    log.info("officer queued broadcast %d", broadcast.id)
    return ConversationHandler.END


@officer_only
async def edit_pressed(update: Update, context: BotContext) -> int:
    if await COMPOSE.pressed(update, context, "edit") is None:
        return PREVIEW
    _ = context._
    draft = COMPOSE.of(context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                COMPOSE.button(draft, _("The message"), "step", "text"),
                COMPOSE.button(draft, _("The audience"), "step", "segment"),
                COMPOSE.button(draft, _("The time"), "step", "when"),
            ]
        ]
    )
    await say(update, context, _("What would you like to change?"), keyboard)
    return EDIT


@officer_only
async def step_pressed(update: Update, context: BotContext) -> int:
    args = await COMPOSE.pressed(update, context, "step")
    if args is None:
        return EDIT
    if args == ["text"]:
        COMPOSE.of(context)["editing"] = False  # the message is followed by its English version
        return await ask_text(update, context)
    if args == ["segment"]:
        return await ask_segment(update, context)
    return await ask_when(update, context)


@officer_only
async def cancel_pressed(update: Update, context: BotContext) -> int:
    if await COMPOSE.pressed(update, context, "cancel") is None:
        return PREVIEW
    return await cancel(update, context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: drop the draft."""
    COMPOSE.end(context)
    MOVE.end(context)
    await say(update, context, context._("The announcement is cancelled; nothing was sent."))
    return ConversationHandler.END


def repeat(state: int) -> Any:
    async def again(update: Update, context: BotContext) -> int:
        await say(update, context, context._("Please answer the question above, or type /cancel."))
        return state

    return again


def composer() -> ConversationHandler[BotContext]:
    def answers(state: int, *handlers: BaseHandler[Update, BotContext, Any]) -> list[Any]:
        return [
            *handlers,
            CommandHandler("cancel", cancel),
            MessageHandler(filters.UpdateType.MESSAGE, repeat(state)),
        ]

    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            name="broadcast",
            persistent=True,
            allow_reentry=True,
            entry_points=[CommandHandler("broadcast", start)],
            states={
                TEXT: answers(TEXT, MessageHandler(text | filters.PHOTO, text_given)),
                TEXT_EN: answers(
                    TEXT_EN,
                    MessageHandler(text | filters.PHOTO, text_en_given),
                    CallbackQueryHandler(text_en_skipped, COMPOSE.pattern),
                ),
                SEGMENT: answers(SEGMENT, CallbackQueryHandler(segment_pressed, COMPOSE.pattern)),
                WARD: answers(
                    WARD,
                    MessageHandler(text, ward_typed),
                    CallbackQueryHandler(ward_pressed, COMPOSE.pattern),
                ),
                CATEGORY: answers(
                    CATEGORY, CallbackQueryHandler(category_pressed, COMPOSE.pattern)
                ),
                WHEN: answers(WHEN, CallbackQueryHandler(when_pressed, COMPOSE.pattern)),
                AT: answers(AT, MessageHandler(text, at_typed)),
                PREVIEW: answers(
                    PREVIEW,
                    CallbackQueryHandler(confirm_pressed, r"^bc:[0-9a-f]+:confirm:"),
                    CallbackQueryHandler(edit_pressed, r"^bc:[0-9a-f]+:edit$"),
                    CallbackQueryHandler(cancel_pressed, r"^bc:[0-9a-f]+:cancel$"),
                ),
                EDIT: answers(EDIT, CallbackQueryHandler(step_pressed, COMPOSE.pattern)),
            },
            fallbacks=[CommandHandler("cancel", cancel)],
        )


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
    own_ward = scope_segment(context)
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
            audience=segment_text(runtime, item.segment, _),
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
    own_ward = scope_segment(context)
    if own_ward is not None:
        target = await get_broadcast(context.runtime.db, broadcast_id)
        if target is None or target.segment != own_ward:
            known = action if action in CONTROL_ACTIONS else "control"
            await refuse(update, context, f"broadcast.{known}", _(CITY_WIDE_ONLY))
            return None
    engine = engine_of(context)
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
    user = update.effective_user
    await context.runtime.audit(
        user.id if user else None, f"broadcast.{action}", target=f"broadcast:{broadcast_id}"
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
    own_ward = scope_segment(context)
    target = await get_broadcast(runtime.db, broadcast_id)
    user = update.effective_user
    if own_ward is not None and (target is None or target.segment != own_ward):
        await refuse(update, context, "broadcast.move", _(CITY_WIDE_ONLY))
        return ConversationHandler.END
    if not await reschedule(runtime.db, broadcast_id, moment):
        await say(
            update, context, _("Announcement #{id} can no longer be moved.").format(id=broadcast_id)
        )
        return ConversationHandler.END
    await runtime.audit(
        user.id if user else None,
        "broadcast.move",
        target=f"broadcast:{broadcast_id}",
        detail=moment.isoformat(),
    )
    moved = await get_broadcast(runtime.db, broadcast_id)
    if moved is not None:
        engine_of(context).arm(moved)
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
                    CommandHandler("cancel", cancel),
                    MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, repeat(MOVE_AT)),
                ]
            },
            fallbacks=[CommandHandler("cancel", cancel)],
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
        lang = await self._lang(broadcast.created_by)
        _ = gettext_for(lang)
        when = local_datetime(broadcast.scheduled_at, lang, self.runtime.settings.tz)
        await self.bot.send_message(
            broadcast.created_by,
            _(
                "⚠️ Announcement #{id}, scheduled for {time}, was not sent: the bot was down "
                "for too long. Nothing went out; /broadcast to send it again."
            ).format(id=broadcast.id, time=when),
        )


def broadcast_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        composer(),
        mover(),
        CommandHandler("broadcasts", list_broadcasts),
        CommandHandler("campaign", campaign_calendar),
    ]
