"""Roles in chat: administrators grant and revoke them (/grant, /revoke, /officers), and anyone
can read their Telegram id (/myid) to give it to an administrator."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot.channels.telegram.access import admin_only
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.drafts import say
from bot.channels.telegram.identity import CHANNEL
from bot.domain.roles import narrows
from bot.domain.wards import resolve_ward
from bot.i18n import gettext_for
from bot.outbox.retention import end_conversations
from storage.officers import get_officer, grant_role, list_officers, remove_officer
from storage.people import person_for_account, person_of, telegram_chat
from storage.users import get_language

log = logging.getLogger(__name__)

MAX_ID = 10**15


async def my_id(update: Update, context: BotContext) -> None:
    """/myid: the sender's Telegram id, which an administrator needs to grant a role."""
    user = update.effective_user
    assert user is not None
    await say(
        update,
        context,
        context._(
            "Your Telegram id is {id}. Give it to an administrator if you are to be an officer."
        ).format(id=user.id),
    )


def _usage(context: BotContext) -> str:
    return context._(
        "How to use it:\n"
        "/grant ID officer: a city-wide officer\n"
        "/grant ID officer WARD: an officer for one commune or ward (its name or code)\n"
        "/grant ID admin: an administrator\n"
        "/revoke ID: back to a citizen\n"
        "The person finds their ID with /myid."
    )


def _target(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < MAX_ID else None


@admin_only
async def grant(update: Update, context: BotContext) -> None:
    """/grant ID officer [WARD] | /grant ID admin."""
    args = context.args or []
    _ = context._
    target = _target(args[0]) if args else None
    role = args[1].lower() if len(args) > 1 else ""
    if target is None or role not in ("officer", "admin") or (role == "admin" and len(args) > 2):
        await say(update, context, _usage(context))
        return
    runtime = context.runtime
    ward_code = ward_name = None
    if role == "officer" and len(args) > 2:
        found = resolve_ward(runtime.settings.province_code, " ".join(args[2:]))
        if isinstance(found, list):
            if not found:
                await say(update, context, _("No commune or ward matches that. Check the name."))
            else:
                names = ", ".join(f"{w.name} ({w.code})" for w in found[:8])
                await say(
                    update,
                    context,
                    _("Several communes or wards match: {names}. Give the code.").format(
                        names=names
                    ),
                )
            return
        ward_code, ward_name = found.code, found.name
    if target in runtime.admin_ids and role != "admin":
        await say(
            update,
            context,
            _("{id} is an administrator from ADMIN_IDS; change that setting.").format(id=target),
        )
        return
    # Roles belong to the person behind the Telegram account the administrator names.
    person = await person_for_account(runtime.db, CHANNEL, str(target), runtime.now())
    before = await get_officer(runtime.db, person)
    changed = await grant_role(
        runtime.db, person, role, f"admin:{context.person}", runtime.now(), ward_code, ward_name
    )
    scope = ward_name or _("the whole city")
    detail = f"{role} {ward_code or 'city'}"
    await runtime.audit(context.person, "role.grant", target=f"person:{person}", detail=detail)
    log.info("role granted")
    if role == "admin":
        text = _("{id} is now an administrator.").format(id=target)
    else:
        text = _("{id} is now an officer for {scope}.").format(id=target, scope=scope)
    if not changed:
        text = _("Nothing changed: {id} already had that role.").format(id=target)
    if changed and before is not None and narrows(before.role, before.ward_code, role, ward_code):
        text += await _withdraw(context, person, target, f"ward:{ward_code}")
    await say(update, context, text)
    if changed:
        await _tell(context, person, target, role, ward_name)


OFFICER_JOURNEYS = ("broadcast", "broadcast-move", "pledge_review", "learning_review")


async def _withdraw(
    context: BotContext, person: int, account: int, keep_segment: str | None
) -> str:
    """After a revocation or a narrower scope: end the officer conversations of the person's
    Telegram `account` at once and hold what they announced beyond their new rights. Returns
    what the admin is told."""
    runtime = context.runtime
    end_conversations(context.application, account, OFFICER_JOURNEYS)
    await context.application.update_persistence()
    held = (
        await runtime.engine.hold_author(person, runtime.now(), keep_segment)
        if runtime.engine is not None
        else []
    )
    if not held:
        return ""
    return "\n" + context.ngettext(
        "Their announcement {ids} is held: /broadcasts to release or cancel it.",
        "Their announcements {ids} are held: /broadcasts to release or cancel them.",
        len(held),
    ).format(ids=", ".join(f"#{i}" for i in held))


async def _tell(
    context: BotContext, person: int, account: int, role: str, ward_name: str | None
) -> None:
    """Let the new officer know what they can do now; they may never have started the bot."""
    _ = gettext_for(await get_language(context.runtime.db, person) or "vi")
    if role == "admin":
        text = _("You are now an administrator of the bot. /help lists what you can do.")
    else:
        text = _(
            "You are now an officer of the Study Promotion Association for {scope}. "
            "You can use /stats, /report, /pledges and /broadcast."
        ).format(scope=ward_name or _("the whole city"))
    try:
        await context.bot.send_message(account, text)
    except TelegramError:
        log.info("the new officer could not be told (no chat yet)")


@admin_only
async def revoke(update: Update, context: BotContext) -> None:
    """/revoke ID: the person becomes a citizen again."""
    args = context.args or []
    _ = context._
    target = _target(args[0]) if len(args) == 1 else None
    if target is None:
        await say(update, context, _usage(context))
        return
    runtime = context.runtime
    if target in runtime.admin_ids:
        await say(
            update,
            context,
            _("{id} is an administrator from ADMIN_IDS; change that setting.").format(id=target),
        )
        return
    person = await person_of(runtime.db, CHANNEL, str(target))
    removed = person is not None and await remove_officer(runtime.db, person)
    await runtime.audit(
        context.person,
        "role.revoke",
        target=f"person:{person}" if person is not None else None,
        detail="removed" if removed else "none",
    )
    text = (
        _("{id} is no longer an officer.") if removed else _("{id} had no role to revoke.")
    ).format(id=target)
    if removed and person is not None:
        text += await _withdraw(context, person, target, None)
    await say(update, context, text)


@admin_only
async def officers(update: Update, context: BotContext) -> None:
    """/officers: who has a role, and where."""
    _ = context._
    runtime = context.runtime
    lines = [_("👥 Roles:")]
    for admin in sorted(runtime.admin_ids):
        lines.append(_("• {id}: administrator (ADMIN_IDS)").format(id=admin))
    for officer in await list_officers(runtime.db):
        # Administrators name people by the Telegram id /myid shows.
        account = await telegram_chat(runtime.db, officer.person_id)
        shown = account if account is not None else f"#{officer.person_id}"
        if officer.role == "admin":
            lines.append(_("• {id}: administrator").format(id=shown))
        else:
            lines.append(
                _("• {id}: officer for {scope}").format(
                    id=shown, scope=officer.ward_name or _("the whole city")
                )
            )
    await say(update, context, "\n".join(lines))


def role_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("myid", my_id),
        CommandHandler("grant", grant),
        CommandHandler("revoke", revoke),
        CommandHandler("officers", officers),
    ]
