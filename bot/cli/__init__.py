"""The command line: `python -m bot run | sandbox | officers | migrate | broadcast | campaign |
pledges | vietqr | poster | report | backup`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.cli.pledges import add_commands as add_pledge_commands
from bot.cli.report import add_commands as add_report_commands
from bot.domain.roles import narrows
from bot.i18n import CatalogueMissing
from bot.logs import configure_logging, redact, startup_failure
from bot.settings import Settings, SettingsError, load_settings
from storage import Database
from storage.officers import get_officer, grant_role, list_officers, remove_officer


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = root.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the local sandbox when no token is set)")
    sandbox = commands.add_parser("sandbox", help="chat with the bot in this terminal")
    sandbox.add_argument("--user", default="An", help="name of the simulated user")
    sandbox.add_argument("--officer", action="store_true", help="make that user an admin")
    officers = commands.add_parser("officers", help="manage officers")
    officer_cmds = officers.add_subparsers(dest="action", required=True)
    add = officer_cmds.add_parser("add", help="grant a role by Telegram user id (see /myid)")
    add.add_argument("telegram_id", type=int)
    add.add_argument("--ward", help="scope the officer to one commune or ward (name or code)")
    add.add_argument("--admin", action="store_true", help="an administrator, not an officer")
    remove = officer_cmds.add_parser("remove", help="revoke the role of a Telegram user id")
    remove.add_argument("telegram_id", type=int)
    officer_cmds.add_parser("list", help="list officers")
    commands.add_parser("migrate", help="create or upgrade the database, then exit")

    broadcast = commands.add_parser(
        "broadcast",
        help="queue an announcement for the running bot, or show progress (broadcast status [ID])",
    )
    broadcast.add_argument("status", nargs="*", help="'status' and an optional broadcast id")
    broadcast.add_argument("--text", type=Path, help="file with the Vietnamese text")
    broadcast.add_argument("--text-en", type=Path, help="file with the English text")
    broadcast.add_argument("--photo", type=Path, help="a photo to send with the text as caption")
    broadcast.add_argument(
        "--segment", help="all, members, donors, ward:CODE|NAME, category:NAME or language:vi|en"
    )
    broadcast.add_argument("--at", help='local time, "YYYY-MM-DD HH:MM" (default: now)')

    campaign = commands.add_parser("campaign", help="the Month's calendar")
    campaign_cmds = campaign.add_subparsers(dest="action", required=True)
    load = campaign_cmds.add_parser("load", help="check a calendar file and schedule it")
    load.add_argument("file", type=Path)
    campaign_cmds.add_parser("show", help="list the scheduled campaign messages")
    add_pledge_commands(commands)
    add_report_commands(commands)
    backup = commands.add_parser(
        "backup", help="a consistent copy of the database, safe while the bot runs"
    )
    backup.add_argument(
        "dest", help="a new file, or a folder for a dated file (ending in /: created if missing)"
    )
    return root


def use_fast_loop() -> None:
    """uvloop, where installed: the same asyncio, with a faster loop."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop(uvloop.new_event_loop())


