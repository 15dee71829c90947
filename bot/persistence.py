"""PTB persistence kept in SQLite: conversation states and users' drafts survive a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage import Database
from storage.persistence import (
    drop_draft,
    load_conversations,
    load_drafts,
    save_conversation,
    save_draft,
)

UPDATE_INTERVAL = 1.0  # seconds; PTB's default of 60 would lose a minute of answers on a crash


class SQLitePersistence(BasePersistence[dict[str, Any], dict[Any, Any], dict[str, Any]]):
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL,
        )
        self.db = db
        self.clock = clock

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        await self.db.open()
        return await load_drafts(self.db)

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self.db.open()
        stored = await load_conversations(self.db, name)
        return {tuple(json.loads(key)): state for key, state in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await save_conversation(self.db, name, json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await save_draft(self.db, user_id, data, self.clock())

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await drop_draft(self.db, user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
