"""A crash test: the bot, a process of its own, is killed with SIGKILL again and again during a
5,000-recipient announcement. Nobody may be skipped, and only the messages in flight at each
kill (at most BROADCAST_CONCURRENCY) may go twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.devtools.emulator import BotApiEmulator
from storage import Database

log = logging.getLogger(__name__)

ROOT = Path(__file__).parents[2]
TOKEN = "123456789:CRASH-TEST"
SEED = 20261001
RECIPIENTS = 5_000
FIRST_ID = 500_000
CONCURRENCY = 8
KILLS = 6
PHASE_TIMEOUT = 30.0  # seconds any one phase may take, on a slow and busy machine
TEXT = "Thông báo kiểm thử: Tháng khuyến học, khuyến tài 2026 khai mạc ngày 01/10."


@dataclass
class Kill:
    """What one SIGKILL left behind: the emulator's view and the database's."""

    threshold: int  # messages_sent the kill waited for
    at: int = 0  # messages_sent when the signal was sent
    received: Counter[int] = field(default_factory=Counter)  # per chat, once the bot was dead
    recorded: set[int] = field(default_factory=set)  # 'sent' rows after the process died
    sending: int = 0  # rows left 'sending' (claimed; requeued at the next start)
    in_flight: int = 0  # received by Telegram but not recorded: may go twice
    duplicates: int = 0  # of those, how many did go twice

    def __str__(self) -> str:
        return (
            f"kill at {self.at} (threshold {self.threshold}): {len(self.recorded)} recorded, "
            f"{self.sending} left 'sending', {self.in_flight} in flight, "
            f"{self.duplicates} sent again"
        )


def recipients() -> range:
    return range(FIRST_ID, FIRST_ID + RECIPIENTS)


def query(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """A short-lived reader of the bot's database (WAL: it never blocks the bot)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def seed(path: Path) -> None:
    database = await Database(path).open()  # creates and migrates
    await database.close()
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    conn = sqlite3.connect(path)
    try:
        with conn:
            # Person ids differ from the Telegram ids: the outbox must go through accounts.
            people = [(uid - FIRST_ID + 1, uid) for uid in recipients()]
            conn.executemany(
                "INSERT INTO people (id, created_at) VALUES (?, ?)", [(p, now) for p, _ in people]
            )
            conn.executemany(
                "INSERT INTO accounts (channel, external_id, person_id, created_at)"
                " VALUES ('telegram', ?, ?, ?)",
                [(str(uid), p, now) for p, uid in people],
            )
            conn.executemany(
                "INSERT INTO users (person_id, language, first_seen_at, last_seen_at,"
                " subscribed, reachable) VALUES (?, 'vi', ?, ?, 1, 1)",
                [(p, now, now) for p, _ in people],
            )
    finally:
        conn.close()


def received(emulator: BotApiEmulator) -> Counter[int]:
    """How many times each recipient has got the announcement, from the emulator's log."""
    counts: Counter[int] = Counter()
    for uid in recipients():
        n = sum(1 for m in emulator.messages(uid) if m.text == TEXT)
        if n:
            counts[uid] = n
    return counts


async def settle(emulator: BotApiEmulator) -> None:
    """Wait until the emulator has had no request for a while."""
    seen = -1
    while seen != len(emulator.requests):
        seen = len(emulator.requests)
        await asyncio.sleep(0.2)


async def wait_for(
    what: str, condition: Callable[[], bool], proc: asyncio.subprocess.Process | None
) -> None:
    """Poll `condition` every few ms; fail after PHASE_TIMEOUT or if `proc` dies."""
    deadline = time.monotonic() + PHASE_TIMEOUT
    while not condition():
        if proc is not None and proc.returncode is not None:
            raise AssertionError(f"the bot exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {PHASE_TIMEOUT:.0f} s waiting for {what}")
        await asyncio.sleep(0.005)


