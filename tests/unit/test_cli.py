"""The command line as a newcomer and an operator use it: real processes, real files."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.devtools.emulator import BotApiEmulator

ROOT = Path(__file__).parents[2]


def run_bot(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_invalid_setting_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = run_bot(["run"], {"PROVINCE_CODE": "999", "DATABASE_PATH": str(tmp_path / "x.db")})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PROVINCE_CODE" in result.stderr
    assert "Traceback" not in result.stderr


def test_piped_sandbox_is_a_demo(tmp_path: Path) -> None:
    database = tmp_path / "sandbox.sqlite3"
    env = {"DATABASE_PATH": str(database), "TELEGRAM_BOT_TOKEN": ""}
    result = run_bot(["run"], env, stdin="/start\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Chào mừng bạn đến với Hội Khuyến học Hải Phòng" in result.stdout
    assert "[1] 📝 Tham gia Hội Khuyến học" in result.stdout
    assert "Trước khi tham gia" in result.stdout  # pressing 1 opened the consent notice
    assert "[1] ✅ Tôi đồng ý" in result.stdout
    assert database.is_file()  # created and migrated on first start

    # The file persists: a second run resumes at the consent step. The new emulator has no
    # buttons on screen yet, so the first "1" is text, and the bot shows the notice again.
    again = run_bot(["run"], env, stdin="1\n1\nNguyễn Văn An\n")
    assert "Vui lòng chọn bằng các nút bên dưới." in again.stdout
    assert "Họ và tên đầy đủ của bạn là gì?" in again.stdout
    assert "Số điện thoại của bạn là gì?" in again.stdout


def test_officers_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "o.sqlite3"), "ADMIN_IDS": "42"}
    assert "no officers yet" not in run_bot(["officers", "list"], env).stdout
    added = run_bot(["officers", "add", "777"], env)
    assert added.returncode == 0 and "777 is now an officer" in added.stdout
    assert "777 is already an officer" in run_bot(["officers", "add", "777"], env).stdout
    listed = run_bot(["officers", "list"], env).stdout
    assert "777\tofficer, added" in listed and "42\tadmin" in listed
    scoped = run_bot(["officers", "add", "778", "--ward", "ngo quyen"], env)
    assert scoped.returncode == 0 and "778 is now an officer for Phường Ngô Quyền" in scoped.stdout
    assert "778\tofficer for Phường Ngô Quyền (11341)" in run_bot(["officers", "list"], env).stdout
    vague = run_bot(["officers", "add", "779", "--ward", "hai"], env)
    assert vague.returncode == 2 and "is not one commune or ward" in vague.stderr
    admin = run_bot(["officers", "add", "780", "--admin"], env)
    assert admin.returncode == 0 and "780 is now an admin" in admin.stdout
    assert "no longer" in run_bot(["officers", "remove", "777"], env).stdout
    assert "777" not in run_bot(["officers", "list"], env).stdout
    bad = run_bot(["officers", "add", "abc"], env)
    assert bad.returncode == 2 and "invalid int value" in bad.stderr


async def test_production_mode_polls_and_never_logs_the_token(tmp_path: Path) -> None:
    token = "987654321:SECRET-token_never-in-logs"
    emulator = BotApiEmulator(token=token)
    await emulator.start()
    emulator.add_user(5001, first_name="Hoa", language_code="vi")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_URL": emulator.url,
            "DATABASE_PATH": str(tmp_path / "prod.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await emulator.send_text(5001, "/start")
        for _ in range(200):
            if emulator.messages(5001):
                break
            await asyncio.sleep(0.05)
        assert "Hội Khuyến học Hải Phòng" in (emulator.messages(5001)[0].text or "")
        assert emulator.commands(language_code="vi")  # commands registered at start
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        await emulator.stop()
    logs = out.decode() + err.decode()
    assert "Application started" in logs
    assert token not in logs
    assert token.split(":")[1] not in logs
    assert emulator.api_errors == []


def test_vietqr_command_checks_the_bank_settings(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    from bot.domain.vietqr import parse_payload

    env = {"DATABASE_PATH": str(tmp_path / "q.sqlite3")}
    missing = run_bot(["vietqr", "--amount", "500k", "--reference", "KH2026 P000001"], env)
    assert missing.returncode == 2 and "BANK_BIN" in missing.stderr
    env |= {"BANK_BIN": "970436", "BANK_ACCOUNT": "0011004455667"}
    out = tmp_path / "check.png"
    made = run_bot(
        ["vietqr", "--amount", "500.000", "--reference", "KH2026 P000001", "--out", str(out)], env
    )
    assert made.returncode == 0, made.stderr
    payload = made.stdout.splitlines()[0]
    fields = parse_payload(payload)
    assert fields["54"] == "500000" and fields["62"] == {"08": "KH2026 P000001"}
    decoded = zxingcpp.read_barcodes(Image.open(out))
    assert [d.text for d in decoded] == [payload]
    bad = run_bot(["vietqr", "--amount", "abc", "--reference", "X"], env)
    assert bad.returncode == 2 and "not an amount" in bad.stderr
    accents = run_bot(["vietqr", "--amount", "1tr", "--reference", "Ủng hộ"], env)
    assert accents.returncode == 2 and "ASCII" in accents.stderr


def test_poster_command_renders_the_deep_link(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    env = {"DATABASE_PATH": str(tmp_path / "p.sqlite3")}
    out = tmp_path / "poster.png"
    args = ["poster", "--target", "pledge", "--source", "w11341", "--out", str(out)]
    assert run_bot(args, env).returncode == 2  # no bot username yet
    made = run_bot(args, {**env, "BOT_USERNAME": "@khuyenhoc_hp_bot"})
    assert made.returncode == 0, made.stderr
    link = "https://t.me/khuyenhoc_hp_bot?start=pledge-w11341"
    assert made.stdout.startswith(link)
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(out))] == [link]
    bad = run_bot([*args[:4], "bad source!", "--out", str(out)], {"BOT_USERNAME": "khbot_hp"})
    assert bad.returncode == 2 and "source" in bad.stderr


def test_report_command_writes_the_workbook_and_the_chart(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from PIL import Image

    env = {"DATABASE_PATH": str(tmp_path / "r.sqlite3")}
    out, chart = tmp_path / "report.xlsx", tmp_path / "chart.png"
    made = run_bot(
        [
            "report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--out",
            str(out),
            "--chart",
            str(chart),
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    workbook = load_workbook(out)
    assert workbook.sheetnames[:3] == [
        "Tổng hợp",
        "Hội viên theo xã, phường",
        "Hội viên theo đối tượng",
    ]
    assert "Ủng hộ theo quỹ" in workbook.sheetnames
    assert Image.open(chart).format == "PNG"
    bad = run_bot(["report", "--from", "31/13/2026", "--out", str(out)], env)
    assert bad.returncode == 2
    audit = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "\"SELECT COUNT(*) FROM audit WHERE action = 'report.export'\").fetchone()[0])",
            str(tmp_path / "r.sqlite3"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert audit.stdout.strip() == "1"
