"""Restarting the application keeps each conversation at its step, and each user's language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.emulator import BotApiEmulator
from bot.devtools.local import LOCAL_TOKEN, local_bot
from bot.settings import Settings
from tests.support import Chat, FakeClock, fast_pacer, with_telegram

AGREE = "✅ Tôi đồng ý"
SHARE = "📱 Gửi số điện thoại của tôi"
YEAR_Q = "Bạn sinh năm nào? Ví dụ: 1985"
WARD_Q = "Bạn sống ở xã, phường nào?"
CATEGORY_Q = "Bạn thuộc đối tượng nào?"
ORG_Q = "Bạn đang công tác hoặc học tập tại cơ quan"
SUMMARY_Q = "Bạn vui lòng kiểm tra lại thông tin:"
EXPIRED = "Nút này đã hết hiệu lực."


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """One emulator for both runs of the bot, so the chat history spans the restart."""
    emu = BotApiEmulator(token=LOCAL_TOKEN)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def button_data(chat: Chat, label: str) -> tuple[int, str]:
    """(message id, callback data) of the newest inline button called `label`."""
    for message in reversed(chat.messages):
        for row in message.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return message.message_id, str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


async def test_registration_resumes_at_the_same_step_after_a_restart(
    settings: Settings, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as first:
        chat = Chat(first, 4001, phone="+84912345678")
        await chat.send("/join")
        consent_message, agree_data = button_data(chat, AGREE)
        await chat.press(AGREE)
        await chat.send("Lê Văn Tám")
        await chat.reply_button(SHARE)
        assert chat.replies() == [YEAR_Q]
    assert emulator.api_errors == []

    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as second:
        chat.local = second
        # A button from before the restart is still refused...
        assert await chat.press_data(agree_data, consent_message) == []
        assert chat.toasts()[-1] == EXPIRED
        # ...and the year is still the question.
        replies = await chat.send("1990")
        assert len(replies) == 1
        assert replies[0].startswith(WARD_Q)
        await chat.send("ngo quyen")
        await chat.press("Phường Ngô Quyền")
        await chat.press("Giáo viên")
        await chat.press("Bỏ qua")
        summary = chat.reply_text()
        assert summary.startswith(SUMMARY_Q)
        assert "Họ và tên: Lê Văn Tám" in summary
        assert "Số điện thoại: 0912 345 678" in summary
        assert "Năm sinh: 1990" in summary
        await chat.press("✅ Xác nhận")
        assert "Số thẻ hội viên của bạn là HP-2026-000001" in chat.reply_text()
        rows = await second.runtime.db.fetchall(with_telegram("members"))
        assert [(r["telegram_id"], r["full_name"], r["phone"], r["birth_year"]) for r in rows] == [
            (4001, "Lê Văn Tám", "+84912345678", 1990)
        ]
        consent = await second.runtime.db.fetchone(
            "SELECT granted FROM consents WHERE id = ?", (rows[0]["consent_id"],)
        )
        assert consent is not None
        assert consent["granted"] == 1
    assert emulator.api_errors == []


async def test_buttons_shown_before_a_restart_still_work(
    settings: Settings, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as first:
        chat = Chat(first, 4002)
        await chat.send("/join")
        await chat.press(AGREE)
        await chat.send("Đỗ Thị Hoa")
        await chat.reply_button(SHARE)
        await chat.send("1975")
        await chat.send("ngo quyen")
        await chat.press("Phường Ngô Quyền")
        assert chat.replies() == [CATEGORY_Q]

    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as second:
        chat.local = second
        replies = await chat.press("Người nghỉ hưu")
        assert len(replies) == 1
        assert replies[0].startswith(ORG_Q)
        await chat.send("Hội Cựu giáo chức")
        summary = chat.reply_text()
        assert "Họ và tên: Đỗ Thị Hoa" in summary
        assert "Xã, phường: Phường Ngô Quyền" in summary
        assert "Đối tượng: Người nghỉ hưu" in summary
        await chat.press("✅ Xác nhận")
        row = await second.runtime.db.fetchone(
            "SELECT * FROM members"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '4002')"
        )
        assert row is not None
        assert (row["full_name"], row["category"], row["organisation"]) == (
            "Đỗ Thị Hoa",
            "retired",
            "Hội Cựu giáo chức",
        )
    assert emulator.api_errors == []


async def test_language_choice_survives_a_restart(
    settings: Settings, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as first:
        chat = Chat(first, 4003, language_code="vi")
        await chat.send("/language")
        await chat.press("🇬🇧 English")
        assert chat.replies() == ["Done: I will speak English with you."]

    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as second:
        chat.local = second
        replies = await chat.send("/start")
        assert replies[0].startswith("Welcome to the Hải Phòng Study Promotion Association!")
        assert chat.last.buttons[0] == "📝 Join the Association"
        row = await second.runtime.db.fetchone(
            "SELECT language FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '4003')"
        )
        assert row is not None
        assert row["language"] == "en"
    assert emulator.api_errors == []


async def test_a_cancelled_registration_stays_cancelled_after_a_restart(
    settings: Settings, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as first:
        chat = Chat(first, 4004)
        await chat.send("/join")
        await chat.press(AGREE)
        await chat.send("Vũ Văn Nam")
        await chat.reply_button(SHARE)
        await chat.send("1990")
        await chat.send("ngo quyen")
        await chat.press("Phường Ngô Quyền")
        await chat.press("Giáo viên")
        await chat.press("Bỏ qua")
        await chat.press("✖️ Huỷ")
        assert chat.replies()[0].startswith("Đã huỷ đăng ký")

    async with local_bot(
        settings, emulator=emulator, clock=clock, poll_timeout=1, pacer=fast_pacer()
    ) as second:
        chat.local = second
        replies = await chat.send("1990")
        assert replies == ["Xin lỗi, bot chưa hiểu ý bạn. Bot có thể giúp bạn những việc sau:"]
        drafts = await second.runtime.db.fetchall("SELECT * FROM user_drafts")
        assert drafts == []
        conversations = await second.runtime.db.fetchall("SELECT * FROM conversations")
        assert conversations == []
        assert await second.runtime.db.fetchall("SELECT * FROM members") == []
    assert emulator.api_errors == []
