"""Benchmark: the registration conversation under load, against the Bot API emulator.

The emulator and the simulated users run here, in one asyncio loop; the bot under measurement
(``python -m bot run``) and the baseline echo bot (bench/echo_bot.py) run as processes of their
own and reach the emulator over HTTP, exactly as they would reach Telegram.

Phases:
  1. saturation, echo bot:  N users at once, each sending as many updates as a registration.
  2. saturation, our bot:   N users register at once; updates handled per second.
  3. latency, our bot:      open-loop arrivals at R updates/s for D seconds; reply latency.

Run with ``make bench`` or ``.venv/bin/python bench/registration.py [--quick]``; figures are
printed and saved to bench/results/registration.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

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
    percentile,
    settle_memory,
)
from bot.devtools.emulator import BotApiEmulator, SentMessage

RESULTS = ROOT / "bench" / "results" / "registration.json"
STEP_TIMEOUT = 30.0  # seconds a simulated user waits for an answer before giving up
TARGETS = {
    "throughput_ratio_min": 0.7,
    "latency_p99_ms_max": 100.0,
    "peak_rss_mb_max": 150.0,
}

# Real Hải Phòng wards: what the user types, and the button it offers.
WARDS = (
    ("ngo quyen", "Phường Ngô Quyền"),
    ("le chan", "Phường Lê Chân"),
    ("hong bang", "Phường Hồng Bàng"),
    ("cat hai", "Đặc khu Cát Hải"),
    ("kien an", "Phường Kiến An"),
    ("thuy nguyen", "Phường Thuỷ Nguyên"),
    ("tien lang", "Xã Tiên Lãng"),
    ("vinh bao", "Xã Vĩnh Bảo"),
)
NAMES = (
    "Nguyễn Thị Lan",
    "Trần Văn Minh",
    "Lê Thị Hoa",
    "Phạm Quốc Huy",
    "Hoàng Minh Anh",
    "Vũ Thị Thu Hà",
    "Đặng Văn Nam",
    "Bùi Thị Mai",
)

Step = tuple[str, str, str]  # (kind, argument, name); kind is "text", "press" or "reply"


def registration_steps(n: int) -> list[Step]:
    """One complete registration, as in tests/e2e/test_registration.py (11 updates)."""
    query, ward = WARDS[n % len(WARDS)]
    return [
        ("text", "/start", "start"),
        ("press", "📝 Tham gia Hội Khuyến học", "join"),
        ("press", "✅ Tôi đồng ý", "consent"),
        ("text", NAMES[n % len(NAMES)], "name"),
        ("reply", "📱 Gửi số điện thoại của tôi", "phone"),
        ("text", str(1960 + n % 40), "year"),
        ("text", query, "ward_query"),
        ("press", ward, "ward_pick"),
        ("press", "Giáo viên", "category"),
        ("press", "Bỏ qua", "org_skip"),
        ("press", "✅ Xác nhận", "confirm"),
    ]


STEPS_PER_USER = len(registration_steps(0))
STEP_KINDS = {name: kind for kind, _, name in registration_steps(0)}


def echo_steps(n: int) -> list[Step]:
    """As many updates as a registration, all texts."""
    return [("text", f"tin nhắn {k}", "echo") for k in range(STEPS_PER_USER)]


def phone_of(user_id: int) -> str:
    return f"+8491{user_id % 10_000_000:07d}"


def act(emu: BotApiEmulator, user_id: int, step: Step) -> Callable[[], object]:
    kind, arg, _ = step
    if kind == "text":
        return lambda: emu.enqueue_text(user_id, arg)
    if kind == "press":
        return lambda: emu.enqueue_press(user_id, button=arg)
    return lambda: emu.enqueue_reply_button(user_id, arg)


@dataclass
class Outcome:
    sent: int = 0
    finished: int = 0
    confirmed: int = 0  # finished with a membership number in the bot's last answer
    failures: int = 0
    last_done: float = 0.0
    failure_reasons: dict[str, int] | None = None

    def fail(self, reason: str) -> None:
        self.failures += 1
        self.failure_reasons = self.failure_reasons or {}
        self.failure_reasons[reason] = self.failure_reasons.get(reason, 0) + 1


# --------------------------------------------------------------------------- one bot, one phase


@dataclass
class Stage:
    """A fresh emulator with one bot process polling it."""

    kind: str  # "echo" or "registration"
    workdir: Path
    emulator: BotApiEmulator
    bot: BotProcess
    watcher: ReplyWatcher
    database: Path
    # The bot under measurement; --bot-command replaces it (e.g. to run it under cProfile).
    bot_command: ClassVar[list[str]] = [PYTHON, "-m", "bot", "run"]

    @classmethod
    async def open(cls, kind: str, workdir: Path, label: str, profile: Path | None = None) -> Stage:
        settle_memory()
        emu = BotApiEmulator(token=BENCH_TOKEN, bot_username=f"bench_{kind}_bot")
        await emu.start()
        database = workdir / f"{label}.sqlite3"
        if kind == "registration":
            argv = list(cls.bot_command)
        else:
            argv = [PYTHON, str(ROOT / "bench" / "echo_bot.py")]
        env = bot_env(emu, database)
        if kind == "echo-aiohttp":
            env["ECHO_TRANSPORT"] = "aiohttp"
        bot = BotProcess(label, argv, env, workdir, emu)
        if profile is not None:
            bot.profile_to = profile / f"{label}.folded"
        try:
            await bot.start()
        except BaseException:
            await emu.stop()
            raise
        return cls(kind, workdir, emu, bot, ReplyWatcher(emu), database)

    async def close(self) -> dict[str, Any]:
        """Stop the bot (peak RSS read just before), then the emulator; a few figures."""
        await self.bot.stop()
        self.watcher.close()
        await self.emulator.stop()
        stats = self.emulator.stats
        info: dict[str, Any] = {
            "peak_rss_mb": round(self.bot.peak_rss_mb, 1),
            "vm_hwm_mb": round((self.bot.vm_hwm_kb or 0) / 1024, 1),
            "rss_sampled_max_mb": round(max(self.bot.rss_samples, default=0) / 2**20, 1),
            "bot_exit_code": self.bot.returncode,
            "bot_log_errors": self.bot.log_problems(),
            "api_requests": stats["requests"],
            "api_methods": dict(stats["methods"]),
            "api_errors": len(self.emulator.api_errors),
            "rejected": len(self.emulator.rejected),
        }
        if self.kind == "registration":
            info["members_in_db"] = count_members(self.database)
        return info


def count_members(database: Path) -> int | None:
    if not database.exists():
        return None
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM members").fetchone()[0])


def add_users(emu: BotApiEmulator, first_id: int, count: int) -> list[int]:
    ids = list(range(first_id, first_id + count))
    for uid in ids:
        emu.add_user(uid, first_name=f"User{uid}", language_code="vi", phone=phone_of(uid))
    return ids


# --------------------------------------------------------------------------- saturation


async def saturation(
    kind: str, users: int, workdir: Path, label: str, profile: Path | None = None
) -> dict[str, Any]:
    """Every user starts at t=0 and does its steps one after another, each awaiting the answer."""
    stage = await Stage.open(kind, workdir, label, profile)
    emu, watcher = stage.emulator, stage.watcher
    steps_of = registration_steps if kind == "registration" else echo_steps
    ids = add_users(emu, 1_000_000 if kind == "registration" else 2_000_000, users)
    outcome = Outcome()

    async def user(n: int, uid: int) -> None:
        last: SentMessage | None = None
        for step in steps_of(n):
            try:
                action = act(emu, uid, step)
                outcome.sent += 1
                last = await watcher.next_reply(uid, action, STEP_TIMEOUT, tag=step[2])
            except TimeoutError:
                outcome.fail(f"timeout at {step[0]} {step[1]!r}")
                return
            except LookupError as exc:
                outcome.sent -= 1
                outcome.fail(f"{type(exc).__name__} at {step[1]!r}")
                return
        outcome.finished += 1
        if last is not None and last.text and "HP-" in last.text:
            outcome.confirmed += 1
        outcome.last_done = time.monotonic()

    bot_cpu = CpuMeter(stage.bot.ps)  # type: ignore[arg-type]
    own_cpu = CpuMeter(psutil.Process())
    lag, machine = LoopLag(), SystemCpu()
    try:
        bot_cpu.start()
        own_cpu.start()
        machine.start()
        lag.start()
        started = time.monotonic()
        await asyncio.gather(*(user(n, uid) for n, uid in enumerate(ids)))
        ended = outcome.last_done if outcome.failures == 0 else time.monotonic()
        bot_cpu.stop()
        own_cpu.stop()
        system_cpu = machine.stop()
        loop_lag = await lag.stop()
    finally:
        closed = await stage.close()
    wall = max(ended - started, 1e-9)
    result: dict[str, Any] = {
        "users": users,
        "updates_sent": outcome.sent,
        "wall_s": round(wall, 3),
        "updates_per_s": round(outcome.sent / wall, 1),
        "users_finished": outcome.finished,
        "failures": outcome.failures,
        "failure_reasons": outcome.failure_reasons or {},
        "bot_cpu_percent": round(bot_cpu.percent, 1),
        "bench_process_cpu_percent": round(own_cpu.percent, 1),
        "bench_loop_lag_ms": loop_lag,
        "machine_cpu": system_cpu,
        "first_answer_ms": latency_summary(watcher.latencies),
        **closed,
    }
    if kind == "registration":
        result["users_confirmed"] = outcome.confirmed
    return result


# --------------------------------------------------------------------------- latency


@dataclass
class Walker:
    """A simulated user part-way through a registration."""

    n: int
    uid: int
    steps: list[Step]
    index: int = 0
    sent_at: float = 0.0


async def latency(
    rate: float, duration: float, workdir: Path, profile: Path | None = None
) -> dict[str, Any]:
    """Open loop: every 1/rate s the next step of a user whose last step was answered (a new
    user when none is ready) is sent, whether or not the bot keeps up."""
    stage = await Stage.open("registration", workdir, "latency", profile)
    emu, watcher = stage.emulator, stage.watcher
    outcome = Outcome()
    ready: deque[Walker] = deque()
    in_flight: dict[int, Walker] = {}
    drained = asyncio.Event()  # set whenever nothing is in flight
    next_user = 0
    first_id = 3_000_000

    def answered(uid: int, message: SentMessage) -> None:
        walker = in_flight.pop(uid, None)
        if walker is None:
            return
        if not in_flight:
            drained.set()
        walker.index += 1
        if walker.index < len(walker.steps):
            ready.append(walker)
            return
        outcome.finished += 1
        if message.text and "HP-" in message.text:
            outcome.confirmed += 1

    def new_walker() -> Walker:
        nonlocal next_user
        n = next_user
        next_user += 1
        uid = first_id + n
        emu.add_user(uid, first_name=f"User{uid}", language_code="vi", phone=phone_of(uid))
        return Walker(n, uid, registration_steps(n))

    def send(walker: Walker) -> None:
        step = walker.steps[walker.index]
        walker.sent_at = time.monotonic()
        watcher.expect(walker.uid, answered, walker.sent_at, tag=step[2])
        try:
            act(emu, walker.uid, step)()
        except LookupError as exc:
            watcher.forget(walker.uid)
            outcome.fail(f"{type(exc).__name__} at {step[1]!r}")
            return
        in_flight[walker.uid] = walker
        drained.clear()
        outcome.sent += 1

    def expire(now: float) -> None:
        for uid, walker in list(in_flight.items()):
            if now - walker.sent_at > STEP_TIMEOUT:
                del in_flight[uid]
                watcher.forget(uid)
                step = walker.steps[walker.index]
                outcome.fail(f"timeout at {step[0]} {step[1]!r}")
        if not in_flight:
            drained.set()

    bot_cpu = CpuMeter(stage.bot.ps)  # type: ignore[arg-type]
    own_cpu = CpuMeter(psutil.Process())
    max_in_flight = 0
    behind_max = 0.0
    lag, machine = LoopLag(), SystemCpu()
    try:
        bot_cpu.start()
        own_cpu.start()
        machine.start()
        lag.start()
        started = time.monotonic()
        total = int(rate * duration)
        next_check = started + 1.0
        for k in range(total):
            due = started + k / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                behind_max = max(behind_max, -delay)
            send(ready.popleft() if ready else new_walker())
            max_in_flight = max(max_in_flight, len(in_flight))
            now = time.monotonic()
            if now >= next_check:
                expire(now)
                next_check = now + 1.0
        offered_until = time.monotonic()
        # Let the last steps be answered (or time out).
        if in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drained.wait(), STEP_TIMEOUT)
        expire(time.monotonic() + STEP_TIMEOUT + 1)
        bot_cpu.stop()
        own_cpu.stop()
        system_cpu = machine.stop()
        loop_lag = await lag.stop()
    finally:
        closed = await stage.close()
    offered_s = max(offered_until - started, 1e-9)
    # Updates answered (one new bot message per step) in 5-second windows of the phase.
    window = 5.0
    timeline = [0] * (int((time.monotonic() - started) // window) + 1)
    for at, method, _, status in emu.requests:
        if method == "sendMessage" and status == 200 and at >= started:
            timeline[min(int((at - started) // window), len(timeline) - 1)] += 1
    windows: list[list[float]] = [[] for _ in timeline]
    for at, value in zip(watcher.answered_at, watcher.latencies, strict=True):
        windows[min(max(int((at - started) // window), 0), len(windows) - 1)].append(value)
    by_kind: dict[str, list[float]] = {}
    for name, values in watcher.by_tag.items():
        by_kind.setdefault(STEP_KINDS.get(name, name), []).extend(values)
    emulator_view = emu.reply_latencies()
    return {
        "target_rate_per_s": rate,
        "duration_s": duration,
        "updates_sent": outcome.sent,
        "achieved_rate_per_s": round(outcome.sent / offered_s, 1),
        "schedule_lag_max_ms": round(behind_max * 1000, 1),
        "answers_timed": len(watcher.latencies),
        "latency_ms": latency_summary(watcher.latencies),
        "latency_ms_by_kind": {k: latency_summary(v) for k, v in sorted(by_kind.items())},
        "latency_ms_by_step": {
            name: latency_summary(watcher.by_tag.get(name, [])) for name in STEP_KINDS
        },
        "emulator_reply_latency_ms": latency_summary(emulator_view),
        "answered_per_s_by_5s": [round(n / window, 1) for n in timeline],
        "latency_p99_ms_by_5s": [round(percentile(w, 99) * 1000, 1) for w in windows if w],
        "users_started": next_user,
        "users_finished": outcome.finished,
        "users_confirmed": outcome.confirmed,
        "max_users_in_flight": max_in_flight,
        "failures": outcome.failures,
        "failure_reasons": outcome.failure_reasons or {},
        "bot_cpu_percent": round(bot_cpu.percent, 1),
        "bench_process_cpu_percent": round(own_cpu.percent, 1),
        "bench_loop_lag_ms": loop_lag,
        "machine_cpu": system_cpu,
        **closed,
    }


def latency_summary(values: list[float]) -> dict[str, float | int]:
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms),
        "p50": round(percentile(ms, 50), 1),
        "p95": round(percentile(ms, 95), 1),
        "p99": round(percentile(ms, 99), 1),
        "max": round(max(ms), 1) if ms else float("nan"),
    }


# --------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> dict[str, Any]:
    code_before = code_state()
    workdir = Path(tempfile.mkdtemp(prefix="khuyenhoc-bench-"))
    echo_runs: list[dict[str, Any]] = []
    same_runs: list[dict[str, Any]] = []
    reg_runs: list[dict[str, Any]] = []
    lat: dict[str, Any] | None = None
    try:
        for r in range(0 if args.skip_saturation else args.repeats):
            if not args.skip_echo:
                print(f"· saturation, echo bot, {args.users} users (run {r + 1}) …", flush=True)
                echo_runs.append(
                    await saturation("echo", args.users, workdir, f"echo{r}", args.profile)
                )
                print(
                    f"· saturation, echo bot on the bot's transport, {args.users} users"
                    f" (run {r + 1}) …",
                    flush=True,
                )
                same_runs.append(
                    await saturation("echo-aiohttp", args.users, workdir, f"same{r}", args.profile)
                )
            print(f"· saturation, registration, {args.users} users (run {r + 1}) …", flush=True)
            reg_runs.append(
                await saturation("registration", args.users, workdir, f"reg{r}", args.profile)
            )
        if args.duration > 0:
            print(f"· latency, {args.rate:g} updates/s for {args.duration:g} s …", flush=True)
            lat = await latency(args.rate, args.duration, workdir, args.profile)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res = summarise(args, echo_runs, reg_runs, lat, same_runs)
    code_after = code_state()
    res["code"] = {**code_before, "changed_during_run": code_after != code_before}
    return res


def summarise(
    args: argparse.Namespace,
    echo_runs: list[dict[str, Any]],
    reg_runs: list[dict[str, Any]],
    lat: dict[str, Any] | None,
    same_runs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    same_runs = same_runs or []
    reg_tput = median([r["updates_per_s"] for r in reg_runs]) if reg_runs else None
    same_tput = median([r["updates_per_s"] for r in same_runs]) if same_runs else None
    same_ratio = reg_tput / same_tput if (reg_tput and same_tput) else None
    echo_tput = median([r["updates_per_s"] for r in echo_runs]) if echo_runs else None
    ratio = reg_tput / echo_tput if (reg_tput and echo_tput) else None
    rss_phases = {f"saturation_{i + 1}": r["peak_rss_mb"] for i, r in enumerate(reg_runs)}
    if lat is not None:
        rss_phases["latency"] = lat["peak_rss_mb"]
    peak_rss = max(rss_phases.values(), default=float("nan"))
    p99 = lat["latency_ms"]["p99"] if lat else None
    failures = sum(r["failures"] for r in [*echo_runs, *reg_runs]) + (lat["failures"] if lat else 0)
    members_ok = all(
        r["members_in_db"] == r["users_finished"] == r["users_confirmed"] for r in reg_runs
    )
    checks = {
        "throughput_ratio": {
            "value": None if ratio is None else round(ratio, 3),
            "target": f">= {TARGETS['throughput_ratio_min']}",
            "pass": None if ratio is None else ratio >= TARGETS["throughput_ratio_min"],
        },
        "latency_p99_ms": {
            "value": p99,
            "target": f"<= {TARGETS['latency_p99_ms_max']:g}",
            "pass": None if p99 is None else p99 <= TARGETS["latency_p99_ms_max"],
        },
        "peak_rss_mb": {
            "value": peak_rss,
            "target": f"<= {TARGETS['peak_rss_mb_max']:g}",
            "pass": peak_rss <= TARGETS["peak_rss_mb_max"],
        },
        "no_failures": {"value": failures, "target": "== 0", "pass": failures == 0},
        "members_saved": {
            "value": [r["members_in_db"] for r in reg_runs],
            "target": "== users finished",
            "pass": members_ok,
        },
    }
    return {
        "benchmark": "registration",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "parameters": {
            "users": args.users,
            "rate_per_s": args.rate,
            "duration_s": args.duration,
            "repeats": args.repeats,
            "skip_echo": args.skip_echo,
            "skip_saturation": args.skip_saturation,
            "quick": args.quick,
            "updates_per_user": STEPS_PER_USER,
            "step_timeout_s": STEP_TIMEOUT,
            "profiled": args.profile is not None,
            "bot_command": Stage.bot_command,
        },
        "targets": TARGETS,
        "summary": {
            "registration_updates_per_s": reg_tput,
            "echo_updates_per_s": echo_tput,
            "throughput_ratio": checks["throughput_ratio"]["value"],
            # Not a target: the echo bot on the bot's own HTTP transport, for a like-for-like view.
            "echo_same_transport_updates_per_s": same_tput,
            "throughput_ratio_same_transport": None if same_ratio is None else round(same_ratio, 3),
            "latency_ms": lat["latency_ms"] if lat else None,
            "achieved_rate_per_s": lat["achieved_rate_per_s"] if lat else None,
            "latency_bot_cpu_percent": lat["bot_cpu_percent"] if lat else None,
            "peak_rss_mb": peak_rss,
            "peak_rss_mb_by_phase": rss_phases,
            "failures": failures,
        },
        "checks": checks,
        "all_pass": all(c["pass"] is not False for c in checks.values()),
        "saturation": {
            "echo": echo_runs,
            "echo_same_transport": same_runs,
            "registration": reg_runs,
        },
        "latency": lat,
    }


def verdict(check: dict[str, Any]) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[check["pass"]]


def report(res: dict[str, Any]) -> str:
    s, checks, p = res["summary"], res["checks"], res["parameters"]
    lines = [
        "",
        f"Registration benchmark — {res['date']}, {res['machine']['cpu_count']} CPUs, "
        f"Python {res['machine']['python']}, commit {res['code']['commit']}"
        + (
            f" + {res['code']['uncommitted_files']} changed files"
            if res["code"]["uncommitted_files"]
            else ""
        ),
    ]
    if res["code"]["changed_during_run"]:
        lines.append(
            "  WARNING: the code changed during the run; the phases measured different code"
        )
    echo, reg = res["saturation"]["echo"], res["saturation"]["registration"]
    same = res["saturation"].get("echo_same_transport", [])
    if echo or reg:
        lines += [
            "",
            f"Saturation: {p['users']} users at once, {p['updates_per_user']} updates each,"
            f" {p['step_timeout_s']:g} s timeout per answer",
            f"  {'':<16}{'updates/s':>10}{'wall s':>9}{'finished':>12}{'failures':>10}"
            f"{'bot CPU':>9}{'bench CPU':>11}{'answer p50/p99 ms':>20}",
        ]
    for name, runs in (("echo bot", echo), ("echo, aiohttp", same), ("registration", reg)):
        for i, r in enumerate(runs):
            label = name if len(runs) == 1 else f"{name} #{i + 1}"
            wait = r["first_answer_ms"]
            lines.append(
                f"  {label:<16}{r['updates_per_s']:>10.1f}{r['wall_s']:>9.1f}"
                f"{r['users_finished']:>7}/{r['users']:<4}{r['failures']:>10}"
                f"{r['bot_cpu_percent']:>8.0f}%{r['bench_process_cpu_percent']:>10.0f}%"
                f"{wait['p50']:>11.0f}/{wait['p99']:.0f}"
            )
            for reason, count in sorted(r["failure_reasons"].items()):
                lines.append(f"      {count} × {reason}")
    if reg:
        ratio = checks["throughput_ratio"]
        shown = "n/a" if ratio["value"] is None else format(ratio["value"], ".3f")
        lines += [
            f"  ratio registration / echo: {shown}  (target {ratio['target']})  {verdict(ratio)}",
            "  ratio registration / echo on the same transport: "
            + str(res["summary"]["throughput_ratio_same_transport"] or "n/a")
            + "  (for information)",
            "  members in the database: "
            + ", ".join(str(r["members_in_db"]) for r in reg)
            + " (must equal users finished)  "
            + verdict(checks["members_saved"]),
        ]
    lat = res["latency"]
    if lat:
        ms, loop_lag = lat["latency_ms"], lat["bench_loop_lag_ms"]
        lines += [
            "",
            f"Latency (open loop, {lat['target_rate_per_s']:g} updates/s for "
            f"{lat['duration_s']:g} s; achieved {lat['achieved_rate_per_s']:.1f}/s)",
            f"  reply latency ms: p50 {ms['p50']:.1f}  p95 {ms['p95']:.1f}  p99 {ms['p99']:.1f}"
            f"  max {ms['max']:.1f}  (n={ms['count']})",
        ]
        for kind, k in lat["latency_ms_by_kind"].items():
            lines.append(
                f"    {kind:<6} p50 {k['p50']:.1f}  p95 {k['p95']:.1f}  p99 {k['p99']:.1f}"
                f"  (n={k['count']})"
            )
        by_step = [(k, v["p99"]) for k, v in lat["latency_ms_by_step"].items() if v["count"]]
        lines.append("    p99 by step: " + ", ".join(f"{k} {v:.0f}" for k, v in by_step))
        lines += [
            f"  p99 target {checks['latency_p99_ms']['target']} ms  "
            f"{verdict(checks['latency_p99_ms'])}",
            f"  bot CPU {lat['bot_cpu_percent']:.0f}%, bench CPU "
            f"{lat['bench_process_cpu_percent']:.0f}%; users started {lat['users_started']},"
            f" finished {lat['users_finished']}, at most {lat['max_users_in_flight']} awaiting"
            f" an answer at once; failures {lat['failures']}",
            f"  harness: schedule lag max {lat['schedule_lag_max_ms']:.0f} ms, event-loop lag"
            f" p99 {loop_lag['p99']:.1f} ms, max {loop_lag['max']:.0f} ms"
            " (the emulator answers late by as much);"
            f" machine CPU busy {lat['machine_cpu']['busy_percent']:.0f}%,"
            f" stolen {lat['machine_cpu']['steal_percent']:.0f}%",
        ]
        for reason, count in sorted(lat["failure_reasons"].items()):
            lines.append(f"      {count} × {reason}")
    rss = checks["peak_rss_mb"]
    by_phase = ", ".join(f"{k} {v:.1f}" for k, v in s["peak_rss_mb_by_phase"].items())
    lines += [
        "",
        f"Peak RSS of the bot: {rss['value']:.1f} MB ({by_phase})  "
        f"(target {rss['target']} MB)  {verdict(rss)}",
        f"Failures: {s['failures']}  {verdict(checks['no_failures'])}",
        "",
        f"Overall: {'PASS' if res['all_pass'] else 'FAIL'}",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=2000, help="simulated users (2000)")
    parser.add_argument("--rate", type=float, default=150.0, help="offered updates/s (150)")
    parser.add_argument("--duration", type=float, default=60.0, help="latency phase s (60)")
    parser.add_argument("--repeats", type=int, default=1, help="saturation runs; medians (1)")
    parser.add_argument("--skip-echo", action="store_true", help="no echo-bot baseline")
    parser.add_argument(
        "--skip-saturation", action="store_true", help="only the latency phase (diagnostics)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 users, 10 s")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to save the JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record each bot with py-spy (must be installed) into DIR/<phase>.folded",
    )
    parser.add_argument(
        "--bot-command",
        metavar="CMD",
        help="command line of the bot under measurement (default: the venv's python -m bot run)",
    )
    args = parser.parse_args(argv)
    if args.bot_command:
        command = shlex.split(args.bot_command)
        if "/" in command[0]:  # the bot runs in a temporary directory
            command[0] = os.path.abspath(command[0])
        Stage.bot_command = command
    if args.quick:
        args.users, args.duration = 200, 10.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
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
