"""The composition root: builds the Application and registers every handler in one ordered list."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.memory import start_sweeping
from bot.channels.telegram.pacing import SendPacer
from bot.channels.telegram.persistence import SQLitePersistence
from bot.channels.telegram.processing import PerUserUpdateProcessor
from bot.channels.telegram.retry import PacedLimiter
from bot.channels.telegram.transport import AiohttpRequest
from bot.i18n import check_catalogues, gettext_for
from bot.outbox.broadcast_engine import BroadcastEngine
from bot.outbox.mailer import PledgeMailer
from bot.outbox.retention import RetentionJob
from bot.runtime import Runtime, utc_now
from bot.settings import Settings
from handlers.broadcast import broadcast_handlers
from handlers.broadcast_control import OfficerViews, broadcast_control_handlers
from handlers.errors import on_error, slow_down
from handlers.honour import honour_handlers
from handlers.learning import learning_handlers
from handlers.learning_officers import learning_officer_handlers
from handlers.membership import membership_handlers
from handlers.officers import officer_handlers
from handlers.pledge import pledge_handlers
from handlers.pledge_officers import pledge_officer_handlers
from handlers.privacy import COMMAND_DESCRIPTIONS as PRIVACY_COMMANDS
from handlers.privacy import privacy_handlers
from handlers.reports import report_handlers
from handlers.roles import role_handlers
from handlers.start import (
    early_handlers,
    fallback_handlers,
    menu_handlers,
    private_only_handler,
)
from handlers.statements import statement_handlers
from handlers.subscription import subscription_handlers
from storage import Database

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, dict[str, Any], dict[Any, Any], dict[str, Any], Any]

CONNECTION_POOL = 16
# The update kinds the bot handles, in production, the sandbox and the tests alike.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
PUBLIC_COMMANDS = (
    "start",
    "join",
    "me",
    "pledge",
    "mypledges",
    "honour",
    "model",
    "mymodels",
    "privacy",
    "mydata",
    "delete",
    "language",
    "stop",
    "subscribe",
    "help",
    "cancel",
)


def command_descriptions(lang: str) -> list[BotCommand]:
    _ = gettext_for(lang)
    texts = {
        "start": _("Main menu"),
        "join": _("Join the Study Promotion Association"),
        "me": _("My membership card"),
        "pledge": _("Pledge to a study-promotion fund"),
        "mypledges": _("My pledges"),
        "honour": _("The honour roll of donors"),
        "model": _("Register a learning family, clan, community or unit"),
        "mymodels": _("My learning models"),
        **{name: _(text) for name, text in PRIVACY_COMMANDS.items()},
        "language": _("Tiếng Việt / English"),
        "stop": _("Stop announcements"),
        "subscribe": _("Receive announcements again"),
        "help": _("What this bot can do"),
        "cancel": _("Stop what I am doing"),
    }
    return [BotCommand(name, texts[name]) for name in PUBLIC_COMMANDS]


def api_urls(api_url: str) -> tuple[str, str] | None:
    """PTB's base_url and base_file_url for the Bot API server at `api_url` (None: Telegram's)."""
    if not api_url:
        return None
    root = api_url.rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


async def post_init(app: BotApplication) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    await runtime.db.open()
    if runtime.engine is not None:
        await runtime.engine.start(OfficerViews(runtime, app.bot), app.job_queue)
    if runtime.mailer is not None:
        runtime.mailer.start(app.bot, app.job_queue)
    RetentionJob(runtime.settings, runtime.db, runtime.now).start(app.job_queue)
    start_sweeping(app.job_queue)
    default_lang = runtime.settings.default_language
    await app.bot.set_my_commands(command_descriptions(default_lang), BotCommandScopeDefault())
    for lang in ("vi", "en"):
        await app.bot.set_my_commands(command_descriptions(lang), language_code=lang)


async def post_stop(app: BotApplication) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    if runtime.engine is not None:
        await runtime.engine.stop()


async def post_shutdown(app: BotApplication) -> None:
    runtime: Runtime = app.bot_data["runtime"]
    await runtime.db.close()


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    api_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    pacer: SendPacer | None = None,
) -> BotApplication:
    check_catalogues()
    db = Database(settings.database_path)
    runtime = Runtime(settings=settings, db=db, clock=clock)
    runtime.pacer = pacer or SendPacer(settings.send_rate, settings.chat_send_rate)
    request, updates_request = (
        AiohttpRequest(pool_size=CONNECTION_POOL),
        AiohttpRequest(pool_size=1),
    )
    runtime.requests = [request, updates_request]
    processor = PerUserUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .token(token or settings.token)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(db, runtime.now))
        .concurrent_updates(processor)
        .request(request)
        .get_updates_request(updates_request)
        .rate_limiter(PacedLimiter(runtime.pacer))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    urls = api_urls(api_url if api_url is not None else settings.api_url)
    if urls:
        builder = builder.base_url(urls[0]).base_file_url(urls[1])
    app: BotApplication = builder.build()
    base_url, base_file_url = urls or (None, None)
    runtime.engine = BroadcastEngine(
        settings,
        db,
        runtime.now,
        token or settings.token,
        base_url,
        base_file_url,
        shared_pacer=runtime.pacer,
    )
    runtime.mailer = PledgeMailer(settings, db, runtime.now)
    app.bot_data["runtime"] = runtime
    processor.on_flood = lambda update: slow_down(app.bot, runtime, update)
    register_handlers(app)
    return app


def register_handlers(app: BotApplication) -> None:
    """Every handler of the bot, in the order PTB must try them."""
    app.add_handler(private_only_handler(), group=-2)
    for handler in early_handlers():
        app.add_handler(handler, group=-1)
    for handler in [
        *membership_handlers(),
        *pledge_handlers(),
        *broadcast_handlers(),
        *broadcast_control_handlers(),
        *pledge_officer_handlers(),
        *statement_handlers(),
        *learning_handlers(),
        *learning_officer_handlers(),
        *subscription_handlers(),
        *privacy_handlers(),
        *officer_handlers(),
        *report_handlers(),
        *role_handlers(),
        *honour_handlers(),
        *menu_handlers(),
        *fallback_handlers(),
    ]:
        app.add_handler(handler)
    app.add_error_handler(on_error)


@asynccontextmanager
async def running(app: BotApplication, poll_timeout: int = 10) -> AsyncIterator[BotApplication]:
    """Initialise, poll and process updates until the block exits, then shut down cleanly."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
