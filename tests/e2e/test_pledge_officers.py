"""Officers confirm pledges by hand or from a bank statement; donors get receipts and reminders."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.devtools.local import LocalBot, local_bot
from bot.settings import Settings
from storage import Database
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import BANK, pledge_rows, said
from tests.support import Chat, FakeClock, eventually, fast_pacer, person, seed_member

REFUSED = "Chức năng này chỉ dành cho cán bộ Hội."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[LocalBot]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        assert running.emulator.api_errors == []


async def pledge(chat: Chat, amount_label: str = "500.000\xa0₫", method: str = "transfer") -> None:
    """A member's quick pledge to the city fund."""
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Khen thưởng học sinh, giáo viên tiêu biểu")
    await chat.press(amount_label)
    await chat.press(f"🏅 Ghi danh: Hội viên {chat.user_id}")
    await chat.press(
        "🏦 Chuyển khoản (VietQR)" if method == "transfer" else "💵 Tiền mặt tại văn phòng Hội"
    )
    await chat.press("✅ Xác nhận ủng hộ")


async def donors(local: LocalBot, *users: int) -> list[Chat]:
    chats = []
    for user in users:
        await seed_member(local.runtime.db, user)
        chat = Chat(local, user)
        await pledge(chat)
        chats.append(chat)
    return chats


def has_receipt(chat: Chat, amount: str) -> bool:
    return any(
        "🧾 Biên nhận" in (m.text or "") and amount in (m.text or "").replace("\xa0", " ")
        for m in chat.messages
    )


async def open_pledge(officer: Chat, number: str) -> None:
    await officer.send("/pledges")
    await officer.press(next(b for b in officer.last.buttons if b.startswith(number)))


async def test_officer_marks_received_and_the_donor_gets_a_receipt(local: LocalBot) -> None:
    (donor,) = await donors(local, 4001)
    officer = Chat(local, ADMIN_ID)
    await officer.send("/pledges")
    listing = said(officer)
    assert "💝 Khoản ủng hộ đang chờ: 1" in listing
    assert officer.last.buttons[0] == "P000001 · 500.000\xa0₫ · Hội viên 4001"
    await officer.press(officer.last.buttons[0])
    detail = said(officer)
    assert "Khoản ủng hộ KH2026 P000001" in detail
    assert "Người ủng hộ: Hội viên 4001, 0910 004 001 · hội viên HP-2026-000001" in detail
    assert "Trạng thái: ⏳ đang chờ nhận tiền" in detail
    await officer.press("✅ Đã nhận đủ (500.000\xa0₫)")
    assert "Đã ghi nhận." in officer.toasts()
    edited = officer.last.text or ""
    assert "✅ Đã ghi nhận. Người ủng hộ đang được gửi biên nhận." in edited
    assert "Trạng thái: ✅ đã nhận" in edited

    await eventually(lambda: has_receipt(donor, "500.000 ₫"))
    receipt = next(m.text for m in donor.messages if "🧾 Biên nhận" in (m.text or ""))
    assert receipt is not None
    assert "Quỹ khuyến học thành phố (khen thưởng học sinh, giáo viên tiêu biểu)" in receipt
    assert "ngày 02/10/2026" in receipt and "Mã ủng hộ: KH2026 P000001" in receipt

    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["status"] == "received" and rows[0]["received_amount"] == 500_000
    assert (
        rows[0]["decided_by"] == f"officer:{await person(local.runtime.db, ADMIN_ID)}"
        and rows[0]["notice_due"] is None
    )
    assert rows[0]["next_reminder_at"] is None

    # A second press of the same stale button changes nothing.
    detail_message = officer.last
    await officer.press_data("opl:full:1", detail_message.message_id)
    assert officer.toasts()[-1] == "Khoản này đã được xử lý: ✅ đã nhận."
    assert sum("🧾 Biên nhận" in (m.text or "") for m in donor.messages) == 1


async def test_a_different_amount_and_a_rejection(local: LocalBot) -> None:
    first, second = await donors(local, 4002, 4003)
    officer = Chat(local, ADMIN_ID)
    await open_pledge(officer, "P000001")
    await officer.press("✏️ Nhận số tiền khác")
    assert "Thực nhận bao nhiêu cho KH2026 P000001" in said(officer)
    await officer.send("không biết")
    assert "Đó không phải số tiền" in said(officer)
    await officer.send("300k")
    assert "Ghi nhận đã nhận 300.000 ₫ cho KH2026 P000001 (đăng ký 500.000 ₫)?" in said(officer)
    assert (await pledge_rows(local.runtime.db))[0]["status"] == "pending"
    await officer.press("✅ Đúng, ghi nhận")
    assert "✅ Đã ghi nhận: 300.000 ₫" in said(officer)
    await eventually(lambda: has_receipt(first, "300.000 ₫"))

    await open_pledge(officer, "P000002")
    await officer.press("✖️ Từ chối")
    assert "Vì sao từ chối KH2026 P000002?" in said(officer)
    await officer.send("Đã quá hạn đợt vận động")
    assert "Từ chối KH2026 P000002 và báo người ủng hộ lý do" in said(officer)
    await officer.press("✖️ Đúng, từ chối")
    assert "✖️ Đã từ chối." in said(officer)
    await eventually(
        lambda: any("Lý do: Đã quá hạn đợt vận động" in (m.text or "") for m in second.messages)
    )
    rows = await pledge_rows(local.runtime.db)
    assert [(r["status"], r["received_amount"]) for r in rows] == [
        ("received", 300_000),
        ("rejected", 0),
    ]
    assert rows[1]["reject_reason"] == "Đã quá hạn đợt vận động"

    await officer.send("/pledges")
    assert "Không có khoản nào đang chờ." in said(officer)


