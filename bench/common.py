"""Shared pieces of the benchmarks: a bot in a process of its own, reply waiting, statistics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bot.devtools.emulator import BotApiEmulator, SentMessage

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_TOKEN = "123456789:BENCH-TOKEN"
STOP_GRACE = 10.0  # seconds after SIGINT before SIGKILL


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (pct in 0..100); nan for no values."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "memory_mb": round(psutil.virtual_memory().total / 2**20),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def code_state() -> dict[str, Any]:
    """The commit under measurement, and a digest of uncommitted changes outside bench/."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout

    outside = [".", ":(exclude)bench"]
    changed = git("status", "--porcelain", "--", *outside).splitlines()
    diff = git("diff", "HEAD", "--", *outside)
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or None,
        "uncommitted_files": len(changed),
        "uncommitted_digest": hashlib.sha1(diff.encode()).hexdigest()[:12] if changed else None,
    }


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


# --------------------------------------------------------------------------- the bot process


@dataclass
class CpuMeter:
    """CPU used by a process between start() and stop(), as % of one core."""

    proc: psutil.Process
    _t0: float = 0.0
    _cpu0: float = 0.0
    percent: float = float("nan")

    def _cpu(self) -> float:
        times = self.proc.cpu_times()
        return float(times.user + times.system)

    def start(self) -> None:
        self._t0, self._cpu0 = time.monotonic(), self._cpu()

    def stop(self) -> float:
        with contextlib.suppress(psutil.Error):
            wall = time.monotonic() - self._t0
            self.percent = 100.0 * (self._cpu() - self._cpu0) / wall if wall > 0 else 0.0
        return self.percent


@dataclass
class BotProcess:
    """A bot started with ``argv`` against ``emulator``, in a process of its own."""

    name: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    emulator: BotApiEmulator
    proc: subprocess.Popen[bytes] | None = None
    ps: psutil.Process | None = None
    rss_samples: list[int] = field(default_factory=list)
    vm_hwm_kb: int | None = None
    returncode: int | None = None
    log_path: Path | None = None
    profile_to: Path | None = None  # py-spy's raw (folded) stacks, when wanted
    _sampler: asyncio.Task[None] | None = None
    _profiler: subprocess.Popen[bytes] | None = None

    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Start the process and wait until it long-polls the emulator."""
        self.log_path = self.workdir / f"{self.name}.log"
        env = {**os.environ, **self.env}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
                self.argv,
                env=env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + timeout
        while not self.emulator.stats["methods"].get("getUpdates"):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                await self.stop()
                raise RuntimeError(f"{self.name} did not start polling:\n{self.log_tail()}")
            await asyncio.sleep(0.02)
        self._sampler = asyncio.create_task(self._sample_rss())
        if self.profile_to is not None:
            self._start_profiler(self.profile_to)

    def _start_profiler(self, output: Path) -> None:
        assert self.proc is not None
        py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
        if not Path(py_spy).exists():
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
        output.parent.mkdir(parents=True, exist_ok=True)
        self._profiler = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(self.proc.pid),
                "--format",
                "raw",
                "--rate",
                "100",
                "--output",
                str(output),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def _stop_profiler(self) -> None:
        profiler, self._profiler = self._profiler, None
        if profiler is None or profiler.poll() is not None:
            return
        profiler.send_signal(signal.SIGINT)
        await _wait_or_kill(profiler)

    async def _sample_rss(self) -> None:
        assert self.ps is not None
        with contextlib.suppress(psutil.Error):
            while True:
                self.rss_samples.append(self.ps.memory_info().rss)
                await asyncio.sleep(0.25)

    def read_vm_hwm(self) -> int | None:
        """Peak resident set size (kB) of the process so far, from /proc."""
        if self.proc is None:
            return None
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.vm_hwm_kb = int(line.split()[1])
        return self.vm_hwm_kb

    @property
    def peak_rss_mb(self) -> float:
        hwm = (self.vm_hwm_kb or 0) / 1024
        sampled = max(self.rss_samples, default=0) / 2**20
        return max(hwm, sampled)

    async def stop(self) -> None:
        """SIGINT, wait (the emulator keeps answering), SIGKILL after STOP_GRACE seconds."""
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        proc = self.proc
        if proc is None or proc.poll() is not None:
            await self._stop_profiler()
            self.returncode = proc.returncode if proc else None
            return
        self.read_vm_hwm()
        with contextlib.suppress(psutil.Error):
            self.rss_samples.append(psutil.Process(proc.pid).memory_info().rss)
        await self._stop_profiler()
        proc.send_signal(signal.SIGINT)
        await _wait_or_kill(proc)
        self.returncode = proc.returncode

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> int:
        """Lines in the bot's log that report an error or a traceback."""
        if self.log_path is None or not self.log_path.exists():
            return 0
        text = self.log_path.read_text(errors="replace")
        return sum(
            1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")
        )


