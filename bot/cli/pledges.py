"""Command-line tools for the funds: reconcile a bank statement, check the bank's VietQR, and
print posters with deep links."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.domain.amounts import check_amount
from bot.i18n import gettext_for
from bot.settings import Settings
from storage import Database


def add_commands(commands: argparse._SubParsersAction) -> None:
    pledges = commands.add_parser("pledges", help="pledges to the funds")
    actions = pledges.add_subparsers(dest="action", required=True)
    reconcile = actions.add_parser(
        "reconcile", help="mark pledges received from a bank statement (CSV)"
    )
    reconcile.add_argument("file", type=Path)

    vietqr = commands.add_parser(
        "vietqr", help="print the VietQR payload built from the bank settings"
    )
    vietqr.add_argument("--amount", required=True, help="such as 500000, 500.000 or 500k")
    vietqr.add_argument(
        "--reference", required=True, help="the transfer note, such as KH2026 P000001"
    )
    vietqr.add_argument("--out", type=Path, help="also render it as a PNG image")

    poster = commands.add_parser("poster", help="a printable PNG poster with a deep link's QR")
    poster.add_argument("--target", required=True, choices=("join", "pledge"))
    poster.add_argument("--source", help="where the poster hangs, such as w11341 or thpt-le-loi")
    poster.add_argument("--out", type=Path, required=True)
    poster.add_argument("--bot-username", help="the bot's @username (default: BOT_USERNAME)")
    poster.add_argument("--lang", choices=("vi", "en"), default="vi")


async def reconcile_command(settings: Settings, file: Path) -> int:
    from bot.domain.statement import StatementError
    from bot.reconcile import problem_text, reconcile, summary_text
    from bot.runtime import utc_now
    from storage.audit import record

    _ = gettext_for(settings.default_language)
    try:
        data = await asyncio.to_thread(file.read_bytes)
    except OSError as exc:
        print(f"cannot read {file}: {exc.strerror}", file=sys.stderr)
        return 1
    db = await Database(settings.database_path).open()
    try:
        result = await reconcile(db, data, file.name, utc_now())
        await record(
            db,
            None,
            "statement.import",
            "ok",
            utc_now(),
            detail=f"{len(result.of('matched'))} matched of {len(result.outcomes)} (command line)",
        )
    except StatementError as exc:
        print(problem_text(_, exc.problem), file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(summary_text(_, settings.default_language, result))
    if result.of("matched"):
        print("(the running bot sends the receipts within seconds)")
    return 0


def vietqr_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.vietqr import build_payload, render_png

    if not settings.bank_transfer:
        print("set BANK_BIN and BANK_ACCOUNT first (in .env or the environment)", file=sys.stderr)
        return 2
    checked = check_amount(args.amount)
    if checked.value is None:
        print(f"not an amount: {args.amount!r} (such as 500000 or 500k)", file=sys.stderr)
        return 2
    try:
        payload = build_payload(
            settings.bank_bin, settings.bank_account, checked.value, args.reference
        )
        if args.out:
            render_png(payload, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(payload)
    if args.out:
        print(f"written to {args.out}: scan it with a banking app to check the details")
    return 0


def poster_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.wards import province_name
    from bot.poster import deep_link, render_poster

    username = args.bot_username or settings.bot_username
    if not username:
        print("give --bot-username or set BOT_USERNAME", file=sys.stderr)
        return 2
    _ = gettext_for(args.lang)
    association = _("{province} Study Promotion Association").format(
        province=province_name(settings.province_code)
    )
    try:
        link = deep_link(username, args.target, args.source)
        render_poster(link, args.target, args.out, association=association, lang=args.lang)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{link}\nwritten to {args.out}")
    return 0
