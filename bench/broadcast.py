"""Benchmark: announcements through the delivery engine, against the Bot API emulator.

The emulator (and, in (c), the simulated citizens) run here, in one asyncio loop; the bot under
measurement (``python -m bot run``) runs as a process of its own and the broadcast is queued
with ``python -m bot broadcast --text FILE --segment SEGMENT``, as an officer's script would.

Phases:
  (a) paced: the emulator enforces Telegram's flood limits (30 messages/s overall, 1/s per chat
      with a burst of 3); a broadcast at BROADCAST_RATE (25) to 3,000 subscribers. Achieved
      rate, 429s, lost and duplicate messages.
  (c) during (a): 100 citizens, who are not recipients, chat with the bot; reply latency.
  (b) capacity: limits lifted, BROADCAST_PAID=true, BROADCAST_RATE=1000, 100,000 subscribers
      in the database, a broadcast to 20,000 of them (language:en); the engine's messages/s
      against a bare loop of httpx requests (and, for information, aiohttp) to the same
      emulator, each in a process of its own; the bot's peak RSS.

Run with ``make bench-broadcast`` or ``.venv/bin/python bench/broadcast.py [--quick]``; figures
are printed and saved to bench/results/broadcast.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_TOKEN,
    PYTHON,
    ROOT,
    BotProcess,
    CpuMeter,
    LoopLag,
    ReplyWatcher,
    SystemCpu,
    bot_env,
    code_state,
    machine_info,
    median,
    settle_memory,
)
from bench.registration import Step, act, latency_summary, phone_of, registration_steps
from bot.devtools.emulator import BotApiEmulator, SentMessage

RESULTS = ROOT / "bench" / "results" / "broadcast.json"
THIS_FILE = Path(__file__).resolve()
TARGETS = {
    "paced_rate_fraction_min": 0.97,  # (a) achieved / configured broadcast rate
    "lost_max": 0,
    "duplicates_max": 0,
    "capacity_ratio_min": 0.8,  # (b) engine / bare httpx loop
    "peak_rss_mb_max": 200.0,  # (b) with 100,000 subscribers in the database
    "citizen_p95_ms_max": 500.0,  # (c)
}
STEP_TIMEOUT = 30.0  # seconds a citizen waits for an answer before counting a failure
START_TIMEOUT = 30.0  # seconds for the running bot to pick up a queued broadcast
DONE_GRACE = 2.0  # seconds to wait after the last recipient is served, to catch duplicates
CONCURRENCY_DEFAULT = 8  # BROADCAST_CONCURRENCY's default, used by the bare loops too

# A realistic announcement (about 500 characters), the same for the engine and the bare loops.
ANNOUNCEMENT = (
    "📣 Hội Khuyến học thành phố Hải Phòng thông báo\n\n"
    'Hưởng ứng Tháng Khuyến học, Hội tổ chức Lễ trao học bổng "Tiếp bước đến trường" cho '
    "200 học sinh có hoàn cảnh khó khăn vào 8 giờ sáng Chủ nhật, ngày 12 tháng 10, tại Nhà "
    "Văn hoá Thành phố, số 19 đường Điện Biên Phủ, phường Ngô Quyền.\n\n"
    "Kính mời hội viên, phụ huynh và các nhà hảo tâm đến dự và chung tay ủng hộ Quỹ Khuyến "
    "học. Mọi đóng góp xin gửi qua bot này (nút 💝 Ủng hộ quỹ) hoặc trực tiếp tại Văn phòng "
    "Hội.\n\nTrân trọng cảm ơn!"
)


# For information only: the bot with the engine's Pacer switched off (its wait returns at once),
# to see the engine's own speed when BROADCAST_RATE (at most 1000) is what limits it. The
# product's code is untouched; this bootstrap patches the class in the bot's process.
UNPACED_BOOTSTRAP = """
import sys
import bot.outbox.broadcast_engine as engine

async def _unpaced(self):
    return None

engine.Pacer.wait = _unpaced
from bot.cli import main

sys.exit(main(["run"]))
"""


# --------------------------------------------------------------------------- the database


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


async def seed_database(
    database: Path, workdir: Path, first_id: int, count: int, en_every: int = 0
) -> dict[str, Any]:
    """Create the schema with ``python -m bot migrate``, then ``count`` subscribed, reachable
    users from ``first_id``; with ``en_every`` n, every n-th of them speaks English."""
    started = time.monotonic()
    env = {**os.environ, "DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        "migrate",
        cwd=workdir,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"python -m bot migrate failed:\n{out.decode(errors='replace')}")

    def insert() -> int:
        now = dt.datetime.now(dt.UTC)
        with contextlib.closing(sqlite3.connect(database)) as conn:
            rows = [
                (
                    first_id + i,
                    "en" if en_every and i % en_every == 0 else "vi",
                    utc_text(now - dt.timedelta(days=30 + i % 300)),
                    utc_text(now - dt.timedelta(minutes=i % 10_000)),
                )
                for i in range(count)
            ]
            with conn:
                # Each recipient is a person with a Telegram account of the same number.
                conn.executemany(
                    "INSERT INTO people (id, created_at) VALUES (?, ?)",
                    [(r[0], r[2]) for r in rows],
                )
                conn.executemany(
                    "INSERT INTO accounts (channel, external_id, person_id, created_at)"
                    " VALUES ('telegram', ?, ?, ?)",
                    [(str(r[0]), r[0], r[2]) for r in rows],
                )
                conn.executemany(
                    "INSERT INTO users (person_id, language, first_seen_at, last_seen_at,"
                    " subscribed, reachable) VALUES (?, ?, ?, ?, 1, 1)",
                    rows,
                )
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    users = await asyncio.to_thread(insert)
    return {"users": users, "seconds": round(time.monotonic() - started, 2)}


def recipient_ids(first_id: int, count: int, en_every: int = 0) -> list[int]:
    """The ids ``seed_database`` gives the segment: all, or language:en with ``en_every``."""
    return [first_id + i for i in range(count) if not en_every or i % en_every == 0]


def delivery_figures(database: Path) -> dict[str, Any]:
    """The outbox as the engine left it: the broadcast's status and deliveries by status."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT id, status, total FROM broadcasts ORDER BY id DESC").fetchone()
        if row is None:
            return {"broadcast": None}
        statuses = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
                (row[0],),
            ).fetchall()
        )
        attempts = conn.execute(
            "SELECT MAX(attempts) FROM deliveries WHERE broadcast_id = ?", (row[0],)
        ).fetchone()[0]
    return {
        "broadcast": row[0],
        "status": row[1],
        "total": row[2],
        "deliveries": statuses,
        "max_attempts": attempts,
    }


