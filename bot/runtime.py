"""What every handler needs besides the update: settings, the database, the clock, languages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.channels.telegram.memory import BoundedCache
from bot.channels.telegram.pacing import SendPacer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.outbox.broadcast_engine import BroadcastEngine
    from bot.outbox.mailer import PledgeMailer
from bot.domain.roles import ADMIN, CITIZEN, Access
from storage import Database
from storage.audit import record
from storage.officers import get_officer
from storage.users import ensure_user


class Closable(Protocol):
    """An HTTP client the bot opened (PTB's requests): closed at the end even after a failed
    start."""

    async def shutdown(self) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = utc_now
    admin_ids: set[int] = field(default_factory=set)
    engine: BroadcastEngine | None = None
    mailer: PledgeMailer | None = None
    pacer: SendPacer = field(default_factory=SendPacer)
    requests: list[Closable] = field(default_factory=list)
    _languages: BoundedCache[int, str] = field(default_factory=BoundedCache)
    _seen_on: BoundedCache[int, date] = field(default_factory=BoundedCache)

    def __post_init__(self) -> None:
        self.admin_ids |= set(self.settings.admin_ids)

    async def close_requests(self) -> None:
        for request in self.requests:
            await request.shutdown()
        if self.engine is not None:
            await self.engine.bot.shutdown()

    def broadcast_engine(self) -> BroadcastEngine:
        if self.engine is None:
            raise RuntimeError("the broadcast engine is not running")
        return self.engine

    def now(self) -> datetime:
        return self.clock()

    async def language_of(self, user_id: int, telegram_code: str | None) -> str:
        """The user's language: kept choice, else Telegram's when vi or en, else the default."""
        cached = self._languages.get(user_id)
        today = self.now().date()
        if cached and self._seen_on.get(user_id) == today:
            return cached
        # Once a day per user, last_seen_at is written too: retention counts silence from it.
        code = (telegram_code or "").split("-")[0].lower()
        first_guess = code if code in ("vi", "en") else self.settings.default_language
        language = await ensure_user(self.db, user_id, cached or first_guess, self.now())
        self._languages[user_id] = language
        self._seen_on[user_id] = today
        return language

    def remember_language(self, user_id: int, language: str) -> None:
        self._languages[user_id] = language

    def forget(self, user_id: int) -> None:
        """Drop what is cached about someone whose data was erased or purged."""
        self._languages.pop(user_id, None)
        self._seen_on.pop(user_id, None)

    async def access(self, user_id: int) -> Access:
        """Checked at every use, never cached: admins from settings, the rest from the database."""
        if user_id in self.admin_ids:
            return Access(user_id, ADMIN)
        officer = await get_officer(self.db, user_id)
        if officer is None:
            return Access(user_id, CITIZEN)
        return Access(user_id, officer.role, officer.ward_code, officer.ward_name)

    async def is_officer(self, user_id: int) -> bool:
        return (await self.access(user_id)).is_officer

    async def audit(
        self,
        actor: int | None,
        action: str,
        outcome: str = "ok",
        target: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Record an officer's action or a refusal in the audit trail."""
        await record(self.db, actor, action, outcome, self.now(), target, detail)
