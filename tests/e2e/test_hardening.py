"""Nothing personal leaks and no reply is lost: each finding of the hardening review, through
the emulator and on real SQLite."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.telegram.memory import sweep
from bot.channels.telegram.pacing import SendPacer
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.local import LocalBot, local_bot
from bot.logs import QUIET_LOGGERS, configure_logging
from bot.settings import Settings
from tests.conftest import ADMIN_ID
from tests.support import Chat, FakeClock, eventually, person, seed_member

ROOT = Path(__file__).resolve().parents[2]
APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố"
BANK = {"bank_bin": "970436", "bank_account": "0011004455667", "office_address": "Số 1"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The bot's logging as production sets it up, at DEBUG, into a buffer."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    buffer = io.StringIO()
    configure_logging("DEBUG", ("123456789:LOCAL-SANDBOX-TOKEN",), stream=buffer)
    yield buffer
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_debug_logs_hold_no_name_phone_or_token(
    local: LocalBot, debug_log: io.StringIO
) -> None:
    chat = Chat(local, 7101, phone="+84912000111")
    await chat.send("/start")
    await chat.press("📝 Tham gia Hội Khuyến học")
    await chat.press("✅ Tôi đồng ý")
    await chat.send("Lương Thị Thuỳ Dương")
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    await chat.send("2012")  # under 16: a guardian too
    await chat.send("Lương Văn Khải")
    await chat.send("0912 000 222")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Học sinh, sinh viên")
    await chat.press("Bỏ qua")
    await chat.press("✅ Xác nhận")
    assert "Số thẻ hội viên của bạn là" in chat.reply_text()
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Học sinh vùng núi, vùng sâu, vùng xa, hải đảo")
    await chat.press("500.000\xa0₫")
    await chat.press("🤍 Ẩn danh")
    await chat.press("🏦 Chuyển khoản (VietQR)")
    await chat.press("✅ Xác nhận ủng hộ")
    assert "KH2026 P000001" in chat.reply_text()
    await local.app.update_persistence()

    text = debug_log.getvalue()
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    assert "member created" in text and "pledge created" in text
    for secret in (
        "Lương Thị Thuỳ Dương",
        "Lương Văn Khải",
        "912000111",
        "912000222",
        "LOCAL-SANDBOX-TOKEN",
    ):
        assert secret not in text, secret


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_rejected_token_is_one_line_and_never_printed(tmp_path: Path, level: str) -> None:
    emulator = BotApiEmulator(token="123456:RIGHT-TOKEN")
    await emulator.start()
    try:
        wrong = "987654321:AAHwrongTOKENthatMustNeverBeSeen"
        done = await asyncio.to_thread(
            run_cli,
            {
                "TELEGRAM_BOT_TOKEN": wrong,
                "TELEGRAM_API_URL": emulator.url,
                "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
                "LOG_LEVEL": level,
            },
            "run",
        )
    finally:
        await emulator.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "AAHwrongTOKEN" not in output
    assert "Cannot run: the Bot API server rejected TELEGRAM_BOT_TOKEN" in output
    if level == "INFO":
        assert "Traceback" not in output
        problems = [line for line in output.splitlines() if " INFO " not in line]
        assert len(problems) == 1, problems
    else:
        assert "Traceback" in output  # where it failed, for whoever debugs it, redacted


async def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    done = await asyncio.to_thread(
        run_cli,
        {
            "TELEGRAM_BOT_TOKEN": "123456:SOME-TOKEN-abcdef",
            "TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens there
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        },
        "run",
    )
    assert done.returncode == 1
    assert "SOME-TOKEN" not in done.stderr and "Traceback" not in done.stderr
    assert "Cannot run: the Bot API server could not be reached" in done.stderr


@pytest.mark.parametrize(
    ("path", "cause"),
    [
        ("corrupt", "cannot be used (DatabaseError)"),
        ("/proc/version/db.sqlite3", "cannot be created or opened"),
    ],
)
async def test_a_database_that_cannot_be_used_is_one_line(
    tmp_path: Path, path: str, cause: str
) -> None:
    if path == "corrupt":
        corrupt = tmp_path / "corrupt.sqlite3"
        corrupt.write_bytes(b"this is not a database" * 100)
        path = str(corrupt)
    done = await asyncio.to_thread(run_cli, {"DATABASE_PATH": path}, "migrate")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"Cannot run: the database {path} {cause}" in done.stderr


async def test_every_reply_arrives_under_telegrams_limits(settings: Settings) -> None:
    """100 people press /start at once against a server allowing 10 messages a second overall
    and 1 a second per chat: all are greeted, none gets the apology."""
    emulator = BotApiEmulator(token="123456789:LOCAL-SANDBOX-TOKEN")
    await emulator.start()
    emulator.enable_rate_limits(10, 1.0, 3)
    try:
        async with local_bot(
            settings, emulator=emulator, poll_timeout=1, pacer=SendPacer(per_second=9)
        ) as local:
            chats = [Chat(local, 7200 + i) for i in range(100)]
            for chat in chats:
                emulator.enqueue_text(chat.user_id, "/start")
            await eventually(lambda: all(chat.messages for chat in chats), timeout=40)
            await local.settle(timeout=20)
    finally:
        await emulator.stop()
    for chat in chats:
        texts = [m.text or "" for m in chat.messages]
        assert len(texts) == 1 and "📝 Tham gia Hội Khuyến học" in chat.messages[0].buttons
        assert not any(APOLOGY in t for t in texts)


async def test_a_confirmed_pledge_survives_a_failing_button_removal(local: LocalBot) -> None:
    """Confirm saves first: when Telegram fails to take the buttons away, the pledge is still
    saved, its end persisted, and the donor gets the number."""
    db = local.runtime.db
    await seed_member(db, 7301)
    chat = Chat(local, 7301)
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Học sinh vùng núi, vùng sâu, vùng xa, hải đảo")
    await chat.press("500.000\xa0₫")
    await chat.press("🤍 Ẩn danh")
    await chat.press("🏦 Chuyển khoản (VietQR)")
    local.emulator.inject_errors(502, count=10, methods=["editMessageReplyMarkup"])
    await chat.press("✅ Xác nhận ủng hộ")
    local.emulator.clear_faults()
    assert "Mã ủng hộ: KH2026 P000001" in chat.reply_text()
    assert APOLOGY not in chat.reply_text()
    row = await db.fetchone(
        "SELECT COUNT(*) FROM pledges"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '7301')"
    )
    assert row is not None and row[0] == 1
    state = await db.fetchone(
        "SELECT state FROM conversations WHERE name = 'pledge' AND person_id = ?",
        (await person(db, 7301),),
    )
    assert state is None  # the journey's end is stored: a restart does not resume it


async def test_receipts_go_out_at_the_pace_replies_leave_free(local: LocalBot) -> None:
    """300 receipts from one statement all arrive within seconds, not 50 a minute."""
    from bot.domain.vietqr import make_reference
    from storage.members import record_consent
    from storage.pledges import NewDonor, PledgeInput, create_pledge

    db = local.runtime.db
    now = local.runtime.now()
    lines = ["Ngày,Số tiền ghi có,Nội dung"]
    for i in range(300):
        uid = 7400 + i
        local.emulator.add_user(uid, first_name="Donor", language_code="vi")
        donor = await person(db, uid)
        consent = await record_consent(db, donor, "donation", "v1", True, now)
        pledge, _ = await create_pledge(
            db,
            donor,
            PledgeInput("Nhà hảo tâm", "city", "general", 100_000, "transfer", False),
            request_key=f"k{i}",
            year=2026,
            reference_of=make_reference,
            at=now,
            first_reminder_at=None,
            new_donor=NewDonor("Nhà hảo tâm", f"+8490{i:07d}", consent),
        )
        lines.append(f"03/10/2026,100000,{pledge.reference}")
    officer = Chat(local, ADMIN_ID)
    await officer.send_document("sao-ke.csv", ("\n".join(lines) + "\n").encode())
    donors = range(7400, 7700)
    await eventually(lambda: all(local.emulator.messages(uid) for uid in donors), timeout=30)
    receipt = local.emulator.messages(7400)[-1].text or ""
    assert "KH2026 P000001" in receipt
    # The last receipts reach the chat just before the bot records them as sent.
    owed: list[int] = []

    async def count_owed() -> None:
        row = await db.fetchone("SELECT COUNT(*) FROM pledges WHERE notice_due IS NOT NULL")
        owed.append(row[0] if row else -1)

    for _ in range(50):
        await count_owed()
        if owed[-1] == 0:
            break
        await asyncio.sleep(0.1)
    assert owed[-1] == 0


async def test_memory_kept_per_person_is_released(local: LocalBot) -> None:
    for i in range(200):
        local.emulator.add_user(7800 + i, first_name="Khách", language_code="vi")
        local.emulator.enqueue_text(7800 + i, "/start")
    await eventually(lambda: all(local.emulator.messages(7800 + i) for i in range(200)))
    await local.settle()
    assert len(local.app.user_data) >= 200  # PTB keeps an entry per person who wrote
    sweep(local.app)
    assert len(local.app.user_data) == 0 and len(local.app.chat_data) == 0
    assert local.runtime.pacer.waiting == 0


async def compose_for_everyone(officer: Chat, text: str, when: str | None) -> None:
    await officer.send("/broadcast")
    await officer.send(text)
    await officer.press("Bỏ qua")
    await officer.press("Tất cả")
    if when:
        await officer.press("Hẹn giờ")
        await officer.send(when)
    else:
        await officer.press("Gửi ngay")


async def test_a_revoked_officers_announcements_wait_for_an_admin(
    local: LocalBot, clock: FakeClock
) -> None:
    db = local.runtime.db
    admin, officer = Chat(local, ADMIN_ID), Chat(local, 7501)
    await officer.send("/start")
    await admin.send("/grant 7501 officer")
    await compose_for_everyone(officer, "Lễ tuyên dương 10 giờ", "02/10/2026 10:00")
    await officer.press("✅ Xác nhận")
    await officer.send("/broadcast")  # a second one, half-written when the role goes
    await officer.send("Bản nháp dang dở")

    await admin.send("/revoke 7501")
    told = admin.reply_text()
    assert "7501 không còn là cán bộ" in told or "7501" in told
    assert "Thông báo #1 của người này đang được tạm giữ" in told
    held = await db.fetchone("SELECT status, held_at FROM broadcasts WHERE id = 1")
    assert held is not None and held["status"] == "scheduled" and held["held_at"] is not None

    # Their composer ended at once: the next answer is not taken as the English version.
    await officer.press("Bỏ qua")
    assert "Tất cả" not in officer.last.buttons
    # Its time comes: nothing goes out while it is held.
    clock.advance(hours=2)
    assert local.runtime.engine is not None
    await local.runtime.engine.tick()
    row = await db.fetchone("SELECT status FROM broadcasts WHERE id = 1")
    assert row is not None and row[0] == "scheduled"
    count = await db.fetchone("SELECT COUNT(*) FROM deliveries WHERE broadcast_id = 1")
    assert count is not None and count[0] == 0

    # The former officer's old buttons refuse; the admin sees it held, and releases it.
    await officer.press_data("bcc:1:cancel", officer.messages[0].message_id)
    assert "chỉ dành cho cán bộ" in " ".join(str(t) for t in officer.toasts())
    # Only an administrator releases: another officer's press is refused, and it stays held.
    from storage.officers import grant_role

    other = Chat(local, 7502)
    await grant_role(db, await person(db, 7502), "officer", "test", local.runtime.now())
    await other.send("/start")
    await other.press_data("bcc:1:release", other.messages[0].message_id)
    assert "quản trị" in " ".join(str(t) for t in other.toasts())
    still = await db.fetchone("SELECT held_at FROM broadcasts WHERE id = 1")
    assert still is not None and still[0] is not None
    await admin.send("/broadcasts")
    assert "⛔ tạm giữ" in admin.reply_text()
    assert admin.last.buttons == ["▶️ Cho gửi tiếp", "✖️ Huỷ"]
    await admin.press("▶️ Cho gửi tiếp")
    released = await db.fetchone("SELECT held_at FROM broadcasts WHERE id = 1")
    assert released is not None and released[0] is None
    actions = [r[0] for r in await db.fetchall("SELECT action FROM audit ORDER BY id")]
    assert "broadcast.hold" in actions and "broadcast.release" in actions


async def test_a_scope_narrowed_while_composing_is_a_refusal(local: LocalBot) -> None:
    from storage.officers import grant_role

    db = local.runtime.db
    officer = Chat(local, 7601)
    await grant_role(db, await person(db, 7601), "officer", "test", local.runtime.now())
    await officer.send("/start")
    await compose_for_everyone(officer, "Gửi toàn thành phố", None)
    # Meanwhile, from the command line, the officer becomes one ward's.
    await grant_role(
        db,
        await person(db, 7601),
        "officer",
        "test",
        local.runtime.now(),
        11341,
        "Phường Ngô Quyền",
    )
    await officer.press("✅ Xác nhận")
    said = " ".join([officer.reply_text(), *(str(t) for t in officer.toasts())])
    assert "chỉ dành cho cán bộ cấp thành phố" in said
    assert APOLOGY not in said
    row = await db.fetchone("SELECT COUNT(*) FROM broadcasts")
    assert row is not None and row[0] == 0


async def test_a_forged_control_button_leaves_only_known_words_in_the_audit(
    local: LocalBot,
) -> None:
    from storage.officers import grant_role

    db = local.runtime.db
    admin, ward_officer = Chat(local, ADMIN_ID), Chat(local, 7701)
    await grant_role(
        db,
        await person(db, 7701),
        "officer",
        "test",
        local.runtime.now(),
        11341,
        "Phường Ngô Quyền",
    )
    await admin.send("/start")
    await compose_for_everyone(admin, "Tin của thành phố", "02/10/2026 10:00")
    await admin.press("✅ Xác nhận")
    await ward_officer.send("/start")
    forged = "bcc:1:<b>Nguyễn Văn A 0912345678</b>"
    await ward_officer.press_data(forged, ward_officer.messages[0].message_id)
    await ward_officer.press_data("bcc:1:cancel", ward_officer.messages[0].message_id)
    rows = [dict(r) for r in await db.fetchall("SELECT * FROM audit")]
    assert "Nguyễn" not in repr(rows) and "0912345678" not in repr(rows)
    refused = [r["action"] for r in rows if r["outcome"] == "refused"]
    assert refused == ["broadcast.cancel"]
    row = await db.fetchone("SELECT status FROM broadcasts WHERE id = 1")
    assert row is not None and row[0] == "scheduled"


async def test_a_list_button_pressed_on_a_file_answers_with_a_new_message(
    local: LocalBot,
) -> None:
    """Found by the access property: a list page pressed on the report's file (no text to
    edit) got the apology."""
    admin = Chat(local, ADMIN_ID)
    await admin.send("/report")
    document = next(m for m in admin.messages if m.kind == "document")
    await admin.press_data("opl:list:all:0", document.message_id)
    from bot.i18n import gettext_for

    assert APOLOGY not in admin.reply_text()
    assert admin.last.kind == "text"
    assert gettext_for("vi")("Nothing is waiting. 🎉") in (admin.last.text or "")
