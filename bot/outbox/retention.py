"""Retention: the data of people who never completed a flow is deleted after RETENTION_DAYS.

Also `forget_user`, which drops what the running Application keeps in memory about someone
whose data was erased or purged, so that persistence does not write it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext, ConversationHandler, JobQueue

from bot.settings import Settings
from storage import Database
from storage.privacy import purge_inactive_users

log = logging.getLogger(__name__)

JOB_NAME = "retention"
EVERY = timedelta(days=1)
FIRST_RUN = timedelta(minutes=2)  # after a start, once the bot has settled
# APScheduler's default grace of 1 s would silently skip a run that starts late.
MISFIRE_GRACE = int(timedelta(hours=6).total_seconds())

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _conversation_handlers(application: AnyApplication) -> list[ConversationHandler[Any]]:
    found: list[ConversationHandler[Any]] = []
    for handlers in application.handlers.values():
        found += [h for h in handlers if isinstance(h, ConversationHandler)]
    return found


def end_conversations(application: AnyApplication, user_id: int, names: Collection[str]) -> int:
    """End the user's open conversations of the named handlers (their timeouts too); PTB has
    no public way to end one user's conversation from outside it, so this does what PTB does
    on END. Returns how many were open."""
    ended = 0
    for handler in _conversation_handlers(application):
        if handler.name not in names:
            continue
        states = handler._conversations
        for key in [k for k in states if user_id in k]:
            job = handler.timeout_jobs.pop(key, None)
            if job is not None:
                job.schedule_removal()
            states.pop(key, None)
            ended += 1
    return ended


def forget_user(application: AnyApplication, person_id: int, telegram_ids: Collection[int]) -> None:
    """Drop the person's data held in memory: the drafts (user_data) and open conversations
    (with their timeouts) of their Telegram accounts, and what the runtime caches. Persistence
    then deletes the stored copies at its next run; call `application.update_persistence()` to
    make it now."""
    names = [str(h.name) for h in _conversation_handlers(application)]
    for user_id in telegram_ids:
        user_data = application.user_data.get(user_id)
        if user_data is not None:
            user_data.clear()
        application.drop_user_data(user_id)
        # The deletions reach persistence as None states at its next run.
        end_conversations(application, user_id, names)
    runtime = application.bot_data.get("runtime")
    if runtime is not None:
        # Their next update then starts a new person, in the language Telegram reports.
        runtime.forget(person_id)


class RetentionJob:
    """Once a day: purge the accounts that never completed a flow (see storage.privacy)."""

    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock

    def start(self, job_queue: JobQueue[Any] | None) -> None:
        """Arm the daily run (nothing to arm when RETENTION_DAYS is 0). Runs are idempotent,
        so a restart simply runs one soon again: no schedule needs keeping in SQLite."""
        if job_queue is None:
            raise RuntimeError("the retention purge needs PTB's job queue")
        if self.settings.retention_days <= 0:
            log.info("retention purge off (RETENTION_DAYS=0)")
            return
        for job in job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()
        job_queue.run_repeating(
            self._tick,
            interval=EVERY,
            first=FIRST_RUN,
            name=JOB_NAME,
            job_kwargs={"misfire_grace_time": MISFIRE_GRACE, "coalesce": True},
        )

    async def _tick(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await self.run(context.application)
        except Exception:
            # Tomorrow's run tries again; the error handler has nothing to tell a user.
            log.exception("retention purge failed")

    async def run(self, application: AnyApplication | None = None) -> int:
        """Purge now; returns how many accounts were purged."""
        purged = await purge_inactive_users(
            self.db,
            self.clock(),
            self.settings.retention_days,
            keep=[f"telegram:{admin}" for admin in self.settings.admin_ids],
        )
        if application is not None and purged:
            for person in purged:
                forget_user(application, person.person_id, person.telegram_ids)
            await application.update_persistence()
        # Counts only: Telegram ids would keep the purged people in the logs.
        log.info("retention purge: %d accounts deleted", len(purged))
        return len(purged)
