"""Officers' announcements: the /broadcast composer, /broadcasts, and the engine's messages."""

from __future__ import annotations

import logging
import warnings
from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.access import (
    CITY_WIDE_ONLY,
    officer_only,
    refuse,
)
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import Draft, DraftKind, say
from bot.channels.telegram.journeys import one_at_a_time
from bot.domain.members import CATEGORY_LABELS
from bot.domain.wards import MAX_CHOICES, search_wards
from bot.domain.when import parse_local_datetime
from bot.i18n import local_datetime, number
from bot.outbox.announcement import render, send_rendered
from bot.runtime import Runtime
from bot.segments import segment_text
from storage.broadcasts import Broadcast, BroadcastDraft, audience_size, create_broadcast

log = logging.getLogger(__name__)

COMPOSE = DraftKind("bc")

TEXT, TEXT_EN, SEGMENT, WARD, CATEGORY, WHEN, AT, PREVIEW, EDIT = range(100, 109)

CAPTION_MAX = 1024


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


async def ask_segment(update: Update, context: BotContext) -> int:
    _ = context._
    draft = COMPOSE.of(context)
    own_ward = context.access.own_segment if context.access else None
    if own_ward is not None:
        draft["segment"] = own_ward
        await say(
            update,
            context,
            _("It goes to {audience}: you work for that commune or ward.").format(
                audience=segment_text(own_ward, _, context.runtime.settings.province_code)
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
    if (context.access.own_segment if context.access else None) is not None:
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
    if (context.access.own_segment if context.access else None) is not None:
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
    if (context.access.own_segment if context.access else None) is not None:
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


def draft_broadcast(
    draft: Draft, runtime: Runtime, officer: int, chat: int | None = None
) -> BroadcastDraft:
    """The announcement `officer` (a person) composed; progress is shown in `chat`."""
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
        progress_chat=chat,
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
    chat = update.effective_chat
    assert chat is not None
    draft = COMPOSE.of(context)
    draft["editing"] = True
    draft_preview = preview_of(draft, runtime, context.person)
    await say(update, context, _("Preview: recipients will see exactly this."))
    await preview(context, chat.id, draft_preview, "vi")
    if draft_preview.text_en:
        await say(update, context, _("Users who chose English will see:"))
        await preview(context, chat.id, draft_preview, "en")
    count = await audience_size(runtime.db, draft["segment"])
    audience = segment_text(draft["segment"], _, context.runtime.settings.province_code)
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
    own_ward = context.access.own_segment if context.access else None
    if own_ward is not None and draft.get("segment") != own_ward:
        # The scope was narrowed while writing: refused (the press answered once), and over.
        await refuse(update, context, "broadcast.create", context._(CITY_WIDE_ONLY))
        return COMPOSE.end(context)
    args = await COMPOSE.pressed(update, context, "confirm")
    if args is None:
        return PREVIEW
    runtime = context.runtime
    chat = update.effective_chat
    assert chat is not None
    if args == ["quiet"]:
        draft["quiet_exempt"] = True
    broadcast = await create_broadcast(
        runtime.db, draft_broadcast(draft, runtime, context.person, chat.id), runtime.now()
    )
    COMPOSE.end(context)
    await runtime.audit(
        context.person,
        "broadcast.create",
        target=f"broadcast:{broadcast.id}",
        detail=broadcast.segment,
    )
    engine = context.runtime.broadcast_engine()
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


def broadcast_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        composer(),
    ]
