"""Bursts under Telegram's limits: every reply arrives, in order, at the rate Telegram allows.

The bot runs as its own process against the emulator, which enforces Telegram's flood limits
(30 messages/s overall, 1/s per chat with a burst of 3) and answers 429 beyond them.

1. **Poster burst**: `--users` people send /start within one second, then each presses the
   menu's first button when the greeting arrives. Everyone must get the real greeting and the
   real next question (the personal-data notice): none missing, no apology, none out of order;
   the last greeting within 1.25 × users / 30 s.
2. **Receipts**: `--receipts` pending pledges are matched by a bank statement imported on the
   command line while the bot runs; every donor's receipt is counted until all have arrived,
   while `--chatters` other people use the bot (their reply p95 must stay within 500 ms).

Printed, and saved to bench/results/burst.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_TOKEN,
    PYTHON,
    ROOT,
    BotProcess,
    ReplyWatcher,
    bot_env,
    code_state,
    machine_info,
    percentile,
    settle_memory,
)
from bot.devtools.emulator import BotApiEmulator, SentMessage

RESULTS = ROOT / "bench" / "results" / "burst.json"
TELEGRAM_RATE = 30
ALLOWANCE = 1.25
CHATTER_P95_MS = 500.0
GREETING_MARK = "📝 Tham gia Hội Khuyến học"  # the menu's first button, under the greeting
NOTICE_MARK = "✅ Tôi đồng ý"  # the consent button under the personal-data notice
APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố"
FIRST_USER = 700_000_000


async def open_bot(workdir: Path, label: str, database: Path) -> tuple[BotApiEmulator, BotProcess]:
    settle_memory()
    emu = BotApiEmulator(token=BENCH_TOKEN, bot_username="bench_burst_bot")
    await emu.start()
    emu.enable_rate_limits(TELEGRAM_RATE, 1.0, 3)
    env = bot_env(emu, database) | {"SEND_RATE": "29", "CHAT_SEND_RATE": "1"}
    bot = BotProcess(label, [PYTHON, "-m", "bot", "run"], env, workdir, emu)
    try:
        await bot.start()
    except BaseException:
        await emu.stop()
        raise
    return emu, bot


# --------------------------------------------------------------------------- phase 1


async def poster_burst(users: int, workdir: Path) -> dict[str, Any]:
    emu, bot = await open_bot(workdir, "burst", workdir / "burst.sqlite3")
    watcher = ReplyWatcher(emu)
    greeted: dict[int, float] = {}
    noticed: dict[int, float] = {}
    problems: dict[str, int] = {}
    order: dict[int, list[str]] = {}
    everyone = asyncio.Event()

    def note(problem: str) -> None:
        problems[problem] = problems.get(problem, 0) + 1

    def on_message(chat_id: int, message: SentMessage, edited: bool) -> None:
        if edited or chat_id < FIRST_USER:
            return
        text = message.text or ""
        if APOLOGY in text:
            note("apology")
        buttons = message.buttons
        if GREETING_MARK in buttons:
            order.setdefault(chat_id, []).append("greeting")
            greeted.setdefault(chat_id, time.monotonic())
            emu.enqueue_press(chat_id, message_id=message.message_id, button=GREETING_MARK)
        elif NOTICE_MARK in buttons:
            order.setdefault(chat_id, []).append("notice")
            noticed.setdefault(chat_id, time.monotonic())
            if len(noticed) == users:
                everyone.set()
        else:
            order.setdefault(chat_id, []).append("other")

    emu.add_listener(on_message)
    ids = [FIRST_USER + i for i in range(users)]
    for uid in ids:
        emu.add_user(uid, first_name=f"HS{uid - FIRST_USER}", language_code="vi")
    started = time.monotonic()
    try:
        spread = 1.0 / users
        for uid in ids:  # all within one second
            emu.enqueue_text(uid, "/start")
            await asyncio.sleep(spread)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), max(120.0, users / TELEGRAM_RATE * 4))
        await asyncio.sleep(1.0)  # anything late or doubled shows up now
    finally:
        emu.remove_listener(on_message)
        watcher.close()
        await bot.stop()
        log_errors = bot.log_problems()
        await emu.stop()
    out_of_order = sum(1 for seq in order.values() if seq[:2] != ["greeting", "notice"])
    extra = sum(1 for seq in order.values() if len(seq) > 2)
    last_greeting = max(greeted.values(), default=started) - started
    limit = ALLOWANCE * users / TELEGRAM_RATE
    return {
        "users": users,
        "greeted": len(greeted),
        "noticed": len(noticed),
        "missing_greetings": users - len(greeted),
        "missing_notices": users - len(noticed),
        "apologies": problems.get("apology", 0),
        "out_of_order": out_of_order,
        "extra_messages": extra,
        "last_greeting_s": round(last_greeting, 2),
        "last_notice_s": round(max(noticed.values(), default=started) - started, 2),
        "greeting_limit_s": round(limit, 2),
        "emulator_429": emu.stats["429"],
        "bot_log_errors": log_errors,
        "peak_rss_mb": round(bot.peak_rss_mb, 1),
    }


# --------------------------------------------------------------------------- phase 2


async def seed_pledges(database: Path, count: int) -> Path:
    """`count` pending transfer pledges, one donor each, and the statement that pays them."""
    from bot.domain.vietqr import make_reference
    from storage import Database
    from storage.members import record_consent
    from storage.pledges import NewDonor, PledgeInput, create_pledge

    db = await Database(database).open()
    now = dt.datetime.now(dt.UTC)
    lines = ["Ngày giao dịch,Số tiền ghi có,Nội dung"]
    try:
        for i in range(count):
            uid = FIRST_USER + i
            consent = await record_consent(db, uid, "donor", "bench", True, now)
            pledge, _ = await create_pledge(
                db,
                uid,
                PledgeInput(
                    donor_name=f"Nhà hảo tâm {i}",
                    fund_kind="city",
                    purpose="hardship",
                    amount=100_000 + i,
                    method="transfer",
                    public_name=False,
                ),
                request_key=f"bench-{i}",
                year=2026,
                reference_of=make_reference,
                at=now,
                first_reminder_at=None,
                new_donor=NewDonor(f"Nhà hảo tâm {i}", f"+8490{i:07d}", consent),
            )
            lines.append(f"{now:%d/%m/%Y},{pledge.amount},{pledge.reference} ung ho")
    finally:
        await db.close()
    statement = database.parent / "statement.csv"
    statement.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return statement


async def receipts(count: int, chatters: int, workdir: Path) -> dict[str, Any]:
    database = workdir / "receipts.sqlite3"
    statement = await seed_pledges(database, count)
    emu, bot = await open_bot(workdir, "receipts", database)
    watcher = ReplyWatcher(emu)
    receipts_at: list[float] = []
    donors = set(range(FIRST_USER, FIRST_USER + count))
    all_received = asyncio.Event()

    def on_message(chat_id: int, message: SentMessage, edited: bool) -> None:
        if not edited and chat_id in donors:
            receipts_at.append(time.monotonic())
            if len(receipts_at) == count:
                all_received.set()

    emu.add_listener(on_message)
    for uid in donors:
        emu.add_user(uid, first_name="Donor", language_code="vi")
    chatter_ids = [FIRST_USER + count + 1000 + i for i in range(chatters)]
    for uid in chatter_ids:
        emu.add_user(uid, first_name="Chat", language_code="vi")
    latencies: list[float] = []
    failures = 0
    stop = asyncio.Event()

    async def chatter(uid: int, offset: float) -> None:
        nonlocal failures
        await asyncio.sleep(offset)
        while not stop.is_set():
            started = time.monotonic()
            try:
                await watcher.next_reply(uid, lambda: emu.enqueue_text(uid, "/help"), 30.0)
                latencies.append(time.monotonic() - started)
            except TimeoutError:
                failures += 1
            await asyncio.sleep(10.0)  # 100 people, one message each every ~10 s

    try:
        tasks = [
            asyncio.create_task(chatter(uid, i * 10.0 / max(chatters, 1)))
            for i, uid in enumerate(chatter_ids)
        ]
        await asyncio.sleep(12.0)  # the chatters are under way
        imported = time.monotonic()
        done = await asyncio.to_thread(
            subprocess.run,
            [PYTHON, "-m", "bot", "pledges", "reconcile", str(statement)],
            env={**os.environ, **bot.env},
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
        )
        import_s = time.monotonic() - imported
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_received.wait(), 900)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        emu.remove_listener(on_message)
        watcher.close()
        await bot.stop()
        log_errors = bot.log_problems()
        await emu.stop()
    all_sent = max(receipts_at, default=imported) - imported
    return {
        "receipts": count,
        "receipts_sent": len(receipts_at),
        "import_exit": done.returncode,
        "import_s": round(import_s, 1),
        "all_receipts_s": round(all_sent, 1),
        "chatters": chatters,
        "chatter_replies": len(latencies),
        "chatter_failures": failures,
        "chatter_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "chatter_p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "emulator_429": emu.stats["429"],
        "bot_log_errors": log_errors,
        "peak_rss_mb": round(bot.peak_rss_mb, 1),
    }


# --------------------------------------------------------------------------- report


def checks_of(burst: dict[str, Any], mail: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    checks = {
        "nobody_missing": {
            "value": burst["missing_greetings"] + burst["missing_notices"],
            "pass": burst["missing_greetings"] == burst["missing_notices"] == 0,
        },
        "no_apologies": {"value": burst["apologies"], "pass": burst["apologies"] == 0},
        "in_order": {"value": burst["out_of_order"], "pass": burst["out_of_order"] == 0},
        "last_greeting_s": {
            "value": burst["last_greeting_s"],
            "target": f"<= {burst['greeting_limit_s']}",
            "pass": burst["last_greeting_s"] <= burst["greeting_limit_s"],
        },
    }
    if mail is not None:
        checks["receipts_all_sent"] = {
            "value": mail["receipts_sent"],
            "pass": mail["receipts_sent"] == mail["receipts"],
        }
        checks["receipts_within_5_min"] = {
            "value": mail["all_receipts_s"],
            "target": "<= 300 s",
            "pass": mail["all_receipts_s"] <= 300,
        }
        checks["chatter_p95_ms"] = {
            "value": mail["chatter_p95_ms"],
            "target": f"<= {CHATTER_P95_MS:g}",
            "pass": mail["chatter_p95_ms"] <= CHATTER_P95_MS and mail["chatter_failures"] == 0,
        }
    return checks


def report(res: dict[str, Any]) -> str:
    b, m = res["burst"], res["receipts"]
    lines = [
        f"Poster burst: {b['users']} people send /start within 1 s, then press the first button"
        f" (emulator: {TELEGRAM_RATE}/s overall, 1/s per chat, burst 3)",
        f"  greeted {b['greeted']}, notice shown {b['noticed']}, apologies {b['apologies']},"
        f" out of order {b['out_of_order']}, extra messages {b['extra_messages']}",
        f"  last greeting {b['last_greeting_s']:.1f} s (limit {b['greeting_limit_s']:.1f} s),"
        f" last notice {b['last_notice_s']:.1f} s; 429s seen {b['emulator_429']};"
        f" bot log errors {b['bot_log_errors']}; peak RSS {b['peak_rss_mb']} MB",
    ]
    if m:
        lines += [
            f"Receipts: {m['receipts']} pledges matched by a statement imported on the command"
            f" line ({m['import_s']:.1f} s, exit {m['import_exit']}), {m['chatters']} people"
            " chatting meanwhile",
            f"  receipts sent {m['receipts_sent']}, all within {m['all_receipts_s']:.1f} s of the"
            f" import; chatters' replies p50 {m['chatter_p50_ms']:.0f} ms, p95"
            f" {m['chatter_p95_ms']:.0f} ms (n={m['chatter_replies']}, failures"
            f" {m['chatter_failures']}); 429s {m['emulator_429']}; log errors"
            f" {m['bot_log_errors']}; peak RSS {m['peak_rss_mb']} MB",
        ]
    lines.append("")
    for name, check in res["checks"].items():
        target = f" (target {check['target']})" if "target" in check else ""
        lines.append(f"  {name}: {check['value']}{target} {'PASS' if check['pass'] else 'FAIL'}")
    lines.append(f"Overall: {'PASS' if res['all_pass'] else 'FAIL'}")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="khuyenhoc-burst-"))
    try:
        print(f"· poster burst, {args.users} users …", flush=True)
        burst = await poster_burst(args.users, workdir)
        mail = None
        if args.receipts > 0:
            print(f"· {args.receipts} receipts, {args.chatters} people chatting …", flush=True)
            mail = await receipts(args.receipts, args.chatters, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    checks = checks_of(burst, mail)
    return {
        "benchmark": "burst",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "code": code_state(),
        "parameters": vars(args) | {"output": str(args.output)},
        "burst": burst,
        "receipts": mail,
        "checks": checks,
        "all_pass": all(c["pass"] for c in checks.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--receipts", type=int, default=5000)
    parser.add_argument("--chatters", type=int, default=100)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.monotonic()
    res = asyncio.run(run(args))
    res["benchmark_wall_s"] = round(time.monotonic() - started, 1)
    print(report(res))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
    print(f"\nSaved {args.output}")
    return 0 if res["all_pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
