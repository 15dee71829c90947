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
from storage.people import Person, accounts_of, ensure_person


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
    _people: BoundedCache[tuple[str, str], int] = field(default_factory=BoundedCache)
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

    async def identify(self, channel: str, external_id: str, language_hint: str | None) -> Person:
        """The person behind a messenger account, created on first contact, and their language:
        the kept choice, else the messenger's when vi or en, else the default."""
        account = (channel, external_id)
        today = self.now().date()
        person_id = self._people.get(account)
        if person_id is not None and self._seen_on.get(person_id) == today:
            language = self._languages.get(person_id)
            if language:
                return Person(person_id, language)
        # Once a day per person, last_seen_at is written too: retention counts silence from it.
        code = (language_hint or "").split("-")[0].lower()
        first_guess = code if code in ("vi", "en") else self.settings.default_language
        cached = self._languages.get(person_id) if person_id is not None else None
        person = await ensure_person(
            self.db, channel, external_id, cached or first_guess, self.now()
        )
        self._people[account] = person.id
        self._languages[person.id] = person.language
        self._seen_on[person.id] = today
        return person

    def remember_language(self, person_id: int, language: str) -> None:
        self._languages[person_id] = language

    def forget(self, person_id: int) -> None:
        """Drop what is cached about someone whose data was erased or purged."""
        self._people.drop_value(person_id)
        self._languages.pop(person_id, None)
        self._seen_on.pop(person_id, None)

    async def is_settings_admin(self, person_id: int) -> bool:
        """Whether one of the person's accounts is named in ADMIN_IDS (Telegram ids)."""
        if not self.admin_ids:
            return False
        return any(
            account.channel == "telegram"
            and account.external_id.isdigit()
            and int(account.external_id) in self.admin_ids
            for account in await accounts_of(self.db, person_id)
        )

    async def access(self, person_id: int) -> Access:
        """Checked at every use, never cached: admins from settings, the rest from the database."""
        if await self.is_settings_admin(person_id):
            return Access(person_id, ADMIN)
        officer = await get_officer(self.db, person_id)
        if officer is None:
            return Access(person_id, CITIZEN)
        return Access(person_id, officer.role, officer.ward_code, officer.ward_name)

    async def is_officer(self, person_id: int) -> bool:
        return (await self.access(person_id)).is_officer

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
