"""The main menu, help, events, languages, officers' /stats, and a Bot API that misbehaves."""

from __future__ import annotations

from bot.devtools.local import LocalBot
from tests.conftest import ADMIN_ID
from tests.support import Chat, with_telegram

MENU_VI = [
    "📝 Tham gia Hội Khuyến học",
    "💝 Ủng hộ quỹ khuyến học",
    "📅 Sự kiện",
    "🌐 Ngôn ngữ",
    "❓ Trợ giúp",
]
MENU_EN = [
    "📝 Join the Association",
    "💝 Pledge to the fund",
    "📅 Events",
    "🌐 Language",
    "❓ Help",
]
GREETING_VI = "Chào mừng bạn đến với Hội Khuyến học Hải Phòng! 🎓"
GREETING_EN = "Welcome to the Hải Phòng Study Promotion Association! 🎓"
HELP_VI = "Bot có thể giúp bạn:\n/join: tham gia Hội Khuyến học\n/me: xem thẻ hội viên"
CONSENT_Q = "🔒 Trước khi tham gia: Hội sử dụng dữ liệu cá nhân của bạn như thế nào"
SUMMARY_Q = "Bạn vui lòng kiểm tra lại thông tin:"
APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố. Bạn vui lòng thử lại sau ít phút."
OFFICERS_ONLY = "Chức năng này chỉ dành cho cán bộ Hội."


def shows_menu(chat: Chat, menu: list[str]) -> bool:
    """The bot's last message carries the main menu: its buttons, in this order."""
    buttons = iter(chat.last.buttons)
    return all(label in buttons for label in menu)


async def member_rows(local: LocalBot) -> list[dict[str, object]]:
    rows = await local.runtime.db.fetchall(with_telegram("members") + " ORDER BY id")
    return [dict(r) for r in rows]


async def language_of(local: LocalBot, user_id: int) -> str | None:
    row = await local.runtime.db.fetchone(
        "SELECT language FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (user_id,),
    )
    return None if row is None else str(row["language"])


