"""The CallbackContext every handler receives: the runtime and the user's language."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.roles import Access
from bot.i18n import Gettext, gettext_for, translations
from bot.runtime import Runtime


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[Any, Any], dict[str, Any]]):
    """Adds the runtime, and the person and language resolved once per update by
    `bot.channels.telegram.identity.identify`."""

    lang: str = "vi"
    person_id: int | None = None
    access: Access | None = None  # set by the guards in bot/channels/telegram/access.py

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.lang = application.bot_data["runtime"].settings.default_language

    @property
    def runtime(self) -> Runtime:
        return self.application.bot_data["runtime"]

    @property
    def person(self) -> int:
        """The person who sent this update (every private update has one)."""
        if self.person_id is None:
            raise RuntimeError("no person resolved for this update")
        return self.person_id

    @property
    def _(self) -> Gettext:
        return gettext_for(self.lang)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)
