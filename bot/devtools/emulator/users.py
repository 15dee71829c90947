"""What the emulator's simulated users do: write, share a contact, send a file, press a
button; and what tests read back of their chats. Mixed into BotApiEmulator (server.py)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from bot.devtools.emulator.formatting import utf16_len
from bot.devtools.emulator.state import (
    CallbackRecord,
    ChatState,
    FileInfo,
    SentMessage,
    SimUser,
)

CAPTION_LIMIT = 1024


class SimulatedUsers:
    """The users' side of the emulator; the state it reads is created by BotApiEmulator."""

    bot_id: int
    users: dict[int, SimUser]
    stats: dict[str, Any]
    _chats: dict[int, ChatState]
    _queue: deque[tuple[int, dict[str, Any]]]
    _next_update_id: int
    _has_updates: asyncio.Event
    _idle: asyncio.Event
    _callbacks: dict[str, CallbackRecord]
    _next_query: int
    _files: dict[str, FileInfo]
    _latencies: list[float]

    @property
    def bot_user(self) -> dict[str, Any]:
        raise NotImplementedError

    def _new_file(
        self,
        size: int,
        name: str | None,
        content: bytes | None = None,
        mime_type: str | None = None,
    ) -> FileInfo:
        raise NotImplementedError

    @staticmethod
    def _document_of(info: FileInfo) -> dict[str, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------------ users and chats

    def add_user(
        self,
        user_id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        phone: str | None = None,
    ) -> SimUser:
        """Register a user (idempotent per id: re-adding updates the profile)."""
        user = SimUser(user_id, first_name, last_name, username, language_code, phone)
        old = self._chats.get(user_id)
        if old is not None:
            user.blocked, user.deactivated = old.user.blocked, old.user.deactivated
            old.user = user
        else:
            self._chats[user_id] = ChatState(user)
        self.users[user_id] = user
        return user

    def _chat(self, user_id: int) -> ChatState:
        chat = self._chats.get(user_id)
        if chat is None:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        return chat

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        self._chat(user_id).user.blocked = blocked

    def set_deactivated(self, user_id: int, deactivated: bool = True) -> None:
        self._chat(user_id).user.deactivated = deactivated

    def block_bot(self, user_id: int, blocked: bool = True) -> int:
        """The user blocks (or unblocks and restarts) the bot: from now on sends answer 403 (or
        work again), and the bot gets a my_chat_member update, as from Telegram."""
        chat = self._chat(user_id)
        chat.user.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")

        def member(status: str) -> dict[str, Any]:
            state: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                state["until_date"] = 0
            return state

        change = {
            "chat": chat.user.to_chat(),
            "from": chat.user.to_user(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._enqueue(None, {"my_chat_member": change})

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to the chat, in order, reflecting edits and deletions."""
        chat = self._chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def last_message(self, chat_id: int) -> SentMessage | None:
        chat = self._chats.get(chat_id)
        if not chat or not chat.messages:
            return None
        return next(reversed(chat.messages.values()))

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes of a file the bot uploaded or a user sent (None: unknown file_id, or
        its bytes were not kept: given by URL, or over 20 MB)."""
        info = self._files.get(file_id)
        return info.content if info is not None else None

    def callback_queries(self, user_id: int) -> list[CallbackRecord]:
        return list(self._chat(user_id).callbacks)

    def callback_answers(self, user_id: int) -> list[str | None]:
        """Texts of answerCallbackQuery for this user's answered queries, in query order."""
        return [c.text for c in self._chat(user_id).callbacks if c.answered]

    def current_reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        markup = self._chat(chat_id).reply_keyboard
        if markup is None:
            return None
        return [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in markup["keyboard"]
        ]

    # ------------------------------------------------------------------ user actions

    def _enqueue(self, chat: ChatState | None, body: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **body}
        self._queue.append((update_id, update))
        self.stats["updates"] += 1
        if chat is not None:
            chat.pending.append(time.monotonic())
        self._idle.clear()
        self._has_updates.set()
        return update_id

    def _user_message(self, chat: ChatState, fields: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": chat.new_message_id(),
            "from": chat.user.to_user(),
            "chat": chat.user.to_chat(),
            "date": int(time.time()),
            **fields,
        }

    def enqueue_message(self, user_id: int, fields: dict[str, Any]) -> int:
        """Enqueue a message update from the user with arbitrary Message fields."""
        chat = self._chat(user_id)
        return self._enqueue(chat, {"message": self._user_message(chat, fields)})

    def enqueue_text(self, user_id: int, text: str) -> int:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self.enqueue_message(user_id, fields)

    async def send_text(self, user_id: int, text: str) -> int:
        """The user sends ``text``; returns the update_id."""
        return self.enqueue_text(user_id, text)

    async def send_contact(
        self,
        user_id: int,
        phone: str | None = None,
        contact_user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> int:
        """Share a contact: the user's own phone by default, or someone else's."""
        user = self._chat(user_id).user
        if phone is None:
            if user.phone is None:
                raise ValueError(f"user {user_id} has no phone")
            contact: dict[str, Any] = {
                "phone_number": user.phone,
                "first_name": first_name or user.first_name,
                "user_id": user_id,
            }
            if last_name or user.last_name:
                contact["last_name"] = last_name or user.last_name
        else:
            contact = {"phone_number": phone, "first_name": first_name or "Contact"}
            if last_name:
                contact["last_name"] = last_name
            if contact_user_id is not None:
                contact["user_id"] = contact_user_id
        return self.enqueue_message(user_id, {"contact": contact})

    def enqueue_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "text/csv",
        caption: str | None = None,
    ) -> int:
        """The user sends a file: a message with a ``document`` the bot can getFile and download
        (bytes over 20 MB are not kept, and getFile refuses them, as Telegram does)."""
        self._chat(user_id)  # an unknown user fails before a file is made
        if caption is not None and len(caption) > CAPTION_LIMIT:
            raise ValueError(f"caption longer than {CAPTION_LIMIT} characters")
        info = self._new_file(len(content), file_name, bytes(content), mime_type)
        fields: dict[str, Any] = {"document": self._document_of(info)}
        if caption:
            fields["caption"] = caption
        return self.enqueue_message(user_id, fields)

    async def send_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "text/csv",
        caption: str | None = None,
    ) -> int:
        """The user sends the file ``file_name`` holding ``content``; returns the update_id."""
        return self.enqueue_document(user_id, file_name, content, mime_type, caption)

    def _find_keyboard_message(self, chat: ChatState, message_id: int | None) -> SentMessage:
        if message_id is None:
            for msg in reversed(chat.messages.values()):
                if not msg.deleted and msg.inline_keyboard:
                    return msg
            raise LookupError(f"no bot message with an inline keyboard in chat {chat.user.user_id}")
        found = chat.messages.get(message_id)
        if found is None or found.deleted:
            raise LookupError(f"no bot message {message_id} in chat {chat.user.user_id}")
        return found

    def enqueue_press(
        self,
        user_id: int,
        message_id: int | None = None,
        button: str | None = None,
        index: int | None = None,
        data: str | None = None,
    ) -> int:
        chat = self._chat(user_id)
        if data is None:
            msg = self._find_keyboard_message(chat, message_id)
            flat = [b for row in msg.inline_keyboard for b in row]
            chosen: dict[str, Any] | None = None
            if button is not None:
                chosen = next((b for b in flat if b.get("text") == button), None)
            elif index is not None and 0 <= index < len(flat):
                chosen = flat[index]
            if chosen is None:
                raise LookupError(
                    f"no button {button if button is not None else index!r} on message "
                    f"{msg.message_id}; buttons: {msg.buttons}"
                )
            if "callback_data" not in chosen:
                raise LookupError(f"button {chosen.get('text')!r} has no callback_data")
            data = str(chosen["callback_data"])
        else:
            if message_id is None:
                msg = self._find_keyboard_message(chat, None)
            else:
                found = chat.messages.get(message_id)
                if found is None:
                    raise LookupError(f"no bot message {message_id} in chat {user_id}")
                msg = found
        query_id = str(4_000_000_000_000_000 + self._next_query)
        self._next_query += 1
        record = CallbackRecord(query_id, user_id, msg.message_id, data)
        self._callbacks[query_id] = record
        chat.callbacks.append(record)
        query = {
            "id": query_id,
            "from": chat.user.to_user(),
            "message": dict(msg.raw),
            "chat_instance": str(-(abs(user_id * 7919 + self.bot_id) % 10**18)),
            "data": data,
        }
        return self._enqueue(chat, {"callback_query": query})

    async def press(
        self,
        user_id: int,
        message_id: int | None = None,
        button: str | None = None,
        index: int | None = None,
        data: str | None = None,
    ) -> int:
        """Press an inline button (by text or flat index) or forge ``data`` on a message."""
        return self.enqueue_press(user_id, message_id, button, index, data)

    def enqueue_reply_button(
        self, user_id: int, text: str | None = None, index: int | None = None
    ) -> int:
        chat = self._chat(user_id)
        markup = chat.reply_keyboard
        if markup is None:
            raise LookupError(f"no reply keyboard in chat {user_id}")
        flat = [b for row in markup["keyboard"] for b in row]
        chosen: Any = None
        if text is not None:
            chosen = next(
                (b for b in flat if (b if isinstance(b, str) else b.get("text")) == text), None
            )
        elif index is not None and 0 <= index < len(flat):
            chosen = flat[index]
        if chosen is None:
            labels = [b if isinstance(b, str) else b.get("text") for b in flat]
            raise LookupError(f"no reply button {text!r}; buttons: {labels}")
        if markup.get("one_time_keyboard"):
            chat.reply_keyboard = None
        if isinstance(chosen, dict) and chosen.get("request_contact"):
            user = chat.user
            if user.phone is None:
                raise ValueError(f"user {user_id} has no phone")
            contact: dict[str, Any] = {
                "phone_number": user.phone,
                "first_name": user.first_name,
                "user_id": user_id,
            }
            if user.last_name:
                contact["last_name"] = user.last_name
            return self.enqueue_message(user_id, {"contact": contact})
        label = chosen if isinstance(chosen, str) else str(chosen["text"])
        return self.enqueue_text(user_id, label)

    async def reply_button(
        self, user_id: int, text: str | None = None, index: int | None = None
    ) -> int:
        """Press a button of the chat's current reply keyboard."""
        return self.enqueue_reply_button(user_id, text, index)

    # ------------------------------------------------------------------ idle and latency

    @property
    def all_delivered_and_acked(self) -> bool:
        """True when every enqueued update was returned by getUpdates and acknowledged."""
        return not self._queue

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until all updates are acknowledged; raises TimeoutError otherwise."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    def reply_latencies(self) -> list[float]:
        """Seconds from each user update to the bot's next send/edit in that chat."""
        return list(self._latencies)

    def reset_latencies(self) -> None:
        self._latencies.clear()
        for chat in self._chats.values():
            chat.pending.clear()