async def to_summary(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await chat.send("/join")
    await chat.press("✅ Tôi đồng ý")
    await chat.send(name)
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    await chat.send("1990")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Giáo viên")
    await chat.press("Bỏ qua")
    assert chat.reply_text().startswith(SUMMARY_Q)


# --- the menu -----------------------------------------------------------------------------


async def test_start_shows_the_menu(local: LocalBot) -> None:
    chat = Chat(local, 3001)
    replies = await chat.send("/start")
    assert len(replies) == 1
    assert replies[0].startswith(GREETING_VI)
    assert shows_menu(chat, MENU_VI)
    assert chat.last.button_rows[:2] == [MENU_VI[:1], MENU_VI[1:2]]
    user = await local.runtime.db.fetchone(
        "SELECT * FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '3001')"
    )
    assert user is not None
    assert user["language"] == "vi"


async def test_help_command_and_button(local: LocalBot) -> None:
    chat = Chat(local, 3002)
    replies = await chat.send("/help")
    assert len(replies) == 1
    assert replies[0].startswith(HELP_VI)
    assert "/cancel: dừng việc đang làm" in replies[0]
    assert shows_menu(chat, MENU_VI)
    replies = await chat.press("❓ Trợ giúp")
    assert len(replies) == 1
    assert replies[0].startswith(HELP_VI)
    assert chat.toasts() == [None]


async def test_events_mention_the_key_dates(local: LocalBot) -> None:
    chat = Chat(local, 3003)
    await chat.send("/start")
    replies = await chat.press("📅 Sự kiện")
    assert len(replies) == 1
    text = replies[0]
    assert text.startswith("📅 Tháng khuyến học, khuyến tài, từ 01 đến 31/10")
    assert "• 02/10: Ngày Khuyến học Việt Nam" in text
    assert "• 14/10: Ngày thành lập Hội Khuyến học Hải Phòng" in text
    assert shows_menu(chat, MENU_VI)
    assert await member_rows(local) == []


async def test_pledge_button_opens_the_pledge_without_a_bank_cash_only(local: LocalBot) -> None:
    chat = Chat(local, 3004)
    await chat.send("/start")
    replies = await chat.press("💝 Ủng hộ quỹ khuyến học")
    assert replies == [
        "💝 Cảm ơn bạn đã đồng hành cùng công tác khuyến học! Bạn muốn ủng hộ quỹ nào?"
    ]
    await chat.press("Quỹ khuyến học thành phố")
    await chat.press("Nơi cần nhất (mục đích chung)")
    await chat.send("300k")
    await chat.press("✅ Tôi đồng ý")
    await chat.send("Phạm Văn Hùng")
    await chat.share_contact()
    await chat.press("🤍 Ẩn danh")
    # No bank account is set up (BANK_BIN, BANK_ACCOUNT): cash is the only way offered.
    assert chat.last.buttons == ["💵 Tiền mặt tại văn phòng Hội"]


async def test_switching_to_english_and_back(local: LocalBot) -> None:
    chat = Chat(local, 3005)
    await chat.send("/language")
    assert chat.reply_text() == "Chọn ngôn ngữ / Choose your language:"
    assert chat.last.buttons == ["🇻🇳 Tiếng Việt", "🇬🇧 English"]
    picker_id = chat.last.message_id
    replies = await chat.press("🇬🇧 English")
    assert replies == ["Done: I will speak English with you."]
    assert shows_menu(chat, MENU_EN)
    picker = next(m for m in chat.messages if m.message_id == picker_id)
    assert picker.buttons == []  # the choice is made: the picker's buttons are gone
    assert await language_of(local, chat.user_id) == "en"

    replies = await chat.send("/start")
    assert replies[0].startswith(GREETING_EN)
    assert shows_menu(chat, MENU_EN)
    await chat.send("/join")
    assert chat.reply_text().startswith("🔒 Before you join: how we use your personal data")

    await chat.press("✖️ I do not agree")
    await chat.send("/language")
    assert chat.reply_text() == "Choose your language:"
    replies = await chat.press("🇻🇳 Tiếng Việt")
    assert replies == ["Đã chuyển sang tiếng Việt."]
    assert shows_menu(chat, MENU_VI)
    assert await language_of(local, chat.user_id) == "vi"


async def test_english_telegram_user_gets_english_first(local: LocalBot) -> None:
    chat = Chat(local, 3006, language_code="en")
    replies = await chat.send("/start")
    assert replies[0].startswith(GREETING_EN)
    assert shows_menu(chat, MENU_EN)
    assert await language_of(local, chat.user_id) == "en"


async def test_other_telegram_language_gets_vietnamese(local: LocalBot) -> None:
    chat = Chat(local, 3007, language_code="fr")
    replies = await chat.send("/start")
    assert replies[0].startswith(GREETING_VI)
    assert await language_of(local, chat.user_id) == "vi"


async def test_text_outside_a_conversation_gets_the_menu(local: LocalBot) -> None:
    chat = Chat(local, 3008)
    replies = await chat.send("xin chào")
    assert replies == ["Xin lỗi, bot chưa hiểu ý bạn. Bot có thể giúp bạn những việc sau:"]
    assert shows_menu(chat, MENU_VI)
    assert await member_rows(local) == []


async def test_unknown_command(local: LocalBot) -> None:
    chat = Chat(local, 3009)
    replies = await chat.send("/frobnicate now")
    assert replies == ["Bot không có lệnh này. Gõ /help để xem bot có thể giúp gì."]


async def test_me_before_joining(local: LocalBot) -> None:
    chat = Chat(local, 3010)
    replies = await chat.send("/me")
    assert replies == ["Bạn chưa là hội viên. Bấm “Tham gia Hội Khuyến học” để đăng ký."]
    assert shows_menu(chat, MENU_VI)


# --- officers -----------------------------------------------------------------------------


async def test_stats_refused_for_a_citizen(local: LocalBot) -> None:
    chat = Chat(local, 3020)
    replies = await chat.send("/stats")
    assert replies == [OFFICERS_ONLY]


async def test_stats_for_the_admin(local: LocalBot) -> None:
    citizen = Chat(local, 3021)
    await to_summary(citizen)
    await citizen.press("✅ Xác nhận")
    admin = Chat(local, ADMIN_ID)
    replies = await admin.send("/stats")
    assert replies == [
        "📊 Hội viên: tổng số 1, tháng này thêm 1, hôm nay thêm 1.\n• Giáo viên: 1\n\n"
        "💝 Ủng hộ: 0 khoản, đăng ký 0\xa0₫, đã nhận 0\xa0₫; 0 khoản đang chờ.\n"
        "🏡 Mô hình học tập: 0 đăng ký, 0 đã công nhận.\n"
        "📣 Người đang nhận thông báo: 2.\nChưa gửi thông báo nào."
    ]
    assert len(await member_rows(local)) == 1


# --- a Bot API that misbehaves ------------------------------------------------------------


async def test_a_user_who_blocked_the_bot(local: LocalBot) -> None:
    chat = Chat(local, 3030)
    await chat.send("/start")
    local.emulator.set_blocked(chat.user_id)
    replies = await chat.send("/join")
    assert replies == []
    replies = await chat.send("xin chào")
    assert replies == []
    assert local.emulator.api_errors == []
    assert local.emulator.stats["403"] >= 2
    local.emulator.set_blocked(chat.user_id, False)
    replies = await chat.send("/start")
    assert replies[0].startswith(GREETING_VI)
    assert await member_rows(local) == []


async def test_a_502_on_send_message_during_registration(local: LocalBot) -> None:
    chat = Chat(local, 3031)
    await chat.send("/join")
    await chat.press("✅ Tôi đồng ý")
    # Both the next question and the apology fail: the user sees nothing and tries again.
    local.emulator.inject_errors(status=502, count=2, methods=["sendMessage"])
    replies = await chat.send("Nguyễn Thị Lan")
    assert replies == []
    assert local.emulator.stats["5xx"] == 2
    replies = await chat.send("Nguyễn Thị Lan")
    assert len(replies) == 1
    assert replies[0].startswith("Số điện thoại của bạn là gì?")
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    await chat.send("1990")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Giáo viên")
    await chat.press("Bỏ qua")
    assert "Họ và tên: Nguyễn Thị Lan" in chat.reply_text()
    assert await member_rows(local) == []
    await chat.press("✅ Xác nhận")
    rows = await member_rows(local)
    assert [(r["member_no"], r["full_name"], r["phone"]) for r in rows] == [
        ("HP-2026-000001", "Nguyễn Thị Lan", "+84912345678")
    ]


async def test_a_502_before_saving_leaves_no_member_and_the_next_tap_works(
    local: LocalBot,
) -> None:
    chat = Chat(local, 3032)
    await to_summary(chat)
    summary_id = chat.last.message_id
    # Answering the press fails, before anything is saved.
    local.emulator.inject_errors(status=502, count=1, methods=["answerCallbackQuery"])
    replies = await chat.press("✅ Xác nhận")
    assert replies == [APOLOGY]
    assert await member_rows(local) == []
    summary = next(m for m in chat.messages if m.message_id == summary_id)
    assert "✅ Xác nhận" in summary.buttons
    await chat.press("✅ Xác nhận", summary_id)
    assert "Số thẻ hội viên của bạn là HP-2026-000001" in chat.reply_text()
    rows = await member_rows(local)
    assert [(r["member_no"], r["telegram_id"], r["category"]) for r in rows] == [
        ("HP-2026-000001", 3032, "teacher")
    ]


async def test_a_502_on_the_welcome_keeps_one_complete_member(local: LocalBot) -> None:
    chat = Chat(local, 3033)
    await to_summary(chat)
    local.emulator.inject_errors(status=502, count=1, methods=["sendMessage"])
    replies = await chat.press("✅ Xác nhận")
    # A passing 502 is retried: the member still gets the welcome with their number.
    assert len(replies) == 1 and "HP-2026-000001" in replies[0]
    rows = await member_rows(local)
    assert len(rows) == 1
    row = rows[0]
    assert (row["member_no"], row["full_name"], row["phone"], row["birth_year"]) == (
        "HP-2026-000001",
        "Nguyễn Thị Lan",
        "+84912345678",
        1990,
    )
    assert (row["ward_name"], row["category"], row["organisation"]) == (
        "Phường Ngô Quyền",
        "teacher",
        None,
    )
    consent = await local.runtime.db.fetchone(
        "SELECT granted FROM consents WHERE id = ?", (row["consent_id"],)
    )
    assert consent is not None and consent["granted"] == 1
    # Joining again finds the membership instead of creating a second one.
    replies = await chat.send("/join")
    assert replies == [
        "Bạn đã là hội viên, số thẻ HP-2026-000001. Bạn có muốn cập nhật thông tin không?"
    ]
    assert len(await member_rows(local)) == 1


async def test_after_a_failed_welcome_the_user_can_still_see_their_card(
    local: LocalBot,
) -> None:
    chat = Chat(local, 3034)
    await to_summary(chat)
    local.emulator.inject_errors(status=502, count=1, methods=["sendMessage"])
    await chat.press("✅ Xác nhận")
    assert len(await member_rows(local)) == 1
    replies = await chat.send("/me")
    assert APOLOGY not in replies
    assert "Số thẻ: HP-2026-000001" in "\n".join(replies)


async def test_double_tap_on_a_language_button(local: LocalBot) -> None:
    chat = Chat(local, 3040)
    await chat.send("/language")
    picker_id, data = chat.last.message_id, "lang:en"
    await chat.press("🇬🇧 English")
    replies = await chat.press_data(data, picker_id)
    try:
        assert await language_of(local, chat.user_id) == "en"
        assert APOLOGY not in replies
        assert local.emulator.api_errors == []
    finally:
        local.emulator.api_errors.clear()  # reported here, not again by the fixture


async def test_the_apology_is_in_the_users_language(local: LocalBot) -> None:
    chat = Chat(local, 3041, language_code="en")
    await chat.send("/start")
    local.emulator.inject_errors(status=502, count=1, methods=["sendMessage"])
    replies = await chat.send("/help")
    assert replies == ["Sorry, something went wrong on our side. Please try again in a moment."]


async def test_replies_wait_out_a_429(local: LocalBot) -> None:
    chat = Chat(local, 3090)
    await chat.send("/start")
    local.emulator.enable_rate_limits(global_per_sec=30, per_chat_per_sec=1, per_chat_burst=1)
    await chat.send("/help")
    replies = await chat.send("/help")  # within the same second: Telegram answers 429 first
    assert replies and replies[0].startswith(HELP_VI)
    assert local.emulator.stats["429"] >= 1


async def test_cancel_with_nothing_under_way(local: LocalBot) -> None:
    chat = Chat(local, 3091)
    replies = await chat.send("/cancel")
    assert replies == ["Không có việc gì đang làm dở để huỷ. Đây là menu chính:"]
    assert chat.last.buttons == MENU_VI


async def test_the_bot_stays_silent_in_groups_and_keeps_nothing(local: LocalBot) -> None:
    chat = Chat(local, 3092)
    group = {"id": -1001234, "type": "supergroup", "title": "Chi hội khuyến học"}
    local.emulator.enqueue_message(chat.user_id, {"chat": group, "text": "Xin chào cả nhà"})
    await local.settle()
    assert chat.messages == []
    row = await local.runtime.db.fetchone(
        "SELECT COUNT(*) FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '3092')"
    )
    assert row is not None and row[0] == 0  # not added to any audience