async def _wait_or_kill(proc: subprocess.Popen[bytes]) -> None:
    """Wait STOP_GRACE seconds for a signalled process (the loop keeps running), then SIGKILL."""
    try:
        await asyncio.to_thread(proc.wait, STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        await asyncio.to_thread(proc.wait)


@dataclass
class SystemCpu:
    """Machine-wide CPU over a phase: busy and stolen (by the hypervisor), in % of all CPUs."""

    _t0: Any = None
    busy: float = float("nan")
    steal: float = float("nan")

    def start(self) -> None:
        self._t0 = psutil.cpu_times()

    def stop(self) -> dict[str, float]:
        t1 = psutil.cpu_times()
        total = sum(t1) - sum(self._t0)
        if total > 0:
            idle = (t1.idle - self._t0.idle) + (
                getattr(t1, "iowait", 0.0) - getattr(self._t0, "iowait", 0.0)
            )
            stolen = getattr(t1, "steal", 0.0) - getattr(self._t0, "steal", 0.0)
            self.busy = 100.0 * (total - idle - stolen) / total
            self.steal = 100.0 * stolen / total
        return {"busy_percent": round(self.busy, 1), "steal_percent": round(self.steal, 1)}


class LoopLag:
    """How late this process's event loop wakes up: if it is late, so are the emulator's
    answers, and the bot's latency would be overstated."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.period)
            self.lags.append(max(0.0, time.monotonic() - before - self.period))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        ms = [v * 1000 for v in self.lags]
        return {
            "p50": round(percentile(ms, 50), 1),
            "p99": round(percentile(ms, 99), 1),
            "max": round(max(ms, default=float("nan")), 1),
        }


def settle_memory() -> None:
    """Collect, then freeze what is left, so the garbage of earlier phases is not traversed
    by the collector (pausing the emulator) during the next one."""
    gc.collect()
    gc.freeze()


def bot_env(emulator: BotApiEmulator, database: Path) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.url,
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": "WARNING",
        "ADMIN_IDS": "",
        # The emulator enforces no flood limits unless asked (bench/burst.py asks, and keeps
        # the pacer): measure the bot's own speed, not Telegram's.
        "SEND_RATE": "0",
        "CHAT_SEND_RATE": "0",
        "PYTHONUNBUFFERED": "1",
    }


# --------------------------------------------------------------------------- replies


Answered = Callable[[int, SentMessage], None]


class ReplyWatcher:
    """Follows the emulator's listener hook: counts new bot messages per chat, calls back when a
    chat reaches an awaited count, and times the first send/edit after each user action."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator
        self.sent: dict[int, int] = {}  # new (not edited) bot messages per chat
        self._waiting: dict[int, tuple[int, Answered]] = {}
        # monotonic enqueue time (and a tag) of the last user action awaiting a first answer
        self._since: dict[int, tuple[float, str]] = {}
        self.latencies: list[float] = []
        self.answered_at: list[float] = []  # monotonic time of each latency's answer
        self.by_tag: dict[str, list[float]] = {}
        emulator.add_listener(self._on_message)

    def close(self) -> None:
        self.emulator.remove_listener(self._on_message)

    def _on_message(self, chat_id: int, message: SentMessage, edited: bool) -> None:
        since = self._since.pop(chat_id, None)
        if since is not None:
            now = time.monotonic()
            latency = now - since[0]
            self.latencies.append(latency)
            self.answered_at.append(now)
            self.by_tag.setdefault(since[1], []).append(latency)
        if edited:
            return
        count = self.sent.get(chat_id, 0) + 1
        self.sent[chat_id] = count
        waiting = self._waiting.get(chat_id)
        if waiting is not None and count >= waiting[0]:
            del self._waiting[chat_id]
            waiting[1](chat_id, message)

    def expect(self, chat_id: int, on_answer: Answered, enqueued: float, tag: str = "") -> None:
        """The next new bot message in the chat calls ``on_answer``; the first send or edit
        after ``enqueued`` (time.monotonic()) is timed, and filed under ``tag``."""
        self._waiting[chat_id] = (self.sent.get(chat_id, 0) + 1, on_answer)
        self._since[chat_id] = (enqueued, tag)

    def forget(self, chat_id: int) -> None:
        self._waiting.pop(chat_id, None)
        self._since.pop(chat_id, None)

    async def next_reply(
        self, chat_id: int, act: Callable[[], object], limit_s: float, tag: str = ""
    ) -> SentMessage:
        """Do ``act`` (enqueue one update) and wait for the bot's next new message."""
        future: asyncio.Future[SentMessage] = asyncio.get_running_loop().create_future()

        def done(_: int, message: SentMessage) -> None:
            if not future.done():
                future.set_result(message)

        self.expect(chat_id, done, time.monotonic(), tag)
        act()
        try:
            return await asyncio.wait_for(future, limit_s)
        finally:
            self.forget(chat_id)