async def test_sigkill_during_a_broadcast_skips_nobody_and_repeats_only_in_flight(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    database = tmp_path / "crash.sqlite3"
    await seed(database)
    emulator = BotApiEmulator(token=TOKEN, bot_username="crash_test_bot")
    await emulator.start()
    for uid in recipients():
        emulator.add_user(uid, first_name=f"Người {uid}")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.url,
        "DATABASE_PATH": str(database),
        "ADMIN_IDS": "",
        "BROADCAST_RATE": "1000",
        "BROADCAST_PAID": "true",
        "BROADCAST_CONCURRENCY": str(CONCURRENCY),
        "QUIET_HOURS": "off",
        "LOG_LEVEL": "INFO",
    }
    logs: list[Path] = []

    async def start_bot() -> asyncio.subprocess.Process:
        log_file = tmp_path / f"bot-{len(logs)}.log"
        logs.append(log_file)
        with log_file.open("wb") as out:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )

    def tail(lines: int = 15) -> str:
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            for path in logs
            if path.exists()
        )

    # One threshold in each of KILLS equal bands between 5 % and 90 % of the audience.
    low, high = RECIPIENTS * 5 // 100, RECIPIENTS * 90 // 100
    band = (high - low) // KILLS
    thresholds = [rng.randrange(low + i * band, low + (i + 1) * band) for i in range(KILLS)]
    kills = [Kill(threshold) for threshold in thresholds]
    proc: asyncio.subprocess.Process | None = None
    try:
        text_file = tmp_path / "notice.txt"
        text_file.write_text(TEXT + "\n", encoding="utf-8")
        queued = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "broadcast", "--text", str(text_file), "--segment", "all"),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(queued.communicate(), PHASE_TIMEOUT)
        assert queued.returncode == 0, err.decode()
        found = re.search(r"broadcast (\d+) queued", out.decode())
        assert found, out.decode()
        broadcast_id = int(found.group(1))

        def messages_sent() -> int:
            return int(emulator.stats["messages_sent"])

        for kill in kills:
            proc = await start_bot()
            # Wait for the threshold; if the last run already passed it, for some progress.
            target = max(kill.threshold, messages_sent() + rng.randint(1, CONCURRENCY * 4))
            await wait_for(f"{target} messages", lambda t=target: messages_sent() >= t, proc)
            kill.at = messages_sent()
            os.kill(proc.pid, signal.SIGKILL)
            await asyncio.wait_for(proc.wait(), PHASE_TIMEOUT)
            assert proc.returncode == -signal.SIGKILL, tail()
            # Requests written to a socket before the kill may still arrive: let them land.
            await settle(emulator)
            kill.received = received(emulator)
            rows = query(
                database,
                "SELECT a.external_id, d.status FROM deliveries AS d"
                " JOIN accounts AS a ON a.person_id = d.person_id WHERE d.broadcast_id = ?",
                (broadcast_id,),
            )
            kill.recorded = {int(uid) for uid, status in rows if status == "sent"}
            kill.sending = sum(1 for _, status in rows if status == "sending")
            kill.in_flight = len(set(kill.received) - kill.recorded)

        # The last run finishes the announcement.
        proc = await start_bot()

        def finished() -> bool:
            rows = query(database, "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,))
            return bool(rows) and rows[0][0] == "done"

        await wait_for("the broadcast to be done", finished, proc)
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), PHASE_TIMEOUT)
        assert proc.returncode == 0, tail()
    finally:
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        await emulator.stop()

    final = received(emulator)
    for kill in kills:
        kill.duplicates = sum(
            1 for uid in set(kill.received) - kill.recorded if final[uid] > kill.received[uid]
        )
    missing = [uid for uid in recipients() if final[uid] == 0]
    duplicates = sum(n - 1 for n in final.values() if n > 1)
    statuses = query(
        database,
        "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    integrity = query(database, "PRAGMA integrity_check")
    report = (
        f"seed {SEED}; {len(kills)} kills:\n"
        + "\n".join(f"  {kill}" for kill in kills)
        + f"\nmissing {len(missing)} (first: {missing[:5]}), duplicates {duplicates},"
        f" deliveries {statuses}, integrity {integrity}\n{tail()}"
    )
    log.info(report)

    assert len(kills) >= 5
    # Every kill came during the broadcast, not before it or after it.
    assert all(0 < len(kill.received) < RECIPIENTS for kill in kills), report
    # The database never claims a delivery Telegram did not get.
    assert all(kill.recorded <= set(kill.received) for kill in kills), report
    assert missing == [], report
    # Only what was in flight at a kill can go twice: at most the concurrency, each time.
    assert all(kill.in_flight <= CONCURRENCY for kill in kills), report
    assert all(kill.duplicates <= CONCURRENCY for kill in kills), report
    assert duplicates == sum(kill.duplicates for kill in kills), report
    assert duplicates <= len(kills) * CONCURRENCY, report
    assert statuses == [("sent", RECIPIENTS)], report
    assert integrity == [("ok",)], report
    assert emulator.api_errors == [], report
