"""Test helpers: a controllable clock, and a simulated user chatting with the real bot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.channels.telegram.pacing import SendPacer
from bot.devtools.emulator import SentMessage
from bot.devtools.local import LocalBot
from storage import Database
from storage.members import MemberInput, record_consent, save_member
from storage.people import ensure_person, person_for_account


@dataclass
class FakeClock:
    moment: datetime = field(default_factory=lambda: datetime(2026, 10, 2, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Chat:
    """One simulated Telegram user; every action waits until the bot has fully answered."""

    local: LocalBot
    user_id: int
    name: str = "An"
    phone: str = "+84912345678"
    language_code: str = "vi"
    _mark: int = 0

    def __post_init__(self) -> None:
        self.local.emulator.add_user(
            self.user_id,
            first_name=self.name,
            language_code=self.language_code,
            phone=self.phone,
        )

    @property
    def messages(self) -> list[SentMessage]:
        return self.local.emulator.messages(self.user_id)

    @property
    def last(self) -> SentMessage:
        message = self.local.emulator.last_message(self.user_id)
        assert message is not None, "the bot has sent nothing"
        return message

    def replies(self) -> list[str]:
        """Texts the bot sent since the last action."""
        return [m.text or "" for m in self.messages[self._mark :]]

    def reply_text(self) -> str:
        return "\n".join(self.replies())

    def last_buttons(self) -> list[str]:
        with_buttons = [m for m in self.messages if m.buttons and not m.deleted]
        return with_buttons[-1].buttons if with_buttons else []

    async def _settled(self) -> None:
        await self.local.settle()

    async def send(self, text: str) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.send_text(self.user_id, text)
        await self._settled()
        return self.replies()

    async def send_document(
        self, file_name: str, content: bytes, mime_type: str = "text/csv"
    ) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.send_document(self.user_id, file_name, content, mime_type)
        await self._settled()
        return self.replies()

    async def press(self, label: str, message_id: int | None = None) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.press(self.user_id, message_id, button=label)
        await self._settled()
        return self.replies()

    async def press_data(self, data: str, message_id: int) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.press(self.user_id, message_id, data=data)
        await self._settled()
        return self.replies()

    async def share_contact(self, **kwargs: object) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.send_contact(self.user_id, **kwargs)  # type: ignore[arg-type]
        await self._settled()
        return self.replies()

    async def reply_button(self, label: str) -> list[str]:
        self._mark = len(self.messages)
        await self.local.emulator.reply_button(self.user_id, label)
        await self._settled()
        return self.replies()

    def toasts(self) -> list[str | None]:
        return self.local.emulator.callback_answers(self.user_id)


async def eventually(
    check: Callable[[], Awaitable[bool] | bool],
    timeout: float = 15.0,  # noqa: ASYNC109 - a deadline for polling, not for one await
    every: float = 0.05,
) -> None:
    """Wait until `check` holds (the engine works in the background); fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        outcome = check()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {check}")
        await asyncio.sleep(every)


async def seed_member(
    db: Database,
    telegram_id: int,
    *,
    ward_code: int = 11341,
    ward_name: str = "Phường Ngô Quyền",
    category: str = "teacher",
    language: str = "vi",
    at: datetime | None = None,
) -> int:
    """A Telegram user who has started the bot and joined, written straight through storage;
    returns their person id."""
    moment = at or datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    person = (await ensure_person(db, "telegram", str(telegram_id), language, moment)).id
    consent = await record_consent(db, person, "membership", "2026-11", True, moment)
    data = MemberInput(
        full_name=f"Hội viên {telegram_id}",
        phone=f"+8491{telegram_id % 10_000_000:07d}",
        birth_year=1980,
        ward_code=ward_code,
        ward_name=ward_name,
        category=category,
    )
    await save_member(db, person, data, consent, "HP", moment)
    return person


async def same_ids(db: Database, telegram_id: int) -> int:
    """For storage tests that name people by number: the Telegram account `telegram_id` and
    its person share the number (as after the migration from Telegram ids)."""
    await db.execute(
        "INSERT OR IGNORE INTO people (id, created_at) VALUES (?, '2026-10-01 00:00:00')",
        (telegram_id,),
    )
    await db.execute(
        "INSERT OR IGNORE INTO accounts (channel, external_id, person_id, created_at)"
        " VALUES ('telegram', ?, ?, '2026-10-01 00:00:00')",
        (str(telegram_id), telegram_id),
    )
    return telegram_id


async def person(db: Database, telegram_id: int) -> int:
    """The person behind a Telegram account, created when it never wrote."""
    moment = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    return await person_for_account(db, "telegram", str(telegram_id), moment)


def with_telegram(table: str) -> str:
    """SELECT every column of `table` and, as telegram_id, the Telegram account of the row's
    person (NULL once erased): what tests compare with the chats they drove."""
    return (
        f"SELECT {table}.*, (SELECT CAST(a.external_id AS INTEGER) FROM accounts AS a"
        f" WHERE a.person_id = {table}.person_id AND a.channel = 'telegram') AS telegram_id"
        f" FROM {table}"
    )


# The audit as tests name people: actors as their Telegram account, and a target naming a
# person as 'account:<Telegram id>'. Use it as a table: f"SELECT ... FROM {AUDIT} ...".
AUDIT = (
    "(SELECT id, at, (SELECT CAST(a.external_id AS INTEGER) FROM accounts AS a"
    " WHERE a.person_id = audit.actor AND a.channel = 'telegram') AS actor, action,"
    " CASE WHEN target GLOB 'person:*' THEN 'account:' || (SELECT a.external_id FROM accounts"
    " AS a WHERE a.person_id = CAST(substr(target, 8) AS INTEGER) AND a.channel = 'telegram')"
    " ELSE target END AS target, outcome, detail FROM audit) AS audit"
)

# In SQL: the person of the Telegram account given as the parameter.
PERSON_OF = "(SELECT person_id FROM accounts WHERE channel = 'telegram' AND external_id = ?)"


def fast_pacer() -> SendPacer:
    """A send pacer that never makes a test wait: the emulator enforces no limits by default.
    Tests of pacing itself use the real one (tests/e2e/test_bursts.py)."""
    return SendPacer(per_second=100_000, chat_per_second=100_000.0, chat_burst=1000)
