"""Donors pledge by chat and pay by VietQR or cash; officers confirm; donors get receipts."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator

import pytest
import zxingcpp
from PIL import Image

from bot.devtools.local import LocalBot, local_bot
from bot.domain.vietqr import parse_payload
from bot.settings import Settings
from storage import Database
from tests.conftest import ADMIN_ID
from tests.support import Chat, FakeClock, fast_pacer, seed_member, with_telegram

BANK = {
    "bank_bin": "970436",
    "bank_account": "0011004455667",
    "bank_account_name": "HOI KHUYEN HOC TP HAI PHONG",
    "office_address": "Số 1 Lý Tự Trọng, Hồng Bàng, Hải Phòng (giờ hành chính)",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[LocalBot]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        assert running.emulator.api_errors == []


def said(chat: Chat) -> str:
    """What the bot said since the last action, with Babel's no-break spaces made plain."""
    return chat.reply_text().replace("\xa0", " ")


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    return int(row[0]) if row else -1


async def pledge_rows(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM pledges ORDER BY id")]


def decoded_qr(local: LocalBot, chat: Chat) -> str:
    photo = chat.last
    assert photo.kind == "photo"
    content = local.emulator.file_content(photo.raw["photo"][-1]["file_id"])
    assert content is not None
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(content)))
    assert len(found) == 1
    return str(found[0].text)


