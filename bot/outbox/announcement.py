"""What one recipient of an announcement receives: text or photo, entities, and two buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
)

from bot.channels.telegram.keyboards import MENU_JOIN, MENU_PLEDGE
from bot.i18n import gettext_for
from storage.broadcasts import Broadcast

UNSUBSCRIBE = "sub:stop"
LOCAL_FILE = "file:"  # a photo not yet uploaded: "file:/path/to/photo.jpg"
ACTIONS = ("join", "pledge")


@dataclass(frozen=True)
class Rendered:
    text: str
    entities: list[MessageEntity] | None
    markup: InlineKeyboardMarkup
    photo: str | None


def markup(action: str | None, lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    rows: list[list[InlineKeyboardButton]] = []
    if action == "join":
        rows.append([InlineKeyboardButton(_("📝 Join the Association"), callback_data=MENU_JOIN)])
    elif action == "pledge":
        rows.append([InlineKeyboardButton(_("💝 Pledge to the fund"), callback_data=MENU_PLEDGE)])
    rows.append([InlineKeyboardButton(_("🔕 Stop announcements"), callback_data=UNSUBSCRIBE)])
    return InlineKeyboardMarkup(rows)


async def send_rendered(
    bot: Bot,
    chat_id: int,
    content: Rendered,
    photo: str | InputFile | None = None,
    **extra: Any,
) -> Message:
    """Send what one recipient receives; the officer's preview goes through here too, so it
    is exactly what recipients see. `photo` overrides the content's (a file to upload)."""
    picture = photo if photo is not None else content.photo
    if picture:
        return await bot.send_photo(
            chat_id,
            picture,
            caption=content.text,
            caption_entities=content.entities,
            reply_markup=content.markup,
            **extra,
        )
    return await bot.send_message(
        chat_id, content.text, entities=content.entities, reply_markup=content.markup, **extra
    )


def entities_of(raw: list[dict[str, Any]] | None) -> list[MessageEntity] | None:
    if not raw:
        return None
    return [MessageEntity.de_json(entity, None) for entity in raw]


def render(broadcast: Broadcast, lang: str) -> Rendered:
    """English readers get the English version when there is one; everyone else Vietnamese."""
    if lang == "en" and broadcast.text_en:
        text, raw = broadcast.text_en, broadcast.entities_en
    else:
        text, raw = broadcast.text_vi, broadcast.entities_vi
    return Rendered(text, entities_of(raw), markup(broadcast.action, lang), broadcast.photo)
