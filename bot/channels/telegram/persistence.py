"""PTB persistence kept in SQLite: conversation states and users' drafts survive a restart."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.channels.telegram.identity import CHANNEL
from storage import Database
from storage.persistence import load_conversations, load_drafts, save_batch

log = logging.getLogger(__name__)

UPDATE_INTERVAL = 1.0  # seconds; PTB's default of 60 would lose a minute of answers on a crash


class SQLitePersistence(BasePersistence[dict[str, Any], dict[Any, Any], dict[str, Any]]):
    """PTB hands over every user's data after each update, changed or not; writes are staged,
    skipped when nothing changed, and committed together in one transaction."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL,
        )
        self.db = db
        self.clock = clock
        self._drafts: dict[str, dict[str, Any] | None] = {}
        self._states: dict[tuple[str, str], Any] = {}
        self._written: dict[int, str] = {}
        self._flushing: asyncio.Task[None] | None = None

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        await self.db.open()
        drafts = {int(user): data for user, data in (await load_drafts(self.db, CHANNEL)).items()}
        self._written = {user: json.dumps(data, sort_keys=True) for user, data in drafts.items()}
        return drafts

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self.db.open()
        stored = await load_conversations(self.db, name, CHANNEL)
        # Private chats only: the chat id is the user's id.
        return {(int(user), int(user)): state for user, state in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        if len(key) != 2 or key[0] != key[1]:
            return  # not a private chat: the bot has no conversation there to keep
        self._states[(name, str(key[1]))] = new_state
        await self._commit_soon()

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        text = json.dumps(data, sort_keys=True) if data else ""
        if self._written.get(user_id, "") == text:
            if self._drafts or self._states:
                await self._commit_soon()  # what an earlier round could not write
            return
        if text:
            self._written[user_id] = text
        else:
            self._written.pop(user_id, None)  # nothing kept per person without a draft
        self._drafts[str(user_id)] = data or None
        await self._commit_soon()

    async def _commit_soon(self) -> None:
        """Join the commit under way, or start one that takes everything staged by then."""
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._commit())
        await asyncio.shield(self._flushing)

    async def _commit(self) -> None:
        await asyncio.sleep(0)  # let the other updates of this round stage theirs
        while self._drafts or self._states:
            drafts, self._drafts = self._drafts, {}
            states, self._states = self._states, {}
            try:
                await save_batch(self.db, CHANNEL, drafts, states, self.clock())
            except Exception:
                # Put them back (newer ones win) for the next round, within a second.
                self._drafts = {**drafts, **self._drafts}
                self._states = {**states, **self._states}
                log.exception("conversation state not saved yet; retrying")
                return

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        if user_id not in self._written and str(user_id) not in self._drafts:
            return  # nothing stored: the memory sweep drops empty entries by the thousand
        self._drafts[str(user_id)] = None
        self._written.pop(user_id, None)
        await self._commit_soon()

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        if self._drafts or self._states:
            await self._commit_soon()