async def member_pledges_by_transfer(local: LocalBot, chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("💝 Ủng hộ quỹ khuyến học")
    assert "Bạn muốn ủng hộ quỹ nào?" in said(chat)
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Học sinh vùng núi, vùng sâu, vùng xa, hải đảo")
    assert [b.replace("\xa0", " ") for b in chat.last.buttons] == [
        "100.000 ₫",
        "200.000 ₫",
        "500.000 ₫",
        "1.000.000 ₫",
    ]
    await chat.press("500.000\xa0₫")
    # A member is known: no personal questions, straight to the honour roll consent.
    assert "Bảng vàng" in said(chat)
    await chat.press(f"🏅 Ghi danh: Hội viên {chat.user_id}")
    await chat.press("🏦 Chuyển khoản (VietQR)")
    summary = said(chat)
    for expected in (
        "Quỹ: Quỹ khuyến học thành phố",
        "Mục đích: Học sinh vùng núi, vùng sâu, vùng xa, hải đảo",
        "Số tiền: 500.000 ₫",
        f"Ghi trên bảng vàng: Hội viên {chat.user_id}",
        "Hình thức nộp: Chuyển khoản ngân hàng (VietQR)",
    ):
        assert expected in summary
    await chat.press("✅ Xác nhận ủng hộ")


async def test_a_member_pledges_and_pays_by_vietqr(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 3001)
    chat = Chat(local, 3001)
    await member_pledges_by_transfer(local, chat)

    replies = said(chat)
    assert "Mã ủng hộ: KH2026 P000001" in replies
    caption = (chat.last.text or "").replace("\xa0", " ")
    assert "Ngân hàng: Vietcombank" in caption
    assert "Số tài khoản: 0011004455667" in caption
    assert "Chủ tài khoản: HOI KHUYEN HOC TP HAI PHONG" in caption
    assert "Nội dung chuyển khoản: KH2026 P000001" in caption
    payload = parse_payload(decoded_qr(local, chat))
    assert payload["54"] == "500000"
    assert payload["53"] == "704"
    assert payload["62"] == {"08": "KH2026 P000001"}
    assert payload["38"]["01"] == {"00": "970436", "01": "0011004455667"}  # type: ignore[index]

    rows = await pledge_rows(db)
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == "KH2026 P000001"
    assert row["amount"] == 500_000 and isinstance(row["amount"], int)
    assert (row["fund_kind"], row["purpose"], row["method"]) == ("city", "remote", "transfer")
    assert row["status"] == "pending" and row["received_amount"] == 0
    assert row["public_name"] == 1 and row["member_id"] == 1 and row["donor_id"] is None
    consent = await db.fetchone(
        "SELECT purpose, granted FROM consents WHERE id = ?", (row["public_consent_id"],)
    )
    assert consent is not None and tuple(consent) == ("honour_roll", 1)

    await chat.send("/mypledges")
    assert "KH2026 P000001 · 500.000 ₫ · Quỹ khuyến học thành phố · ⏳ đang chờ nhận tiền" in (
        said(chat)
    )


async def test_a_non_member_pledges_cash_to_a_ward_fund(local: LocalBot) -> None:
    chat = Chat(local, 3002, phone="+84987654321")
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học xã, phường")
    await chat.send("bach long vi")
    await chat.press("Đặc khu Bạch Long Vĩ")
    await chat.press("Học sinh có hoàn cảnh đặc biệt khó khăn")
    for nonsense in ("abc", "🎁🎁", "1.5", "-500000", "x" * 5000):
        await chat.send(nonsense)
        assert "Ví dụ: 500000, 500.000, 500k, 1tr hoặc 1,5 triệu." in said(chat)
    await chat.send("5000")
    assert "5.000 ₫ thấp hơn mức ủng hộ tối thiểu" in said(chat)
    await chat.send("20 tỷ")
    assert "vượt quá mức tối đa" in said(chat)
    await chat.send("1,5 triệu")
    assert "Trước khi ủng hộ" in said(chat)
    await chat.press("✅ Tôi đồng ý")
    await chat.send("Trần Văn Minh")
    await chat.send("0987 654 321")
    assert "Đã lưu số điện thoại 0987 654 321" in said(chat)
    await chat.press("🤍 Ẩn danh")
    await chat.press("💵 Tiền mặt tại văn phòng Hội")
    summary = said(chat)
    assert "Quỹ: Quỹ khuyến học Đặc khu Bạch Long Vĩ" in summary
    assert "Số tiền: 1.500.000 ₫" in summary
    assert "Ghi trên bảng vàng: Nhà hảo tâm ẩn danh" in summary
    await chat.press("✅ Xác nhận ủng hộ")
    text = said(chat)
    assert "Mã ủng hộ: KH2026 P000001" in text
    assert "mang 1.500.000 ₫ tiền mặt đến Số 1 Lý Tự Trọng, Hồng Bàng" in text
    assert all(m.kind == "text" for m in chat.messages)

    db = local.runtime.db
    donor = await db.fetchone(with_telegram("donors"))
    assert donor is not None
    assert (donor["telegram_id"], donor["full_name"], donor["phone"]) == (
        3002,
        "Trần Văn Minh",
        "+84987654321",
    )
    consent = await db.fetchone("SELECT * FROM consents WHERE id = ?", (donor["consent_id"],))
    assert consent is not None and (consent["purpose"], consent["granted"]) == ("donation", 1)
    rows = await pledge_rows(db)
    assert len(rows) == 1
    assert rows[0]["amount"] == 1_500_000
    assert (rows[0]["fund_kind"], rows[0]["fund_name"]) == ("ward", "Đặc khu Bạch Long Vĩ")
    assert (rows[0]["method"], rows[0]["public_name"]) == ("cash", 0)
    assert rows[0]["donor_id"] == donor["id"] and rows[0]["member_id"] is None

    # A second pledge: the donor is known, no questions about them again.
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học dòng họ")
    await chat.send("Dòng họ Nguyễn Đình (Kiến Thụy)")
    await chat.press("Khen thưởng học sinh, giáo viên tiêu biểu")
    await chat.send("200k")
    assert "Bảng vàng" in said(chat)
    await chat.press("🏅 Ghi danh: Trần Văn Minh")
    await chat.press("💵 Tiền mặt tại văn phòng Hội")
    assert "Quỹ: Quỹ khuyến học dòng họ Nguyễn Đình (Kiến Thụy)" in said(chat)
    await chat.press("✅ Xác nhận ủng hộ")
    assert "KH2026 P000002" in said(chat)
    assert await count(db, "donors") == 1


async def test_refusing_consent_keeps_nothing(local: LocalBot) -> None:
    chat = Chat(local, 3003)
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Nơi cần nhất (mục đích chung)")
    await chat.press("100.000\xa0₫")
    await chat.press("✖️ Tôi không đồng ý")
    assert "không lưu thông tin nào" in said(chat)
    db = local.runtime.db
    assert await pledge_rows(db) == []
    assert await count(db, "donors") == 0


async def test_a_double_tap_on_confirm_makes_one_pledge(local: LocalBot) -> None:
    await seed_member(local.runtime.db, 3004)
    chat = Chat(local, 3004)
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Nơi cần nhất (mục đích chung)")
    await chat.press("100.000\xa0₫")
    await chat.press("🤍 Ẩn danh")
    await chat.press("🏦 Chuyển khoản (VietQR)")
    summary = next(m for m in reversed(chat.messages) if "✅ Xác nhận ủng hộ" in m.buttons)
    confirm = next(
        b["callback_data"]
        for row in summary.inline_keyboard
        for b in row
        if b["text"] == "✅ Xác nhận ủng hộ"
    )
    # Two presses queued before the bot handles either, as a fast double tap does.
    local.emulator.enqueue_press(chat.user_id, summary.message_id, data=confirm)
    local.emulator.enqueue_press(chat.user_id, summary.message_id, data=confirm)
    await local.settle()
    assert len(await pledge_rows(local.runtime.db)) == 1
    assert "Nút này đã hết hiệu lực." in chat.toasts()
    assert sum("Mã ủng hộ:" in (m.text or "") for m in chat.messages) == 1


async def test_a_donor_cancels_a_pending_pledge(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 3005)
    chat = Chat(local, 3005)
    await member_pledges_by_transfer(local, chat)
    await chat.send("/mypledges")
    await chat.press("✖️ Huỷ P000001")
    assert "Huỷ khoản ủng hộ KH2026 P000001 (500.000 ₫)?" in said(chat)
    await chat.press("Có, huỷ khoản này")
    assert "Đã huỷ khoản ủng hộ KH2026 P000001" in said(chat)
    rows = await pledge_rows(db)
    assert rows[0]["status"] == "cancelled" and rows[0]["next_reminder_at"] is None
    await chat.send("/mypledges")
    assert "· đã huỷ" in said(chat)
    assert chat.last.buttons == []

    # Someone else's pledge, or a forged id, cannot be touched.
    other = Chat(local, 3006)
    await other.send("/start")
    await other.press_data("myp:1:cancel-yes", other.last.message_id)
    await other.press_data("myp:99999999999999999:pay", other.last.message_id)
    assert other.toasts()[-2:] == ["Nút này đã hết hiệu lực.", "Nút này đã hết hiệu lực."]


async def test_deep_links_record_their_source(local: LocalBot) -> None:
    await seed_member(local.runtime.db, 3007)
    chat = Chat(local, 3007)
    await chat.send("/start pledge-Poster1")
    assert "Bạn muốn ủng hộ quỹ nào?" in said(chat)
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Nơi cần nhất (mục đích chung)")
    await chat.press("100.000\xa0₫")
    await chat.press("🤍 Ẩn danh")
    await chat.press("💵 Tiền mặt tại văn phòng Hội")
    await chat.press("✅ Xác nhận ủng hộ")
    rows = await pledge_rows(local.runtime.db)
    assert rows[0]["source"] == "poster1"

    joiner = Chat(local, 3008)
    await joiner.send("/start join-w11341")
    assert "dữ liệu cá nhân" in said(joiner)
    await joiner.press("✅ Tôi đồng ý")
    await joiner.send("Lê Thị Hoa")
    await joiner.send("0912 000 111")
    await joiner.send("1975")
    await joiner.send("le chan")
    await joiner.press("Phường Lê Chân")
    await joiner.press("Phụ huynh")
    await joiner.send("bỏ qua")
    await joiner.press("✅ Xác nhận")
    member = await local.runtime.db.fetchone(
        "SELECT source FROM members"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '3008')"
    )
    assert member is not None and member["source"] == "w11341"

    officer = Chat(local, ADMIN_ID)
    await officer.send("/stats")
    assert "poster1: 0 hội viên, 1 khoản ủng hộ" in said(officer)
    assert "w11341: 1 hội viên, 0 khoản ủng hộ" in said(officer)