async def broadcast_status(database: Path) -> str | None:
    def read() -> str | None:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT status FROM broadcasts ORDER BY id DESC").fetchone()
            return None if row is None else str(row[0])

    with contextlib.suppress(sqlite3.Error):
        return await asyncio.to_thread(read)
    return None


async def queue_broadcast(
    workdir: Path, env: dict[str, str], segment: str, text: str = ANNOUNCEMENT
) -> str:
    """``python -m bot broadcast --text FILE --segment SEGMENT`` (the emulator keeps serving)."""
    text_file = workdir / "announcement.txt"
    text_file.write_text(text, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        "broadcast",
        "--text",
        str(text_file),
        "--segment",
        segment,
        cwd=workdir,
        env={**os.environ, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    printed = out.decode(errors="replace").strip()
    if proc.returncode != 0:
        raise RuntimeError(f"python -m bot broadcast failed:\n{printed}")
    return printed.splitlines()[0] if printed else ""


# --------------------------------------------------------------------------- what arrives


class DeliveryLog:
    """Counts the new messages each recipient gets (through the emulator's listener hook) and
    when: the first message to each recipient, and any further one (a duplicate)."""

    def __init__(self, emulator: BotApiEmulator, recipients: Iterable[int]) -> None:
        self.emulator = emulator
        self.recipients = frozenset(recipients)
        self.counts: dict[int, int] = {}
        self.first_times: list[float] = []  # monotonic time of each recipient's first message
        self.duplicates = 0
        self.started = asyncio.Event()
        self.complete = asyncio.Event()
        emulator.add_listener(self._on_message)

    def close(self) -> None:
        self.emulator.remove_listener(self._on_message)

    def _on_message(self, chat_id: int, message: SentMessage, edited: bool) -> None:
        if edited or chat_id not in self.recipients:
            return
        count = self.counts.get(chat_id, 0) + 1
        self.counts[chat_id] = count
        if count > 1:
            self.duplicates += 1
            return
        self.first_times.append(time.monotonic())
        if len(self.first_times) == 1:
            self.started.set()
        if len(self.first_times) == len(self.recipients):
            self.complete.set()

    @property
    def delivered(self) -> int:
        return len(self.first_times)

    @property
    def span(self) -> float:
        return self.first_times[-1] - self.first_times[0] if len(self.first_times) > 1 else 0.0

    def figures(self, window: float = 10.0) -> dict[str, Any]:
        span = self.span
        times = self.first_times
        per_window: list[float] = []
        if times:
            counts = [0] * (int(span // window) + 1)
            for at in times:
                counts[min(int((at - times[0]) // window), len(counts) - 1)] += 1
            # The last window is usually partial: divide by its real length.
            last = span - window * (len(counts) - 1)
            per_window = [
                round(n / (window if i < len(counts) - 1 else max(last, 1e-9)), 1)
                for i, n in enumerate(counts)
            ]
        return {
            "recipients": len(self.recipients),
            "delivered": self.delivered,
            "lost": len(self.recipients) - self.delivered,
            "duplicates": self.duplicates,
            "span_s": round(span, 3),
            # The definition: recipients / (last message - first message).
            "msgs_per_s": round(self.delivered / span, 2) if span else None,
            # Strictly, n messages make n - 1 intervals; shown for the record.
            "intervals_per_s": round((self.delivered - 1) / span, 2) if span else None,
            f"msgs_per_s_by_{window:g}s": per_window,
        }


def limited_calls(
    emulator: BotApiEmulator, groups: dict[str, frozenset[int]], since: float, until: float
) -> list[tuple[float, str, int]]:
    """(time, group, status) of the rate-limited calls (send*/edit*) the emulator answered
    between two moments, to chats of the given groups."""
    out: list[tuple[float, str, int]] = []
    for at, method, chat_id, status in emulator.requests:
        if at < since or at > until:
            continue
        lower = method.lower()
        if not lower.startswith(("send", "edit")) or lower == "sendchataction":
            continue
        cid = (
            int(chat_id) if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit() else chat_id
        )
        for name, chats in groups.items():
            if cid in chats:
                out.append((at, name, status))
                break
    return out


def calls_by_group(calls: list[tuple[float, str, int]]) -> dict[str, dict[str, int]]:
    """Counts by group and status (200, 429, ...)."""
    out: dict[str, dict[str, int]] = {"broadcast": {}, "replies": {}}
    for _, name, status in calls:
        group = out.setdefault(name, {})
        group[str(status)] = group.get(str(status), 0) + 1
    return out


def flood_figures(calls: list[tuple[float, str, int]], start: float) -> dict[str, Any]:
    """What the 429s looked like: when the first came, what filled the emulator's one-second
    window at each (the calls it had let through), and how often the broadcast's messages
    went out in bursts (3 or more within 10 ms)."""
    passed = [(at, name) for at, name, status in calls if status == 200]
    refused = [(at, name) for at, name, status in calls if status == 429]
    windows = []
    low = 0
    for at, name in refused:
        while low < len(passed) and passed[low][0] <= at - 1.0:
            low += 1
        inside = [n for t, n in passed[low:] if t <= at]
        windows.append(
            {
                "at_s": round(at - start, 3),
                "to": name,
                "window_broadcast": inside.count("broadcast"),
                "window_replies": inside.count("replies"),
            }
        )
    sends = [at for at, name in passed if name == "broadcast"]
    bursts = 0
    i = 0
    while i < len(sends):
        j = i
        while j + 1 < len(sends) and sends[j + 1] - sends[j] < 0.010:
            j += 1
        if j - i + 1 >= 3:
            bursts += 1
        i = j + 1
    return {
        "first_429_at_s": windows[0]["at_s"] if windows else None,
        "broadcast_bursts_of_3_plus": bursts,
        "windows_at_429": windows[:40],
    }


# --------------------------------------------------------------------------- the bot


@dataclass
class Stage:
    """A fresh emulator and, once started, the bot polling it with a database of its own."""

    label: str
    workdir: Path
    database: Path
    emulator: BotApiEmulator
    env: dict[str, str]
    bot: BotProcess | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def open(
        cls,
        label: str,
        workdir: Path,
        database: Path,
        settings: dict[str, str],
        limits: bool,
    ) -> Stage:
        settle_memory()
        emu = BotApiEmulator(token=BENCH_TOKEN, bot_username=f"bench_{label}_bot")
        await emu.start()
        if limits:
            emu.enable_rate_limits(global_per_sec=30, per_chat_per_sec=1, per_chat_burst=3)
        env = {**bot_env(emu, database), "QUIET_HOURS": "off", **settings}
        return cls(label, workdir, database, emu, env)

    async def start_bot(self, profile: Path | None, unpaced: bool = False) -> BotProcess:
        argv = [PYTHON, "-c", UNPACED_BOOTSTRAP] if unpaced else [PYTHON, "-m", "bot", "run"]
        bot = BotProcess(self.label, argv, self.env, self.workdir, self.emulator)
        if profile is not None:
            bot.profile_to = profile / f"{self.label}.folded"
        await bot.start()
        self.bot = bot
        return bot

    async def wait_done(self, timeout: float = 15.0) -> str | None:  # noqa: ASYNC109
        """Wait until the engine marks the broadcast done (its outbox is empty)."""
        deadline = time.monotonic() + timeout
        status = await broadcast_status(self.database)
        while status != "done" and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            status = await broadcast_status(self.database)
        return status

    async def close(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        try:
            if self.bot is not None:
                await self.bot.stop()
                info.update(
                    peak_rss_mb=round(self.bot.peak_rss_mb, 1),
                    vm_hwm_mb=round((self.bot.vm_hwm_kb or 0) / 1024, 1),
                    rss_sampled_max_mb=round(max(self.bot.rss_samples, default=0) / 2**20, 1),
                    bot_exit_code=self.bot.returncode,
                    bot_log_errors=self.bot.log_problems(),
                )
        finally:
            await self.emulator.stop()
        stats = self.emulator.stats
        info.update(
            api_requests=stats["requests"],
            api_methods=dict(stats["methods"]),
            api_429=stats["429"],
            api_errors=len(self.emulator.api_errors),
        )
        if self.bot is not None and self.database.exists():
            info["outbox"] = delivery_figures(self.database)
        return info


# --------------------------------------------------------------------------- (a) and (c)


def citizen_steps(n: int) -> list[Step]:
    """/help, then a registration (/start, the join button, consent, name, ...)."""
    return [("text", "/help", "help"), *registration_steps(n)]


AFTER_REGISTRATION: list[Step] = [("text", "/help", "help"), ("text", "/start", "start")]


@dataclass
class Citizens:
    """``count`` citizens, each sending one update every ``interval`` s (staggered, so the
    arrivals are evenly spaced: count / interval updates/s in all), each waiting for the
    answer before the next one (if it comes late, the next one goes as soon as it comes)."""

    emulator: BotApiEmulator
    watcher: ReplyWatcher
    count: int
    interval: float
    first_id: int = 40_000_000
    sent: int = 0
    answered: int = 0
    late_sends: int = 0  # sends delayed past their slot by a late answer
    failures: dict[str, int] = field(default_factory=dict)
    started_at: float = 0.0
    stopped_at: float = 0.0

    @property
    def ids(self) -> list[int]:
        return [self.first_id + k for k in range(self.count)]

    def add_to_emulator(self) -> None:
        for uid in self.ids:
            self.emulator.add_user(
                uid, first_name=f"Citizen{uid}", language_code="vi", phone=phone_of(uid)
            )

    def _fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1

    async def run(self, stop: asyncio.Event) -> None:
        self.started_at = time.monotonic()
        await asyncio.gather(*(self._citizen(k, uid, stop) for k, uid in enumerate(self.ids)))
        self.stopped_at = time.monotonic()

    async def _citizen(self, k: int, uid: int, stop: asyncio.Event) -> None:
        steps = citizen_steps(k)
        index = 0
        due = self.started_at + k * self.interval / self.count
        while not stop.is_set():
            delay = due - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    return
            elif delay < -0.05:
                self.late_sends += 1
            step = (
                steps[index]
                if index < len(steps)
                else AFTER_REGISTRATION[(index - len(steps)) % len(AFTER_REGISTRATION)]
            )
            index += 1
            due += self.interval
            try:
                action = act(self.emulator, uid, step)
                self.sent += 1
                await self.watcher.next_reply(uid, action, STEP_TIMEOUT, tag=step[2])
                self.answered += 1
            except TimeoutError:
                self._fail(f"no answer in {STEP_TIMEOUT:g} s to {step[1]!r}")
            except LookupError as exc:
                self.sent -= 1
                self._fail(f"{type(exc).__name__} at {step[1]!r}")
                index = len(steps)  # carry on with /help and /start


async def nudge(emulator: BotApiEmulator, after: float) -> None:
    """Diagnostics (--nudge-at): ``after`` s into the broadcast, count six foreign calls in the
    emulator's one-second window, as other traffic of the same bot would; the next call or
    two get a 429. Shows whether the broadcast recovers from a single 429."""
    await asyncio.sleep(after)
    limiter = emulator._limiter  # the emulator has no public hook for this
    if limiter is not None:
        limiter._window.extend([time.monotonic()] * 6)


async def paced(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """(a) a broadcast at BROADCAST_RATE under the emulator's flood limits, and (c) citizens
    chatting with the bot meanwhile."""
    database = workdir / "paced.sqlite3"
    first_id = 10_000_000
    seeded = await seed_database(database, workdir, first_id, args.recipients)
    recipients = recipient_ids(first_id, args.recipients)
    settings = {"BROADCAST_RATE": f"{args.rate:g}"}
    stage = await Stage.open("paced", workdir, database, settings, limits=True)
    emu = stage.emulator
    for uid in recipients:
        emu.add_user(uid, first_name=f"Sub{uid}", language_code="vi")
    log = DeliveryLog(emu, recipients)
    watcher = ReplyWatcher(emu)
    citizens = Citizens(emu, watcher, args.citizens, args.citizen_interval)
    stop = asyncio.Event()
    lag, machine = LoopLag(), SystemCpu()
    citizen_task: asyncio.Task[None] | None = None
    nudge_task: asyncio.Task[None] | None = None
    try:
        bot = await stage.start_bot(args.profile)
        bot_cpu, own_cpu = CpuMeter(bot.ps), CpuMeter(psutil.Process())  # type: ignore[arg-type]
        queued_at = time.monotonic()
        queued = await queue_broadcast(workdir, stage.env, "all")
        await asyncio.wait_for(log.started.wait(), START_TIMEOUT)
        pickup = time.monotonic() - queued_at
        # The outbox is written before the first message goes: citizens who appear now are
        # not recipients, whatever the bot records about them.
        if citizens.count:
            citizens.add_to_emulator()
            citizen_task = asyncio.create_task(citizens.run(stop))
        if args.nudge_at is not None:
            nudge_task = asyncio.create_task(nudge(emu, args.nudge_at))
        bot_cpu.start()
        own_cpu.start()
        machine.start()
        lag.start()
        limit = len(recipients) / args.rate * 2 + 60
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(log.complete.wait(), limit)
        ended = time.monotonic()
        stop.set()
        bot_cpu.stop()
        own_cpu.stop()
        system_cpu = machine.stop()
        loop_lag = await lag.stop()
        if citizen_task is not None:
            await citizen_task
        await asyncio.sleep(DONE_GRACE)
        status = await stage.wait_done()
    finally:
        stop.set()
        if citizen_task is not None and not citizen_task.done():
            citizen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await citizen_task
        if nudge_task is not None:
            nudge_task.cancel()
        log.close()
        watcher.close()
        closed = await stage.close()
    first = log.first_times[0] if log.first_times else ended
    groups = {"broadcast": frozenset(recipients), "replies": frozenset(citizens.ids)}
    limited = limited_calls(emu, groups, first, ended)
    calls = calls_by_group(limited)
    window = max(ended - first, 1e-9)
    delivered = log.figures()
    rate = delivered["msgs_per_s"]
    return {
        "recipients": len(recipients),
        "seeded": seeded,
        "configured_rate_per_s": args.rate,
        "queued": queued,
        "pickup_s": round(pickup, 2),
        **delivered,
        "rate_fraction": round(rate / args.rate, 4) if rate else None,
        "broadcast_status": status,
        "api_429": emu.stats["429"],
        "calls_during_broadcast": calls,
        "flood": flood_figures(limited, first),
        "nudged_at_s": args.nudge_at,
        # Replies that went through (status 200), and the limited calls the bot tried in all.
        "reply_calls_per_s": round(calls["replies"].get("200", 0) / window, 2),
        "reply_calls_tried_per_s": round(sum(calls["replies"].values()) / window, 2),
        "citizens": {
            "count": citizens.count,
            "interval_s": citizens.interval,
            "offered_updates_per_s": round(citizens.count / citizens.interval, 2)
            if citizens.count
            else 0,
            "updates_sent": citizens.sent,
            "answered": citizens.answered,
            "late_sends": citizens.late_sends,
            "failures": sum(citizens.failures.values()),
            "failure_reasons": citizens.failures,
            "latency_ms": latency_summary(watcher.latencies),
            "latency_ms_by_step": {
                tag: latency_summary(values) for tag, values in sorted(watcher.by_tag.items())
            },
            "emulator_reply_latency_ms": latency_summary(emu.reply_latencies()),
        },
        "bot_cpu_percent": round(bot_cpu.percent, 1),
        "bench_process_cpu_percent": round(own_cpu.percent, 1),
        "bench_loop_lag_ms": loop_lag,
        "machine_cpu": system_cpu,
        **closed,
    }


# --------------------------------------------------------------------------- (b)


async def engine_capacity(
    args: argparse.Namespace,
    workdir: Path,
    seeded_db: Path,
    recipients: list[int],
    label: str,
    unpaced: bool = False,
) -> dict[str, Any]:
    """The engine at BROADCAST_RATE=--capacity-rate (paid), no flood limits; with ``unpaced``,
    its Pacer switched off (for information)."""
    database = workdir / f"{label}.sqlite3"
    shutil.copyfile(seeded_db, database)
    settings = {"BROADCAST_PAID": "true", "BROADCAST_RATE": f"{args.capacity_rate:g}"}
    if args.concurrency != CONCURRENCY_DEFAULT:
        settings["BROADCAST_CONCURRENCY"] = str(args.concurrency)
    stage = await Stage.open(label, workdir, database, settings, limits=False)
    emu = stage.emulator
    for uid in recipients:
        emu.add_user(uid, first_name=f"Sub{uid}", language_code="en")
    log = DeliveryLog(emu, recipients)
    lag, machine = LoopLag(), SystemCpu()
    try:
        # Queued before the bot starts, which sends it at once (the engine looks for work at
        # start, then every 5 s): the same broadcast, without the wait.
        queued = await queue_broadcast(workdir, stage.env, args.segment)
        queued_at = time.monotonic()
        bot = await stage.start_bot(args.profile, unpaced)
        bot_cpu, own_cpu = CpuMeter(bot.ps), CpuMeter(psutil.Process())  # type: ignore[arg-type]
        await asyncio.wait_for(log.started.wait(), START_TIMEOUT)
        pickup = time.monotonic() - queued_at
        bot_cpu.start()
        own_cpu.start()
        machine.start()
        lag.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(log.complete.wait(), len(recipients) / 50 + 60)
        bot_cpu.stop()
        own_cpu.stop()
        system_cpu = machine.stop()
        loop_lag = await lag.stop()
        await asyncio.sleep(DONE_GRACE)
        status = await stage.wait_done()
        bot.read_vm_hwm()
    finally:
        log.close()
        closed = await stage.close()
    figures = log.figures(window=2.0)
    return {
        "client": "engine, pacer off" if unpaced else "engine",
        "configured_rate_per_s": None if unpaced else args.capacity_rate,
        "concurrency": args.concurrency,
        "queued": queued,
        "start_to_first_message_s": round(pickup, 2),
        **figures,
        "broadcast_status": status,
        "bot_cpu_percent": round(bot_cpu.percent, 1),
        "bench_process_cpu_percent": round(own_cpu.percent, 1),
        "bench_loop_lag_ms": loop_lag,
        "machine_cpu": system_cpu,
        **closed,
    }


async def bare_capacity(
    args: argparse.Namespace, workdir: Path, recipients: list[int], client: str
) -> dict[str, Any]:
    """A bare loop of sendMessage requests (``client``: httpx or aiohttp) in a process of its
    own, with the engine's concurrency, to a fresh emulator with the same recipients."""
    settle_memory()
    emu = BotApiEmulator(token=BENCH_TOKEN, bot_username=f"bench_{client}_bot")
    await emu.start()
    for uid in recipients:
        emu.add_user(uid, first_name=f"Sub{uid}", language_code="en")
    ids_file = workdir / "recipients.json"
    ids_file.write_text(json.dumps(recipients))
    log = DeliveryLog(emu, recipients)
    lag, machine = LoopLag(), SystemCpu()
    own_cpu = CpuMeter(psutil.Process())
    argv = [
        PYTHON,
        str(THIS_FILE),
        "--bare-loop",
        client,
        "--bare-url",
        f"{emu.url}/bot{emu.token}/sendMessage",
        "--bare-ids",
        str(ids_file),
        "--concurrency",
        str(args.concurrency),
    ]
    try:
        machine.start()
        lag.start()
        own_cpu.start()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        ps = psutil.Process(proc.pid)
        client_cpu = float("nan")

        async def meter_client() -> None:
            """The client's CPU time from its first message to its last (not its start-up)."""
            nonlocal client_cpu
            await log.started.wait()
            with contextlib.suppress(psutil.Error):
                before = sum(ps.cpu_times()[:2])
                await log.complete.wait()
                client_cpu = sum(ps.cpu_times()[:2]) - before

        meter = asyncio.create_task(meter_client())
        out, err = await proc.communicate()
        meter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await meter
        own_cpu.stop()
        system_cpu = machine.stop()
        loop_lag = await lag.stop()
    finally:
        log.close()
        await emu.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"bare {client} loop failed:\n{err.decode(errors='replace')[-2000:]}")
    reported = json.loads(out.decode().strip().splitlines()[-1])
    figures = log.figures(window=2.0)
    span = figures["span_s"] or float("nan")
    return {
        "client": client,
        "concurrency": args.concurrency,
        **figures,
        "client_report": reported,
        # CPU of the client process from its first message to its last.
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_percent_of_span": round(100 * client_cpu / span, 1),
        "bench_process_cpu_percent": round(own_cpu.percent, 1),
        "bench_loop_lag_ms": loop_lag,
        "machine_cpu": system_cpu,
        "api_requests": emu.stats["requests"],
        "api_errors": len(emu.api_errors),
    }


async def capacity(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    first_id = 30_000_000
    seeded_db = workdir / "seeded.sqlite3"
    en_every = args.subscribers // args.capacity_recipients if args.segment != "all" else 0
    seeded = await seed_database(seeded_db, workdir, first_id, args.subscribers, en_every)
    recipients = recipient_ids(first_id, args.subscribers, en_every)
    runs: dict[str, list[dict[str, Any]]] = {
        "engine": [],
        "httpx": [],
        "aiohttp": [],
        "engine_unpaced": [],
    }
    for r in range(args.repeats):
        for client in ("httpx", "aiohttp"):
            print(
                f"· (b) bare {client} loop, {len(recipients)} messages (run {r + 1}) …", flush=True
            )
            runs[client].append(await bare_capacity(args, workdir, recipients, client))
            print(f"    {runs[client][-1]['msgs_per_s']} msgs/s", flush=True)
        print(
            f"· (b) engine, {len(recipients)} of {args.subscribers} subscribers at"
            f" BROADCAST_RATE={args.capacity_rate:g} (run {r + 1}) …",
            flush=True,
        )
        runs["engine"].append(
            await engine_capacity(args, workdir, seeded_db, recipients, f"engine{r}")
        )
        print(f"    {runs['engine'][-1]['msgs_per_s']} msgs/s", flush=True)
        if not args.no_unpaced:
            print("· (b) engine with its pacer switched off, for information …", flush=True)
            runs["engine_unpaced"].append(
                await engine_capacity(args, workdir, seeded_db, recipients, "unpaced", True)
            )
            print(f"    {runs['engine_unpaced'][-1]['msgs_per_s']} msgs/s", flush=True)
    return {"subscribers": args.subscribers, "seeded": seeded, "segment": args.segment, **runs}


# --------------------------------------------------------------------------- the bare loop


async def bare_loop(client: str, url: str, ids: list[int], concurrency: int) -> dict[str, Any]:
    """``concurrency`` workers posting sendMessage (chat_id and text as form data)."""
    pending = iter(ids)
    ok = errors = 0
    started = time.monotonic()
    if client == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as http:

            async def worker() -> None:
                nonlocal ok, errors
                for chat_id in pending:
                    response = await http.post(
                        url, data={"chat_id": str(chat_id), "text": ANNOUNCEMENT}
                    )
                    if response.status_code == 200:
                        ok += 1
                    else:
                        errors += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker() -> None:
                nonlocal ok, errors
                for chat_id in pending:
                    form = {"chat_id": str(chat_id), "text": ANNOUNCEMENT}
                    async with session.post(url, data=form) as response:
                        await response.read()
                        if response.status == 200:
                            ok += 1
                        else:
                            errors += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.monotonic() - started
    return {"ok": ok, "errors": errors, "wall_s": round(wall, 3)}


def bare_loop_main(args: argparse.Namespace) -> int:
    ids = json.loads(Path(args.bare_ids).read_text())
    coroutine = bare_loop(args.bare_loop, args.bare_url, ids, args.concurrency)
    try:  # the same event loop as the bot (bot/cli.py runs it on uvloop where installed)
        import uvloop
    except ImportError:
        result = asyncio.run(coroutine)
        result["loop"] = "asyncio"
    else:
        result = uvloop.run(coroutine)
        result["loop"] = "uvloop"
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> dict[str, Any]:
    code_before = code_state()
    workdir = Path(tempfile.mkdtemp(prefix="khuyenhoc-bench-broadcast-"))
    paced_res: dict[str, Any] | None = None
    capacity_res: dict[str, Any] | None = None
    try:
        if not args.skip_paced:
            print(
                f"· (a)+(c) broadcast to {args.recipients} at {args.rate:g}/s under flood limits,"
                f" {args.citizens} citizens chatting …",
                flush=True,
            )
            paced_res = await paced(args, workdir)
        if not args.skip_capacity:
            capacity_res = await capacity(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res = summarise(args, paced_res, capacity_res)
    res["code"] = {**code_before, "changed_during_run": code_state() != code_before}
    return res


def check(value: Any, target: str, ok: bool | None) -> dict[str, Any]:
    return {"value": value, "target": target, "pass": ok}


def summarise(
    args: argparse.Namespace, paced_res: dict[str, Any] | None, cap: dict[str, Any] | None
) -> dict[str, Any]:
    checks: dict[str, dict[str, Any]] = {}
    summary: dict[str, Any] = {}
    if paced_res is not None:
        fraction = paced_res["rate_fraction"]
        p95 = paced_res["citizens"]["latency_ms"]["p95"] if paced_res["citizens"]["count"] else None
        summary["paced"] = {
            "achieved_msgs_per_s": paced_res["msgs_per_s"],
            "configured_rate_per_s": paced_res["configured_rate_per_s"],
            "rate_fraction": fraction,
            "api_429": paced_res["api_429"],
            "lost": paced_res["lost"],
            "duplicates": paced_res["duplicates"],
            "citizen_latency_ms": paced_res["citizens"]["latency_ms"],
        }
        checks["a_rate_fraction"] = check(
            fraction,
            f">= {TARGETS['paced_rate_fraction_min']}",
            None if fraction is None else fraction >= TARGETS["paced_rate_fraction_min"],
        )
        checks["a_lost"] = check(paced_res["lost"], "== 0", paced_res["lost"] == 0)
        checks["a_duplicates"] = check(
            paced_res["duplicates"], "== 0", paced_res["duplicates"] == 0
        )
        checks["a_429"] = check(paced_res["api_429"], "reported", None)
        checks["c_citizen_p95_ms"] = check(
            p95,
            f"<= {TARGETS['citizen_p95_ms_max']:g}",
            None if p95 is None else p95 <= TARGETS["citizen_p95_ms_max"],
        )
        checks["c_citizen_failures"] = check(
            paced_res["citizens"]["failures"], "== 0", paced_res["citizens"]["failures"] == 0
        )
    if cap is not None:
        engine = median([r["msgs_per_s"] or 0.0 for r in cap["engine"]])
        httpx_rate = median([r["msgs_per_s"] or 0.0 for r in cap["httpx"]])
        aiohttp_rate = median([r["msgs_per_s"] or 0.0 for r in cap["aiohttp"]])
        ratio = engine / httpx_rate if httpx_rate else None
        engines = cap["engine"] + cap["engine_unpaced"]
        peak_rss = max((r["peak_rss_mb"] for r in engines), default=float("nan"))
        lost = sum(r["lost"] for r in engines)
        dups = sum(r["duplicates"] for r in engines)
        unpaced = median([r["msgs_per_s"] or 0.0 for r in cap["engine_unpaced"]])
        # Pacer-limited: the engine reaches BROADCAST_RATE (it could go faster).
        pacer_limited = engine >= 0.95 * args.capacity_rate
        summary["capacity"] = {
            "engine_msgs_per_s": round(engine, 1),
            "bare_httpx_msgs_per_s": round(httpx_rate, 1),
            "bare_aiohttp_msgs_per_s": round(aiohttp_rate, 1),
            "ratio_engine_httpx": None if ratio is None else round(ratio, 3),
            "ratio_engine_aiohttp": round(engine / aiohttp_rate, 3) if aiohttp_rate else None,
            "engine_pacer_off_msgs_per_s": round(unpaced, 1) if cap["engine_unpaced"] else None,
            "ratio_engine_pacer_off_httpx": round(unpaced / httpx_rate, 3)
            if cap["engine_unpaced"] and httpx_rate
            else None,
            "ratio_engine_httpx_by_round": [
                round((e["msgs_per_s"] or 0.0) / h["msgs_per_s"], 3) if h["msgs_per_s"] else None
                for e, h in zip(cap["engine"], cap["httpx"], strict=False)
            ],
            "pacer_limited": pacer_limited,
            # What the pacer costs at this rate: 1 - engine / engine with its pacer off.
            "pacer_cost_fraction": round(1 - engine / unpaced, 3)
            if cap["engine_unpaced"] and unpaced
            else None,
            "engine_bot_cpu_percent": median([r["bot_cpu_percent"] for r in cap["engine"]]),
            "peak_rss_mb": peak_rss,
            "lost": lost,
            "duplicates": dups,
        }
        checks["b_ratio_engine_httpx"] = check(
            None if ratio is None else round(ratio, 3),
            f">= {TARGETS['capacity_ratio_min']}",
            None if ratio is None else ratio >= TARGETS["capacity_ratio_min"],
        )
        checks["b_peak_rss_mb"] = check(
            peak_rss, f"<= {TARGETS['peak_rss_mb_max']:g}", peak_rss <= TARGETS["peak_rss_mb_max"]
        )
        checks["b_lost_duplicates"] = check(
            {"lost": lost, "duplicates": dups}, "== 0", lost == 0 and dups == 0
        )
    return {
        "benchmark": "broadcast",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "parameters": {
            "quick": args.quick,
            "recipients": args.recipients,
            "rate_per_s": args.rate,
            "emulator_limits": {"global_per_s": 30, "per_chat_per_s": 1, "per_chat_burst": 3},
            "citizens": args.citizens,
            "citizen_interval_s": args.citizen_interval,
            "subscribers": args.subscribers,
            "capacity_recipients": args.capacity_recipients,
            "capacity_segment": args.segment,
            "capacity_rate_per_s": args.capacity_rate,
            "concurrency": args.concurrency,
            "repeats": args.repeats,
            "profiled": args.profile is not None,
            "step_timeout_s": STEP_TIMEOUT,
            "announcement_chars": len(ANNOUNCEMENT),
        },
        "targets": TARGETS,
        "summary": summary,
        "checks": checks,
        "all_pass": all(c["pass"] is not False for c in checks.values()),
        "paced": paced_res,
        "capacity": cap,
    }


# --------------------------------------------------------------------------- the report


def verdict(c: dict[str, Any]) -> str:
    return {True: "PASS", False: "FAIL", None: "(info)"}[c["pass"]]


def flood_lines(a: dict[str, Any]) -> list[str]:
    flood = a["flood"]
    lines = []
    if a["nudged_at_s"] is not None:
        lines.append(
            f"  nudged (--nudge-at): six foreign calls put in the emulator's window"
            f" {a['nudged_at_s']:g} s into the broadcast"
        )
    if flood["windows_at_429"]:
        windows = flood["windows_at_429"]
        lines.append(
            f"  first 429 {flood['first_429_at_s']:.1f} s into the broadcast; at the 429s the"
            " emulator's one-second window held about (median) "
            f"{median([w['window_broadcast'] for w in windows]):g} broadcast +"
            f" {median([w['window_replies'] for w in windows]):g} reply messages;"
            f" {flood['broadcast_bursts_of_3_plus']} bursts of >= 3 broadcast messages"
            " within 10 ms"
        )
    return lines


def report(res: dict[str, Any]) -> str:
    checks, m, code = res["checks"], res["machine"], res["code"]
    changed = f" + {code['uncommitted_files']} changed files" if code["uncommitted_files"] else ""
    lines = [
        "",
        f"Broadcast benchmark — {res['date']}, {m['cpu_count']} CPUs, Python {m['python']},"
        f" commit {code['commit']}{changed}",
    ]
    if code["changed_during_run"]:
        lines.append("  WARNING: the code changed during the run; phases measured different code")
    a = res["paced"]
    if a is not None:
        calls, busy = a["calls_during_broadcast"], a["machine_cpu"]
        lines += [
            "",
            f"(a) Paced broadcast: {a['recipients']} recipients, BROADCAST_RATE="
            f"{a['configured_rate_per_s']:g}, emulator limits 30/s overall, 1/s per chat"
            " (burst 3)",
            f"  achieved {a['msgs_per_s']} msgs/s over {a['span_s']:.1f} s ="
            f" {100 * (a['rate_fraction'] or 0):.1f}% of {a['configured_rate_per_s']:g}"
            f"  (target >= 97%)  {verdict(checks['a_rate_fraction'])}",
            f"  delivered {a['delivered']}/{a['recipients']}: lost {a['lost']}"
            f" {verdict(checks['a_lost'])}, duplicates {a['duplicates']}"
            f" {verdict(checks['a_duplicates'])}; outbox {a['outbox'].get('deliveries')},"
            f" broadcast {a['broadcast_status']}",
            f"  429s: {a['api_429']} in all; during the broadcast, to recipients"
            f" {calls['broadcast'].get('429', 0)}, to citizens {calls['replies'].get('429', 0)}",
            *flood_lines(a),
            f"  picked up {a['pickup_s']:.1f} s after queueing; bot CPU"
            f" {a['bot_cpu_percent']:.0f}%, bench CPU {a['bench_process_cpu_percent']:.0f}%,"
            f" machine busy {busy['busy_percent']:.0f}% (stolen {busy['steal_percent']:.0f}%)",
        ]
        cz = a["citizens"]
        if cz["count"]:
            ms, lag = cz["latency_ms"], a["bench_loop_lag_ms"]
            lines += [
                "",
                f"(c) During (a): {cz['count']} citizens (not recipients), one update each every"
                f" {cz['interval_s']:g} s = {cz['offered_updates_per_s']:g} updates/s;"
                f" {cz['updates_sent']} sent, {cz['answered']} answered",
                f"  their replies: {a['reply_calls_per_s']:.1f} send/edit calls/s went through"
                f" ({a['reply_calls_tried_per_s']:.1f}/s tried) next to the broadcast's"
                f" {a['configured_rate_per_s']:g}/s (of 30/s, that leaves"
                f" {30 - a['configured_rate_per_s']:g}/s)",
                f"  reply latency ms: p50 {ms['p50']:.1f}  p95 {ms['p95']:.1f}  p99 {ms['p99']:.1f}"
                f"  max {ms['max']:.1f}  (n={ms['count']})  target p95 <= 500"
                f"  {verdict(checks['c_citizen_p95_ms'])}",
                f"  failures {cz['failures']} {verdict(checks['c_citizen_failures'])};"
                f" sends delayed by a late answer {cz['late_sends']}; harness loop lag"
                f" p99 {lag['p99']:.1f} ms, max {lag['max']:.0f} ms",
            ]
            for reason, count in sorted(cz["failure_reasons"].items()):
                lines.append(f"      {count} × {reason}")
    cap = res["capacity"]
    if cap is not None:
        s = res["summary"]["capacity"]
        lines += [
            "",
            f"(b) Capacity, limits lifted: {cap['engine'][0]['recipients']} recipients"
            f" ({cap['segment']}) of {cap['subscribers']} subscribers, concurrency"
            f" {res['parameters']['concurrency']}, each in a process of its own",
            f"  {'':<24}{'msgs/s':>9}{'span s':>9}{'lost':>6}{'dup':>5}{'its CPU':>9}"
            f"{'bench CPU':>11}{'busy':>6}",
        ]
        names = {
            "httpx": "bare httpx loop",
            "aiohttp": "bare aiohttp loop",
            "engine": f"engine @{res['parameters']['capacity_rate_per_s']:g}/s",
            "engine_unpaced": "engine, pacer off",
        }
        for name, title in names.items():
            for i, r in enumerate(cap[name]):
                label = f"{title} #{i + 1}" if len(cap[name]) > 1 else title
                cpu = r.get("bot_cpu_percent", r.get("client_cpu_percent_of_span"))
                lines.append(
                    f"  {label:<24}{r['msgs_per_s'] or 0:>9.1f}{r['span_s']:>9.2f}{r['lost']:>6}"
                    f"{r['duplicates']:>5}{cpu:>8.0f}%{r['bench_process_cpu_percent']:>10.0f}%"
                    f"{r['machine_cpu']['busy_percent']:>5.0f}%"
                )
        ratio = checks["b_ratio_engine_httpx"]
        medians = "  (medians)" if len(cap["engine"]) > 1 else ""
        by_round = ", ".join(str(v) for v in s["ratio_engine_httpx_by_round"])
        lines += [
            f"  engine {s['engine_msgs_per_s']:.1f} / bare httpx {s['bare_httpx_msgs_per_s']:.1f}"
            f" = ratio {ratio['value']}{medians}  (target {ratio['target']})  {verdict(ratio)}",
            f"  ratio engine / bare httpx in each round: {by_round}",
            f"  for information: engine / bare aiohttp {s['bare_aiohttp_msgs_per_s']:.1f}"
            f" = {s['ratio_engine_aiohttp']}",
        ]
        if s["engine_pacer_off_msgs_per_s"] is not None:
            lines.append(
                "  for information: engine with its pacer off"
                f" {s['engine_pacer_off_msgs_per_s']:.1f} msgs/s,"
                f" / bare httpx = {s['ratio_engine_pacer_off_httpx']}"
            )
        rate = res["parameters"]["capacity_rate_per_s"]
        if s["pacer_limited"]:
            lines.append(
                f"  NOTE: the engine reached BROADCAST_RATE={rate:g}: the pacer, not the engine's"
                " own speed, is the limit"
            )
        elif s["pacer_cost_fraction"] is not None:
            lines.append(
                f"  the engine stays below BROADCAST_RATE={rate:g}; with its pacer off it sends"
                f" {s['engine_pacer_off_msgs_per_s']:.1f}/s: at this rate the pacer costs"
                f" {100 * s['pacer_cost_fraction']:.0f}% (1 - engine / engine with the pacer off)"
            )
        rss = checks["b_peak_rss_mb"]
        lines += [
            f"  peak RSS of the bot: {rss['value']:.1f} MB with {cap['subscribers']} subscribers"
            f" (target {rss['target']} MB)  {verdict(rss)}",
            f"  engine lost/duplicates: {s['lost']}/{s['duplicates']}"
            f"  {verdict(checks['b_lost_duplicates'])}",
        ]
    lines += ["", f"Overall: {'PASS' if res['all_pass'] else 'FAIL'}"]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--recipients", type=int, default=3000, help="(a) recipients (3000)")
    parser.add_argument("--rate", type=float, default=25.0, help="(a) BROADCAST_RATE (25)")
    parser.add_argument("--citizens", type=int, default=100, help="(c) citizens (100)")
    parser.add_argument(
        "--citizen-interval",
        type=float,
        default=25.0,
        help="(c) seconds between one citizen's updates (25: 4 updates/s for 100)",
    )
    parser.add_argument(
        "--subscribers", type=int, default=100_000, help="(b) subscribers in the database"
    )
    parser.add_argument(
        "--capacity-recipients", type=int, default=20_000, help="(b) recipients (20000)"
    )
    parser.add_argument(
        "--segment",
        default="language:en",
        help="(b) the segment: language:en (every n-th subscriber) or all",
    )
    parser.add_argument(
        "--capacity-rate", type=float, default=1000.0, help="(b) BROADCAST_RATE, paid (1000)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY_DEFAULT,
        help="(b) BROADCAST_CONCURRENCY and the bare loops' concurrency (8)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="(b) runs of each; medians (2)")
    parser.add_argument(
        "--no-unpaced", action="store_true", help="(b) no run of the engine with its pacer off"
    )
    parser.add_argument(
        "--nudge-at",
        type=float,
        metavar="S",
        help="diagnostics: S s into (a), six foreign calls in the emulator's 30/s window (a 429)",
    )
    parser.add_argument("--skip-paced", action="store_true", help="no (a)/(c)")
    parser.add_argument("--skip-capacity", action="store_true", help="no (b)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small numbers")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to save the JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record each bot with py-spy (must be installed) into DIR/<phase>.folded",
    )
    # The bare loop's own process (internal).
    parser.add_argument("--bare-loop", choices=("httpx", "aiohttp"), help=argparse.SUPPRESS)
    parser.add_argument("--bare-url", help=argparse.SUPPRESS)
    parser.add_argument("--bare-ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.recipients, args.citizens, args.citizen_interval = 300, 20, 5.0
        args.subscribers, args.capacity_recipients, args.repeats = 10_000, 2_000, 1
    if args.segment == "all":
        args.capacity_recipients = args.subscribers
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.bare_loop:
        return bare_loop_main(args)
    started = time.monotonic()
    res = asyncio.run(run(args))
    res["benchmark_wall_s"] = round(time.monotonic() - started, 1)
    print(report(res))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
    print(f"\nSaved {args.output} ({res['benchmark_wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