async def test_a_citizen_cannot_use_officer_buttons_or_commands(local: LocalBot) -> None:
    (donor,) = await donors(local, 4004)
    intruder = Chat(local, 4005)
    await intruder.send("/pledges")
    assert said(intruder) == REFUSED
    await intruder.send("/start")
    message = intruder.last.message_id
    for forged in ("opl:full:1", "opl:other:1", "opl:reject:1", "opl:open:1", "opl:list:all:0"):
        await intruder.press_data(forged, message)
        assert intruder.toasts()[-1] == REFUSED
    await intruder.press_data("opl:why:1:nopay", message)
    await intruder.send_document("sao-ke.csv", b"Noi dung,So tien ghi co\nKH2026 P000001,500000\n")
    assert "Bot không nhận tệp ở đây" in said(intruder)
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["status"] == "pending" and rows[0]["received_amount"] == 0
    assert not has_receipt(donor, "500.000 ₫")


STATEMENT = (
    "NGAN HANG TMCP NGOAI THUONG VIET NAM\n"
    "Sao kê tài khoản 0011004455667\n"
    "Số tham chiếu;Ngày giao dịch;Số tiền ghi nợ;Số tiền ghi có;Mô tả giao dịch\n"
    "FT001;03/10/2026;;500.000;MBVCB.123 KH2026 P000001 ung ho quy\n"
    "FT002;03/10/2026;;450.000;kh2026p000002 ung ho\n"
    "FT003;04/10/2026;;200.000;KH2026 P000099\n"
    "FT004;04/10/2026;;1.000.000;Chuyen tien hoc phi\n"
    "FT005;05/10/2026;50.000;;Phi dich vu\n"
    "FT006;05/10/2026;;500.000;KH2026-P000003\n"
).encode()


async def test_reconciliation_in_chat_and_importing_twice(local: LocalBot) -> None:
    chats = await donors(local, 4006, 4007, 4008)
    db = local.runtime.db
    await db.execute("UPDATE pledges SET status = 'cancelled' WHERE id = 3")
    officer = Chat(local, ADMIN_ID)
    await officer.send_document("sao-ke-thang-10.csv", STATEMENT)
    summary = said(officer)
    assert "📄 Sao kê sao-ke-thang-10.csv: đã đọc 5 giao dịch tiền vào." in summary
    assert "✅ Khớp và đã ghi nhận: 1 (500.000 ₫)" in summary
    assert "KH2026 P000001: 500.000 ₫" in summary
    assert "⚠️ Số tiền khác với đăng ký, chưa ghi nhận: 1" in summary
    assert "KH2026 P000002: đăng ký 500.000 ₫, đã chuyển 450.000 ₫" in summary
    assert "❓ Mã ủng hộ không có trong hệ thống: 1" in summary
    assert "↩️ Khoản ủng hộ đã nhận, đã từ chối hoặc đã huỷ từ trước: 1" in summary
    assert "Không có mã ủng hộ (bỏ qua): 1" in summary
    assert "Bỏ qua các dòng tiền ra hoặc bằng 0: 1" in summary
    await eventually(lambda: has_receipt(chats[0], "500.000 ₫"))

    before = await pledge_rows(db)
    assert [r["status"] for r in before] == ["received", "pending", "cancelled"]
    assert before[0]["decided_by"] == "statement:4"

    await officer.send_document("sao-ke-thang-10.csv", STATEMENT)
    again = said(officer)
    assert "🔁 Đã nhập từ trước, không thay đổi: 5" in again
    assert "✅ Khớp và đã ghi nhận: 0" in again
    assert await pledge_rows(db) == before
    assert sum("🧾 Biên nhận" in (m.text or "") for m in chats[0].messages) == 1

    await officer.send_document("bao-cao.pdf", b"%PDF-1.7 not a statement")
    assert "Đây không phải tệp CSV" in said(officer)


