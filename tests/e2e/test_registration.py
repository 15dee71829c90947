"""A citizen joins the Association by chat, end to end through the emulator."""

from __future__ import annotations

from bot.devtools.local import LocalBot
from storage import Database
from tests.support import Chat, with_telegram


async def member_rows(db: Database) -> list[dict[str, object]]:
    rows = await db.fetchall(with_telegram("members") + " ORDER BY id")
    return [dict(r) for r in rows]


async def join_until_summary(chat: Chat, *, year: str = "1990") -> None:
    await chat.send("/start")
    await chat.press("📝 Tham gia Hội Khuyến học")
    assert "dữ liệu cá nhân" in chat.reply_text()
    await chat.press("✅ Tôi đồng ý")
    assert "Họ và tên" in chat.reply_text()
    await chat.send("Nguyễn Thị Lan")
    assert chat.local.emulator.current_reply_keyboard(chat.user_id) == [
        ["📱 Gửi số điện thoại của tôi"]
    ]
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    assert "sinh năm nào" in chat.reply_text()
    await chat.send(year)


async def test_citizen_joins_with_buttons_and_shared_contact(local: LocalBot) -> None:
    chat = Chat(local, 1001, phone="+84912345678")
    await join_until_summary(chat)
    assert "xã, phường nào" in chat.reply_text()
    await chat.send("ngo quyen")
    assert chat.last.buttons == ["Phường Ngô Quyền"]
    await chat.press("Phường Ngô Quyền")
    await chat.press("Giáo viên")
    await chat.send("Trường THCS Chu Văn An")
    summary = chat.reply_text()
    for expected in (
        "Họ và tên: Nguyễn Thị Lan",
        "Số điện thoại: 0912 345 678",
        "Năm sinh: 1990",
        "Xã, phường: Phường Ngô Quyền",
        "Đối tượng: Giáo viên",
        "Cơ quan, đơn vị: Trường THCS Chu Văn An",
    ):
        assert expected in summary
    await chat.press("✅ Xác nhận")
    assert "Số thẻ hội viên của bạn là HP-2026-000001" in chat.reply_text()

    rows = await member_rows(local.runtime.db)
    assert len(rows) == 1
    row = rows[0]
    assert row["member_no"] == "HP-2026-000001"
    assert row["telegram_id"] == 1001
    assert row["full_name"] == "Nguyễn Thị Lan"
    assert row["phone"] == "+84912345678"
    assert row["birth_year"] == 1990
    assert row["ward_name"] == "Phường Ngô Quyền"
    assert row["category"] == "teacher"
    assert row["organisation"] == "Trường THCS Chu Văn An"
    assert row["guardian_name"] is None
    consent = await local.runtime.db.fetchone(
        "SELECT * FROM consents WHERE id = ?", (row["consent_id"],)
    )
    assert consent is not None
    assert consent["granted"] == 1
    assert consent["notice_version"] == "2026-11-29"

    await chat.send("/me")
    assert "Số thẻ: HP-2026-000001" in chat.reply_text()
    assert "Ngày gia nhập: 02/10/2026" in chat.reply_text()