def run(coroutine: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run_bot(settings: Settings) -> int:
    from bot.app import ALLOWED_UPDATES, build_application

    app = build_application(settings)
    logging.getLogger(__name__).info("starting long polling")
    use_fast_loop()
    loop = asyncio.get_event_loop()
    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
    finally:
        # A failed start leaves the HTTP sessions open (PTB only closes what it initialised).
        runtime = app.bot_data["runtime"]
        loop.run_until_complete(runtime.close_requests())
        loop.close()
    return 0


async def manage_officers(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.wards import resolve_ward
    from bot.runtime import utc_now
    from storage.audit import record
    from storage.people import person_for_account, person_of, telegram_chat

    db = await Database(settings.database_path).open()
    try:
        if args.action == "list":
            officers = await list_officers(db)
            for officer in officers:
                account = await telegram_chat(db, officer.person_id)
                shown = account if account is not None else f"#{officer.person_id}"
                role = "admin" if officer.role == "admin" else "officer"
                scope = (
                    f" for {officer.ward_name} ({officer.ward_code})" if officer.ward_code else ""
                )
                print(
                    f"{shown}\t{role}{scope}, added {officer.added_at:%Y-%m-%d}"
                    f" by {officer.added_by}"
                )
            for admin in sorted(settings.admin_ids):
                print(f"{admin}\tadmin (ADMIN_IDS)")
            if not officers and not settings.admin_ids:
                print("no officers yet: python -m bot officers add TELEGRAM_ID")
            return 0
        telegram_id: int = args.telegram_id
        if telegram_id <= 0:
            print(
                "a Telegram id is a positive number (the person sees it with /myid)",
                file=sys.stderr,
            )
            return 2
        # Roles belong to the person behind the Telegram account.
        person = (
            await person_for_account(db, "telegram", str(telegram_id), utc_now())
            if args.action == "add"
            else await person_of(db, "telegram", str(telegram_id))
        )
        if args.action == "add":
            assert person is not None
            ward_code = ward_name = None
            if args.ward:
                found = resolve_ward(settings.province_code, args.ward)
                if isinstance(found, list):
                    names = ", ".join(f"{w.name} ({w.code})" for w in found[:8]) or "none"
                    print(
                        f"--ward {args.ward!r} is not one commune or ward: {names}", file=sys.stderr
                    )
                    return 2
                ward_code, ward_name = found.code, found.name
            role = "admin" if args.admin else "officer"
            if args.admin and ward_code:
                print("an administrator is never scoped to a ward", file=sys.stderr)
                return 2
            before = await get_officer(db, person)
            changed = await grant_role(
                db, person, role, "command line", utc_now(), ward_code, ward_name
            )
            if (
                changed
                and before is not None
                and narrows(before.role, before.ward_code, role, ward_code)
            ):
                await hold_for_admin(db, person, f"ward:{ward_code}")
            await record(
                db,
                None,
                "role.grant",
                "ok",
                utc_now(),
                f"person:{person}",
                f"{role} {ward_code or 'city'} (command line)",
            )
            scope = f" for {ward_name}" if ward_name else ""
            print(
                f"{telegram_id} is {'now' if changed else 'already'} an {role}{scope}"
                if role == "admin"
                else f"{telegram_id} is {'now' if changed else 'already'} an officer{scope}"
            )
        else:
            removed = person is not None and await remove_officer(db, person)
            if removed and person is not None:
                await hold_for_admin(db, person, None)
            await record(
                db,
                None,
                "role.revoke",
                "ok",
                utc_now(),
                f"person:{person}" if person is not None else None,
                "command line",
            )
            print(f"{telegram_id} {'is no longer' if removed else 'was not'} an officer")
        return 0
    finally:
        await db.close()


async def hold_for_admin(db: Database, person_id: int, keep_segment: str | None) -> None:
    """A revoked or narrowed officer's announcements wait for an administrator; the running
    bot stops sending them within seconds."""
    from bot.runtime import utc_now
    from storage.broadcasts import hold_broadcasts_of

    held = await hold_broadcasts_of(db, person_id, utc_now(), keep_segment)
    if held:
        ids = ", ".join(f"#{i}" for i in held)
        print(f"held for an administrator (release or cancel in /broadcasts): {ids}")


def backup_command(settings: Settings, dest: str) -> int:
    from bot.backup import BackupError, backup_path, make_backup
    from bot.runtime import utc_now

    try:
        target = backup_path(dest, utc_now().astimezone(settings.tz))
        counts = make_backup(settings.database_path, target)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {target}")
    for table, rows in counts.items():
        print(f"  {table}: {rows} rows")
    return 0


async def migrate(settings: Settings) -> int:
    db = await Database(settings.database_path).open()
    version = await db.schema_version()
    await db.close()
    print(f"{settings.database_path}: schema version {version}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # whatever the bot writes (database, backups, exports) is the owner's only
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Setting error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, (settings.token,))
    try:
        return dispatch(settings, args)
    except Exception as exc:
        cause = startup_failure(exc, settings.database_path)
        log = logging.getLogger("bot")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("the bot stopped", exc_info=exc)
        if cause is None:
            cause = f"{type(exc).__name__}: {redact(str(exc), (settings.token,))}"
            if not log.isEnabledFor(logging.DEBUG):
                cause += " (LOG_LEVEL=DEBUG shows where)"
        print(f"Cannot run: {cause}", file=sys.stderr)
        return 1


def dispatch(settings: Settings, args: argparse.Namespace) -> int:
    command = args.command or "run"
    try:
        if command == "run" and not settings.sandbox:
            return run_bot(settings)
        if command in ("run", "sandbox"):
            try:
                from bot.devtools.sandbox import run_sandbox
            except ImportError:  # the emulator ships with the source, not the installed package
                print(
                    "The local sandbox needs the source checkout (make run); an installed bot"
                    " needs TELEGRAM_BOT_TOKEN.",
                    file=sys.stderr,
                )
                return 2

            user = getattr(args, "user", "An")
            officer = getattr(args, "officer", False)
            return run(run_sandbox(settings, user=user, officer=officer))
        if command == "broadcast":
            from bot.cli.broadcast import broadcast_command

            return run(broadcast_command(settings, args))
        if command == "campaign":
            from bot.cli.broadcast import campaign_command

            return run(campaign_command(settings, args))
        if command == "report":
            from bot.cli.report import report_command

            return run(report_command(settings, args))
        if command == "backup":
            return backup_command(settings, args.dest)
        if command == "pledges":
            from bot.cli.pledges import reconcile_command

            return run(reconcile_command(settings, args.file))
        if command == "vietqr":
            from bot.cli.pledges import vietqr_command

            return vietqr_command(settings, args)
        if command == "poster":
            from bot.cli.pledges import poster_command

            return poster_command(settings, args)
        if command == "officers":
            return run(manage_officers(settings, args))
        return run(migrate(settings))
    except CatalogueMissing as exc:
        print(f"Catalogue error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