async def test_honour_roll_names_only_those_who_agreed(local: LocalBot) -> None:
    db = local.runtime.db
    for user in (3010, 3011, 3012):
        await seed_member(db, user)
    named, anonymous, pending = Chat(local, 3010), Chat(local, 3011), Chat(local, 3012)
    await member_pledges_by_transfer(local, named)
    for chat in (anonymous, pending):
        await chat.send("/pledge")
        await chat.press("Quỹ khuyến học thành phố")
        await chat.press("Nơi cần nhất (mục đích chung)")
        await chat.press("1.000.000\xa0₫")
        await chat.press("🤍 Ẩn danh")
        await chat.press("💵 Tiền mặt tại văn phòng Hội")
        await chat.press("✅ Xác nhận ủng hộ")
    officer = Chat(local, ADMIN_ID)
    for number in ("P000001", "P000002"):
        await officer.send("/pledges")
        await officer.press(next(b for b in officer.last.buttons if b.startswith(number)))
        await officer.press(next(b for b in officer.last.buttons if b.startswith("✅")))

    await pending.send("/honour")
    text = said(pending)
    assert "1. Hội viên 3010: 500.000 ₫" in text
    assert "Nhà hảo tâm ẩn danh (1 lượt): 1.000.000 ₫" in text
    assert "Hội viên 3011" not in text and "Hội viên 3012" not in text
    assert "Quỹ khuyến học thành phố: 1.500.000 ₫ / 2.500.000 ₫" in text


async def test_one_journey_at_a_time(local: LocalBot) -> None:
    chat = Chat(local, 3020)
    await chat.send("/join")
    await chat.press("✅ Tôi đồng ý")
    await chat.send("/start pledge-w11341")
    assert "Bạn đang dở việc tham gia Hội." in said(chat)
    await chat.press_data("menu:pledge", chat.last.message_id)
    assert "Bạn đang dở việc tham gia Hội." in said(chat)
    await chat.send("Nguyễn Văn Bình")  # still the registration's question: the name
    assert "Số điện thoại của bạn là gì?" in said(chat)
    await chat.send("/cancel")
    await chat.send("/pledge")
    assert "Bạn muốn ủng hộ quỹ nào?" in said(chat)
    await chat.send("/join")
    assert "Bạn đang dở một khoản ủng hộ." in said(chat)


async def test_an_officer_mid_pledge_can_still_send_a_statement(local: LocalBot) -> None:
    officer = Chat(local, ADMIN_ID)
    await officer.send("/pledge")
    await officer.send_document(
        "sao-ke.csv", "Nội dung;Số tiền ghi có\nKH2026 P000009;100000\n".encode()
    )
    assert "❓ Mã ủng hộ không có trong hệ thống: 1" in said(officer)
    await officer.press("Quỹ khuyến học thành phố")  # the pledge goes on
    assert "mục đích nào" in said(officer)