def test_reconciliation_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"

    async def seed() -> None:
        from bot.domain.vietqr import make_reference
        from storage.pledges import PledgeInput, create_pledge

        db = await Database(database).open()
        await seed_member(db, 4010)
        data = PledgeInput("Hội viên 4010", "city", "general", 500_000, "transfer", True, 1)
        when = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
        await create_pledge(
            db,
            4010,
            data,
            request_key="k",
            year=2026,
            reference_of=make_reference,
            at=when,
            first_reminder_at=None,
        )
        await db.close()

    import asyncio

    asyncio.run(seed())
    statement = tmp_path / "statement.csv"
    statement.write_bytes(STATEMENT)
    env = {**os.environ, "DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"}

    def reconcile() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "pledges", "reconcile", str(statement)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    first = reconcile()
    assert first.returncode == 0, first.stderr
    assert "✅ Khớp và đã ghi nhận: 1" in first.stdout.replace("\xa0", " ")
    second = reconcile()
    assert second.returncode == 0
    assert "🔁 Đã nhập từ trước, không thay đổi: 5" in second.stdout

    async def check() -> list[tuple[str, int, str | None]]:
        db = await Database(database).open()
        rows = await db.fetchall("SELECT status, received_amount, notice_due FROM pledges")
        await db.close()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    # Received once; the receipt is owed to the donor until the running bot sends it.
    assert asyncio.run(check()) == [("received", 500_000, "receipt")]
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "pledges", "reconcile", str(tmp_path / "nope.csv")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and "cannot read" in missing.stderr


async def test_reminders_twice_at_most_never_at_night(local: LocalBot, clock: FakeClock) -> None:
    (donor,) = await donors(local, 4011)
    mailer = local.runtime.mailer
    assert mailer is not None

    def reminders() -> list[str]:
        return [m.text or "" for m in donor.messages if "🔔 Xin nhắc nhẹ" in (m.text or "")]

    clock.advance(days=2, hours=23)
    await mailer.run_round()
    assert reminders() == []
    clock.advance(hours=1)  # 3 days after pledging: 09:00 local, 5 October
    await mailer.run_round()
    assert len(reminders()) == 1
    first = reminders()[0].replace("\xa0", " ")
    assert "khoản ủng hộ KH2026 P000001 (500.000 ₫, Quỹ khuyến học thành phố)" in first
    assert "Số tài khoản: 0011004455667" in first
    assert "Nội dung chuyển khoản: KH2026 P000001" in first
    assert donor.last.buttons == ["💳 Xem mã QR", "✖️ Huỷ khoản ủng hộ này"]

    clock.moment = datetime(2026, 10, 12, 15, 0, tzinfo=UTC)  # 22:00 local: quiet hours
    await mailer.run_round()
    assert len(reminders()) == 1
    clock.moment = datetime(2026, 10, 13, 0, 30, tzinfo=UTC)  # 07:30 local
    await mailer.run_round()
    assert len(reminders()) == 2
    clock.advance(days=30)
    await mailer.run_round()
    assert len(reminders()) == 2
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["reminders_sent"] == 2 and rows[0]["next_reminder_at"] is None

    # The reminder's buttons work: the QR again, then cancelling from the reminder.
    await donor.press("💳 Xem mã QR")
    assert donor.last.kind == "photo"
    reminder = next(m for m in reversed(donor.messages) if "🔔" in (m.text or ""))
    await donor.press("✖️ Huỷ khoản ủng hộ này", reminder.message_id)
    await donor.press("Có, huỷ khoản này")
    assert (await pledge_rows(local.runtime.db))[0]["status"] == "cancelled"


async def test_a_forgotten_question_is_not_answered_days_later(local: LocalBot) -> None:
    await donors(local, 4014)
    officer = Chat(local, ADMIN_ID)
    await open_pledge(officer, "P000001")
    await officer.press("✖️ Từ chối")
    await officer.send("/cancel")
    assert "Được rồi, khoản ủng hộ được giữ nguyên." in said(officer)
    await officer.send("cảm ơn nhé")  # no longer taken for a reason
    await open_pledge(officer, "P000001")
    await officer.press("✏️ Nhận số tiền khác")
    await officer.send("500")
    await officer.press("✖️ Không")
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["status"] == "pending" and rows[0]["reject_reason"] is None


async def test_a_blocked_donor_is_not_reminded_again(local: LocalBot, clock: FakeClock) -> None:
    (donor,) = await donors(local, 4012)
    local.emulator.set_blocked(donor.user_id)
    clock.advance(days=3)
    mailer = local.runtime.mailer
    assert mailer is not None
    assert await mailer.run_round() == (0, 0)
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["reminders_sent"] == 0
    assert rows[0]["next_reminder_at"] is None  # not tried again, and never every minute
    clock.advance(days=10)
    assert await mailer.run_round() == (0, 0)
    assert (await pledge_rows(local.runtime.db))[0]["status"] == "pending"


async def test_a_receipt_survives_telegram_errors(local: LocalBot) -> None:
    (donor,) = await donors(local, 4013)
    officer = Chat(local, ADMIN_ID)
    mailer = local.runtime.mailer
    assert mailer is not None
    await open_pledge(officer, "P000001")
    local.emulator.inject_errors(502, count=2, methods=["sendMessage"])
    await officer.press("✅ Đã nhận đủ (500.000\xa0₫)")
    assert "✅ Đã ghi nhận." in (officer.last.text or "")
    for _ in range(3):
        await mailer.run_round()
    await eventually(lambda: has_receipt(donor, "500.000 ₫"))
    assert sum("🧾 Biên nhận" in (m.text or "") for m in donor.messages) == 1
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["notice_due"] is None
