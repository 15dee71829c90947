"""Data kept by the emulator: simulated users, chats, bot messages, files, callback queries."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SimUser:
    """A simulated Telegram user; their private chat with the bot has id == user_id."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    blocked: bool = False
    deactivated: bool = False

    def to_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def to_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.user_id, "type": "private"}
        chat["first_name"] = self.first_name
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


def _button_text(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent to a chat, reflecting later edits."""

    message_id: int
    chat_id: int
    text: str | None
    entities: list[dict[str, Any]] | None
    reply_markup: dict[str, Any] | None
    kind: str  # "text" | "photo" | "document"
    file_name: str | None = None
    deleted: bool = False
    edited: int = 0
    date: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup and isinstance(self.reply_markup.get("inline_keyboard"), list):
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def buttons(self) -> list[str]:
        """Flat list of inline button texts."""
        return [_button_text(b) for row in self.inline_keyboard for b in row]

    @property
    def button_rows(self) -> list[list[str]]:
        """Inline button texts, row by row."""
        return [[_button_text(b) for b in row] for row in self.inline_keyboard]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Reply keyboard button texts, row by row (empty unless a ReplyKeyboardMarkup)."""
        if self.reply_markup and isinstance(self.reply_markup.get("keyboard"), list):
            return [[_button_text(b) for b in row] for row in self.reply_markup["keyboard"]]
        return []

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "text": self.text,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "kind": self.kind,
            "file_name": self.file_name,
            "deleted": self.deleted,
            "edited": self.edited,
            "date": self.date,
        }


@dataclass(slots=True)
class CallbackRecord:
    """A callback query the user produced, and the bot's answer to it."""

    query_id: str
    user_id: int
    message_id: int
    data: str | None
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass(slots=True)
class FileInfo:
    """A file known to the emulator; ``content`` is None when its bytes were not kept (a file
    sent by HTTP URL, or one over the 20 MB a bot may download)."""

    file_id: str
    file_unique_id: str
    file_size: int
    file_name: str | None
    file_path: str
    content: bytes | None = field(default=None, repr=False)
    mime_type: str | None = None


@dataclass(slots=True)
class ChatState:
    """Per-chat bookkeeping (private chats only)."""

    user: SimUser
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)  # bot messages by id
    reply_keyboard: dict[str, Any] | None = None  # current ReplyKeyboardMarkup
    pending: deque[float] = field(default_factory=deque)  # enqueue times awaiting an answer
    callbacks: list[CallbackRecord] = field(default_factory=list)

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid
