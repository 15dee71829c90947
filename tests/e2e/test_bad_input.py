"""Bad, odd and hostile input during registration: re-asked, never stored, never a crash."""

from __future__ import annotations

import logging
import unicodedata

import pytest

from bot.devtools.local import LocalBot
from tests.support import Chat, with_telegram

# The Vietnamese texts users see (locales/vi/LC_MESSAGES/messages.po).
CONSENT_Q = "🔒 Trước khi tham gia: Hội sử dụng dữ liệu cá nhân của bạn như thế nào"
AGREE = "✅ Tôi đồng ý"
DISAGREE = "✖️ Tôi không đồng ý"
NAME_Q = "Họ và tên đầy đủ của bạn là gì? Ví dụ: Nguyễn Thị Lan"
PHONE_Q = "Số điện thoại của bạn là gì?"
SHARE = "📱 Gửi số điện thoại của tôi"
YEAR_Q = "Bạn sinh năm nào? Ví dụ: 1985"
GUARDIAN_NAME_Q = "Bạn chưa đủ 16 tuổi nên cần có cha mẹ hoặc người giám hộ đồng ý"
GUARDIAN_PHONE_Q = "Số điện thoại của cha mẹ hoặc người giám hộ là gì?"
WARD_Q = "Bạn sống ở xã, phường nào? Hãy gõ một phần tên"
CHOOSE_WARD = "Chọn xã, phường của bạn:"
CATEGORY_Q = "Bạn thuộc đối tượng nào?"
ORG_Q = "Bạn đang công tác hoặc học tập tại cơ quan"
SUMMARY_Q = "Bạn vui lòng kiểm tra lại thông tin:"
CONFIRM = "✅ Xác nhận"
EDIT = "✏️ Sửa thông tin"
WHICH_FIELD = "Bạn muốn sửa thông tin nào?"
EXPIRED = "Nút này đã hết hiệu lực."
CANCELLED = "Đã huỷ đăng ký, những gì bạn vừa nhập không được lưu lại. Gõ /start để về menu chính."
USE_BUTTONS = "Vui lòng chọn bằng các nút bên dưới."
TYPE_ANSWER = "Câu hỏi này cần bạn gõ câu trả lời."
NOT_A_MEMBER = "Bạn chưa là hội viên. Bấm “Tham gia Hội Khuyến học” để đăng ký."
APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố."

NAME_HINT = "Vui lòng gõ họ và tên bằng chữ, tối đa 100 ký tự. Ví dụ: Nguyễn Thị Lan"
NOT_A_NAME = "Đây có vẻ không phải là họ tên."
TOO_LONG = "Nội dung quá dài."
PHONE_HINT = (
    "Hãy gõ số di động hoặc số cố định tại Việt Nam, ví dụ 0912 345 678, "
    "hoặc bấm nút để gửi số của bạn."
)
NOT_A_PHONE = "Đây không phải số điện thoại Việt Nam hợp lệ."
NOT_YOUR_CONTACT = (
    "Đây không phải số điện thoại của bạn. Vui lòng bấm nút bên dưới để gửi số của chính bạn, "
    "hoặc gõ số."
)
YEAR_HINT = "Hãy gõ năm sinh của bạn, trong khoảng từ 1906 đến 2020."
NOT_A_YEAR = "Vui lòng nhập năm sinh gồm 4 chữ số."
YEAR_IMPOSSIBLE = "Năm sinh này không hợp lệ."
GUARDIAN_NAME_HINT = (
    "Vui lòng gõ họ và tên của cha mẹ hoặc người giám hộ bằng chữ. Ví dụ: Trần Văn Minh"
)
GUARDIAN_PHONE_HINT = "Hãy gõ số điện thoại của cha mẹ hoặc người giám hộ, ví dụ 0912 345 678."


# --- helpers ------------------------------------------------------------------------------


async def members(local: LocalBot) -> list[dict[str, object]]:
    rows = await local.runtime.db.fetchall(with_telegram("members") + " ORDER BY id")
    return [dict(r) for r in rows]


async def member_count(local: LocalBot) -> int:
    row = await local.runtime.db.fetchone("SELECT COUNT(*) AS n FROM members")
    assert row is not None
    return int(row["n"])


def only(chat: Chat) -> str:
    """The one message the bot sent since the last action."""
    replies = chat.replies()
    assert len(replies) == 1, replies
    return replies[0]


def button_data(chat: Chat, label: str) -> tuple[int, str]:
    """(message id, callback data) of the newest live inline button called `label`."""
    for message in reversed(chat.messages):
        for row in message.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return message.message_id, str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


async def to_name(chat: Chat) -> None:
    await chat.send("/join")
    assert CONSENT_Q in chat.reply_text()
    await chat.press(AGREE)
    assert only(chat) == NAME_Q


async def to_phone(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await to_name(chat)
    await chat.send(name)
    assert only(chat).startswith(PHONE_Q)


async def to_year(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await to_phone(chat, name)
    await chat.reply_button(SHARE)
    assert only(chat) == YEAR_Q


async def to_ward(chat: Chat, name: str = "Nguyễn Thị Lan", year: str = "1990") -> None:
    await to_year(chat, name)
    await chat.send(year)
    assert only(chat).startswith(WARD_Q)


async def to_category(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await to_ward(chat, name)
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    assert only(chat) == CATEGORY_Q


async def to_summary(chat: Chat, name: str = "Nguyễn Thị Lan") -> None:
    await to_category(chat, name)
    await chat.press("Giáo viên")
    assert only(chat).startswith(ORG_Q)
    await chat.press("Bỏ qua")
    assert only(chat).startswith(SUMMARY_Q)


async def register(chat: Chat, name: str = "Nguyễn Thị Lan") -> str:
    await to_summary(chat, name)
    await chat.press(CONFIRM)
    assert "Số thẻ hội viên của bạn là HP-2026-" in chat.reply_text()
    return chat.reply_text()


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("  .  ", NOT_A_NAME),
        ("-", NOT_A_NAME),
        ("😀😀😀", NOT_A_NAME),
        ("12345", NOT_A_NAME),
        ("Nguyễn " + "a" * 100, TOO_LONG),
    ],
    ids=["dot", "dash", "emoji", "digits", "too-long"],
)
async def test_bad_name_is_reasked_then_a_valid_name_proceeds(
    local: LocalBot, bad: str, problem: str
) -> None:
    chat = Chat(local, 2001)
    await to_name(chat)
    await chat.send(bad)
    assert only(chat) == f"{problem} {NAME_HINT}"
    assert await member_count(local) == 0
    await chat.send("Trần Văn Bình")
    assert only(chat).startswith(PHONE_Q)
    await chat.reply_button(SHARE)
    await chat.send("1990")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Giáo viên")
    await chat.press("Bỏ qua")
    assert "\nHọ và tên: Trần Văn Bình\n" in chat.reply_text()
    assert await member_count(local) == 0


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_huge_text_at_the_name_step(
    local: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(local, 2002)
    await to_name(chat)
    huge = "Nguyễn Thị Lan " * 266 + "abcdefghij"
    assert len(huge) == 4000
    await chat.send(huge)
    assert only(chat) == f"{TOO_LONG} {NAME_HINT}"
    await chat.send("Nguyễn Thị Lan")
    assert only(chat).startswith(PHONE_Q)
    assert local.emulator.api_errors == []
    assert errors_logged(caplog) == []
    assert await member_count(local) == 0


async def test_a_decomposed_name_is_stored_composed(local: LocalBot) -> None:
    # Some keyboards send Vietnamese letters as base letter + combining marks (NFD).
    chat = Chat(local, 2003)
    await to_summary(chat, name=unicodedata.normalize("NFD", "Nguyễn   Thị Lan"))
    assert "Họ và tên: Nguyễn Thị Lan" in chat.reply_text()
    await chat.press(CONFIRM)
    (row,) = await members(local)
    assert row["full_name"] == unicodedata.normalize("NFC", "Nguyễn Thị Lan")


async def test_a_name_with_a_typographic_apostrophe_is_accepted(local: LocalBot) -> None:
    chat = Chat(local, 2004)
    await to_name(chat)
    await chat.send("H\u2019Hen Niê")
    assert only(chat).startswith(PHONE_Q)


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["12345", "abc", "+1 202 555 0143"])
async def test_bad_typed_phone_is_reasked(local: LocalBot, bad: str) -> None:
    chat = Chat(local, 2010)
    await to_phone(chat)
    await chat.send(bad)
    assert only(chat) == f"{NOT_A_PHONE} {PHONE_HINT}"
    assert await member_count(local) == 0
    await chat.send("0912 345 678")
    assert only(chat) == YEAR_Q


async def test_someone_elses_contact_is_refused(local: LocalBot) -> None:
    chat = Chat(local, 2011, phone="+84912345678")
    await to_phone(chat)
    await chat.share_contact(phone="+84987654321", contact_user_id=2099, first_name="Bố")
    assert only(chat) == NOT_YOUR_CONTACT
    # A contact card with no Telegram account behind it is not the user's own either.
    await chat.share_contact(phone="+84987654321", first_name="Mẹ")
    assert only(chat) == NOT_YOUR_CONTACT
    assert await member_count(local) == 0
    await chat.send("0912 345 678")
    assert only(chat) == YEAR_Q


async def test_typed_phone_is_stored_in_e164(local: LocalBot) -> None:
    chat = Chat(local, 2012, phone="+84900000001")
    await to_phone(chat)
    await chat.send("0912 345 678")
    assert only(chat) == YEAR_Q
    await chat.send("1990")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Giáo viên")
    await chat.press("Bỏ qua")
    assert "Số điện thoại: 0912 345 678" in chat.reply_text()
    await chat.press(CONFIRM)
    rows = await members(local)
    assert [r["phone"] for r in rows] == ["+84912345678"]


async def test_own_contact_shared_without_plus_sign(local: LocalBot) -> None:
    # Telegram often sends a shared contact's number without the leading "+".
    chat = Chat(local, 2013, phone="84912345678")
    await to_phone(chat)
    await chat.reply_button(SHARE)
    assert only(chat) == YEAR_Q


async def test_a_hotline_number_is_not_a_personal_phone(local: LocalBot) -> None:
    chat = Chat(local, 2014)
    await to_phone(chat)
    await chat.send("1900 1234")
    assert only(chat) == f"{NOT_A_PHONE} {PHONE_HINT}"


# --- years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("abcd", NOT_A_YEAR),
        ("20", NOT_A_YEAR),
        ("2030", YEAR_IMPOSSIBLE),
        ("1850", YEAR_IMPOSSIBLE),
        ("2023", YEAR_IMPOSSIBLE),  # three years old on the test clock
    ],
    ids=["letters", "two-digits", "future", "too-old", "three-years-old"],
)
async def test_impossible_year_is_reasked(local: LocalBot, bad: str, problem: str) -> None:
    chat = Chat(local, 2020)
    await to_year(chat)
    await chat.send(bad)
    assert only(chat) == f"{problem} {YEAR_HINT}"
    assert await member_count(local) == 0
    await chat.send("1990")
    assert only(chat).startswith(WARD_Q)


async def test_under_16_gives_a_guardian_whose_details_are_validated(local: LocalBot) -> None:
    chat = Chat(local, 2021)
    await to_year(chat, name="Phạm Minh Khôi")
    await chat.send("2012")
    assert only(chat).startswith(GUARDIAN_NAME_Q)
    await chat.send("12345")
    assert only(chat) == f"{NOT_A_NAME} {GUARDIAN_NAME_HINT}"
    await chat.send("Phạm Văn Hùng")
    assert only(chat) == GUARDIAN_PHONE_Q + " Bạn gõ số, hoặc chia sẻ số liên hệ của người đó."
    await chat.send("+1 202 555 0143")
    assert only(chat) == f"{NOT_A_PHONE} {GUARDIAN_PHONE_HINT}"
    await chat.share_contact(phone="0987 654 321", first_name="Hùng")
    assert only(chat).startswith(WARD_Q)
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Học sinh, sinh viên")
    await chat.send("Trường THCS Chu Văn An")
    summary = chat.reply_text()
    assert "Năm sinh: 2012" in summary
    assert "Cha mẹ hoặc người giám hộ: Phạm Văn Hùng, 0987 654 321" in summary
    await chat.press(CONFIRM)
    rows = await members(local)
    assert len(rows) == 1
    assert rows[0]["birth_year"] == 2012
    assert rows[0]["guardian_name"] == "Phạm Văn Hùng"
    assert rows[0]["guardian_phone"] == "+84987654321"


async def test_born_sixteen_years_ago_may_still_be_15_and_needs_a_guardian(
    local: LocalBot,
) -> None:
    chat = Chat(local, 2022)
    await to_year(chat)
    await chat.send("2010")
    assert only(chat).startswith(GUARDIAN_NAME_Q)


# --- communes and wards -------------------------------------------------------------------


async def test_ward_search_no_match_broad_and_without_diacritics(local: LocalBot) -> None:
    chat = Chat(local, 2030)
    await to_ward(chat)
    await chat.send("xyz")
    assert only(chat) == (
        "Không tìm thấy xã, phường nào của Hải Phòng khớp với “xyz”. Bạn kiểm tra lại chính tả "
        "và gõ lại một phần tên, ví dụ: Lê Chân"
    )
    assert chat.last.buttons == []

    await chat.send("hai")
    text = only(chat)
    assert "Dưới đây là 8 kết quả đầu tiên; gõ thêm tên để thu hẹp danh sách." in text
    assert len(chat.last.buttons) == 8
    assert "Phường Hải An" in chat.last.buttons

    await chat.send("ngo quyen")
    assert only(chat) == CHOOSE_WARD
    assert chat.last.buttons == ["Phường Ngô Quyền"]
    await chat.press("Phường Ngô Quyền")
    assert only(chat) == CATEGORY_Q
    assert await member_count(local) == 0


async def test_huge_text_at_the_ward_step(
    local: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(local, 2031)
    await to_ward(chat)
    await chat.send("x" * 4000)
    text = only(chat)
    assert text.startswith(
        "Không tìm thấy xã, phường nào của Hải Phòng khớp với “" + "x" * 40 + "”"
    )
    assert len(text) < 300
    assert chat.last.buttons == []
    await chat.send("hai " * 1000)  # 4,000 characters that do match
    assert len(chat.last.buttons) == 8
    await chat.send("Lê Chân")
    assert chat.last.buttons == ["Phường Lê Chân"]
    assert local.emulator.api_errors == []
    assert errors_logged(caplog) == []
    assert await member_count(local) == 0


# --- input of the wrong kind --------------------------------------------------------------


async def test_typing_where_buttons_are_expected(local: LocalBot) -> None:
    chat = Chat(local, 2040)
    await chat.send("/join")
    await chat.send("có")
    replies = chat.replies()
    assert replies[0] == USE_BUTTONS
    assert replies[1].startswith(CONSENT_Q)
    assert chat.last.buttons == [AGREE, DISAGREE]
    await chat.press(AGREE)
    assert only(chat) == NAME_Q
    await chat.send("Nguyễn Thị Lan")
    await chat.reply_button(SHARE)
    await chat.send("1990")
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.send("giáo viên")
    assert chat.replies() == [USE_BUTTONS, CATEGORY_Q]
    assert "Giáo viên" in chat.last.buttons
    await chat.press("Giáo viên")
    assert only(chat).startswith(ORG_Q)
    assert await member_count(local) == 0


async def test_typing_skip_at_the_organisation_step_skips(local: LocalBot) -> None:
    chat = Chat(local, 2043)
    await to_category(chat)
    await chat.press("Giáo viên")
    await chat.send("Bỏ qua")
    assert "Cơ quan, đơn vị: không có" in chat.reply_text()


async def test_a_sticker_where_text_is_expected(local: LocalBot) -> None:
    chat = Chat(local, 2041)
    await to_name(chat)
    sticker = {
        "file_id": "CAACAgIAAxkBAAEBsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "😀",
    }
    before = len(chat.messages)
    local.emulator.enqueue_message(chat.user_id, {"sticker": sticker})
    await local.settle()
    assert [m.text for m in chat.messages[before:]] == [TYPE_ANSWER, NAME_Q]
    await chat.send("Nguyễn Thị Lan")
    assert only(chat).startswith(PHONE_Q)


async def test_a_command_in_the_middle_of_joining(local: LocalBot) -> None:
    chat = Chat(local, 2042)
    await to_year(chat)
    # Other commands work as usual (here /me), and the open question stays open.
    await chat.send("/me")
    assert chat.replies() == [NOT_A_MEMBER]
    await chat.send("/stop")
    row = await local.runtime.db.fetchone(
        "SELECT subscribed FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '2042')"
    )
    assert row is not None and row[0] == 0
    await chat.send("1990")
    assert only(chat).startswith(WARD_Q)
    assert await member_count(local) == 0


# --- cancelling and disagreeing -----------------------------------------------------------


async def test_cancel_button_on_the_summary(local: LocalBot) -> None:
    chat = Chat(local, 2050)
    await to_summary(chat)
    await chat.press("✖️ Huỷ")
    assert only(chat) == CANCELLED
    assert await member_count(local) == 0
    await local.app.update_persistence()
    assert await local.runtime.db.fetchall("SELECT * FROM user_drafts") == []
    await chat.send("/join")
    assert chat.reply_text().startswith(CONSENT_Q)


@pytest.mark.parametrize("step", ["consent", "name", "phone", "year", "ward", "summary"])
async def test_cancel_command_at_any_step(local: LocalBot, step: str) -> None:
    chat = Chat(local, 2051)
    if step == "consent":
        await chat.send("/join")
    elif step == "name":
        await to_name(chat)
    elif step == "phone":
        await to_phone(chat)
    elif step == "year":
        await to_year(chat)
    elif step == "ward":
        await to_ward(chat)
    else:
        await to_summary(chat)
    await chat.send("/cancel")
    assert only(chat) == CANCELLED
    assert await member_count(local) == 0
    await local.app.update_persistence()
    assert await local.runtime.db.fetchall("SELECT * FROM user_drafts") == []
    await chat.send("/join")
    assert chat.reply_text().startswith(CONSENT_Q)


async def test_disagreeing_at_consent(local: LocalBot) -> None:
    chat = Chat(local, 2052)
    await chat.send("/join")
    await chat.press(DISAGREE)
    assert chat.reply_text().startswith(
        "Hội tôn trọng quyết định của bạn và không lưu bất kỳ thông tin nào của bạn."
    )
    assert chat.last.buttons[0] == "📝 Tham gia Hội Khuyến học"
    assert await member_count(local) == 0
    consents = await local.runtime.db.fetchall(with_telegram("consents"))
    assert [(c["telegram_id"], c["granted"]) for c in consents] == [(2052, 0)]
    await local.app.update_persistence()
    assert await local.runtime.db.fetchall("SELECT * FROM user_drafts") == []
    # Nothing of the conversation is waiting for them.
    await chat.send("Nguyễn Thị Lan")
    assert chat.reply_text().startswith("Xin lỗi, bot chưa hiểu ý bạn.")


# --- stale and forged buttons -------------------------------------------------------------


async def db_snapshot(local: LocalBot) -> dict[str, list[tuple[object, ...]]]:
    tables = ("users", "consents", "members", "officers")
    snapshot = {}
    for table in tables:
        rows = await local.runtime.db.fetchall(f"SELECT * FROM {table} ORDER BY 1")
        snapshot[table] = [tuple(r) for r in rows]
    return snapshot


async def test_consent_button_pressed_again_after_moving_on(local: LocalBot) -> None:
    chat = Chat(local, 2060)
    await chat.send("/join")
    consent_id, agree_data = button_data(chat, AGREE)
    await chat.press(AGREE)
    await chat.send("Nguyễn Thị Lan")
    assert only(chat).startswith(PHONE_Q)
    before = await db_snapshot(local)
    await chat.press_data(agree_data, consent_id)
    assert chat.replies() == []
    assert chat.toasts()[-1] == EXPIRED
    assert await db_snapshot(local) == before
    # Still at the phone step.
    await chat.send("0912 345 678")
    assert only(chat) == YEAR_Q


@pytest.mark.parametrize(
    "forged",
    ["reg:deadbeef:confirm", "menu:nonsense", "lang:fr", "x" * 64, "reg:deadbeef:cat:teacher"],
)
async def test_forged_callback_data_on_a_real_message(local: LocalBot, forged: str) -> None:
    chat = Chat(local, 2061)
    await to_summary(chat)
    summary_id = chat.last.message_id
    before = await db_snapshot(local)
    await chat.press_data(forged, summary_id)
    assert chat.replies() == []
    assert chat.toasts()[-1] == EXPIRED
    assert await db_snapshot(local) == before
    # The real buttons still work.
    await chat.press(CONFIRM, summary_id)
    assert await member_count(local) == 1


async def test_forged_consent_is_not_recorded(local: LocalBot) -> None:
    chat = Chat(local, 2065)
    await chat.send("/join")
    consent_id, _ = button_data(chat, AGREE)
    await chat.press_data("reg:deadbeef:consent:yes", consent_id)
    assert chat.replies() == []
    assert chat.toasts() == [EXPIRED]
    assert await local.runtime.db.fetchall("SELECT * FROM consents") == []
    # Still at the consent step: the real button works.
    await chat.press(AGREE, consent_id)
    assert only(chat) == NAME_Q


async def test_agree_and_disagree_tapped_together(local: LocalBot) -> None:
    chat = Chat(local, 2066)
    await chat.send("/join")
    consent_id, agree = button_data(chat, AGREE)
    _, disagree = button_data(chat, DISAGREE)
    before = len(chat.messages)
    await local.emulator.press(chat.user_id, consent_id, data=agree)
    await local.emulator.press(chat.user_id, consent_id, data=disagree)
    await local.settle()
    assert [m.text for m in chat.messages[before:]] == [NAME_Q]
    assert chat.toasts() == [None, EXPIRED]
    consents = await local.runtime.db.fetchall("SELECT granted FROM consents")
    assert [c["granted"] for c in consents] == [1]


async def test_forged_data_on_the_menu_outside_any_conversation(local: LocalBot) -> None:
    chat = Chat(local, 2062)
    await chat.send("/start")
    menu_id = chat.last.message_id
    before = await db_snapshot(local)
    for forged in ("reg:deadbeef:confirm", "menu:nonsense", "lang:fr", "x" * 64):
        await chat.press_data(forged, menu_id)
        assert chat.replies() == []
    assert chat.toasts() == [EXPIRED] * 4
    assert await db_snapshot(local) == before


async def test_double_tap_on_confirm_creates_one_member(local: LocalBot) -> None:
    chat = Chat(local, 2063)
    await to_summary(chat)
    summary_id, confirm_data = button_data(chat, CONFIRM)
    await chat.press(CONFIRM)
    assert "HP-2026-000001" in chat.reply_text()
    await chat.press_data(confirm_data, summary_id)
    assert chat.replies() == []
    assert chat.toasts()[-1] == EXPIRED
    rows = await members(local)
    assert [(r["telegram_id"], r["member_no"]) for r in rows] == [(2063, "HP-2026-000001")]


async def test_two_taps_on_confirm_arriving_together_create_one_member(local: LocalBot) -> None:
    chat = Chat(local, 2064)
    await to_summary(chat)
    summary_id, confirm_data = button_data(chat, CONFIRM)
    before = len(chat.messages)
    await local.emulator.press(chat.user_id, summary_id, data=confirm_data)
    await local.emulator.press(chat.user_id, summary_id, data=confirm_data)
    await local.settle()
    replies = [m.text or "" for m in chat.messages[before:]]
    assert len([t for t in replies if "HP-2026-000001" in t]) == 1
    assert chat.toasts()[-2:] == [None, EXPIRED]
    assert await member_count(local) == 1


# --- joining again ------------------------------------------------------------------------


async def test_joining_again_offers_to_update_and_edits_one_field(local: LocalBot) -> None:
    chat = Chat(local, 2070)
    await register(chat)
    (before,) = await members(local)
    await chat.send("/join")
    assert only(chat) == (
        "Bạn đã là hội viên, số thẻ HP-2026-000001. Bạn có muốn cập nhật thông tin không?"
    )
    assert chat.last.buttons == ["✏️ Cập nhật thông tin", "Giữ nguyên"]
    await chat.press("✏️ Cập nhật thông tin")
    summary = only(chat)
    assert summary.startswith(SUMMARY_Q)
    assert "Họ và tên: Nguyễn Thị Lan" in summary
    assert "Đối tượng: Giáo viên" in summary
    await chat.press(EDIT)
    assert only(chat) == WHICH_FIELD
    assert chat.last.buttons == [
        "Họ và tên",
        "Số điện thoại",
        "Năm sinh",
        "Xã, phường",
        "Đối tượng",
        "Cơ quan, đơn vị",
    ]
    await chat.press("Đối tượng")
    assert only(chat) == CATEGORY_Q
    await chat.press("Phụ huynh")
    summary = only(chat)
    assert "Đối tượng: Phụ huynh" in summary
    assert "Họ và tên: Nguyễn Thị Lan" in summary
    await chat.press(CONFIRM)
    assert only(chat) == "Đã cập nhật thông tin của bạn. Số thẻ hội viên vẫn là HP-2026-000001."
    (after,) = await members(local)
    assert after["id"] == before["id"]
    assert after["member_no"] == "HP-2026-000001"
    assert after["category"] == "parent"
    assert {k: v for k, v in after.items() if k not in ("category", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("category", "updated_at")
    }


async def test_joining_again_and_keeping_the_details(local: LocalBot) -> None:
    chat = Chat(local, 2071)
    await register(chat)
    before = await db_snapshot(local)
    await chat.send("/join")
    await chat.press("Giữ nguyên")
    assert only(chat) == "Vâng, thông tin của bạn được giữ nguyên."
    assert chat.last.buttons[0] == "📝 Tham gia Hội Khuyến học"
    assert await db_snapshot(local) == before


async def test_an_existing_member_who_cancels_the_update_stays_a_member(
    local: LocalBot,
) -> None:
    chat = Chat(local, 2072)
    await register(chat)
    before = await db_snapshot(local)
    await chat.send("/join")
    await chat.press("✏️ Cập nhật thông tin")
    await chat.press(EDIT)
    await chat.press("Họ và tên")
    await chat.send("Nguyễn Thị Lan Anh")
    assert "Họ và tên: Nguyễn Thị Lan Anh" in chat.reply_text()
    await chat.press("✖️ Huỷ")
    assert only(chat) == CANCELLED
    assert await db_snapshot(local) == before
    await chat.send("/me")
    assert "Họ và tên: Nguyễn Thị Lan\n" in chat.reply_text()


# --- editing from the summary -------------------------------------------------------------


async def test_edit_the_ward_from_the_summary(local: LocalBot) -> None:
    chat = Chat(local, 2080)
    await to_summary(chat)
    await chat.press(EDIT)
    await chat.press("Xã, phường")
    assert only(chat).startswith(WARD_Q)
    await chat.send("le chan")
    await chat.press("Phường Lê Chân")
    summary = only(chat)
    assert summary.startswith(SUMMARY_Q)
    assert "Xã, phường: Phường Lê Chân" in summary
    assert "Ngô Quyền" not in summary
    assert await member_count(local) == 0
    await chat.press(CONFIRM)
    (row,) = await members(local)
    assert row["ward_name"] == "Phường Lê Chân"


async def test_edit_the_year_to_under_16_asks_for_the_guardian(local: LocalBot) -> None:
    chat = Chat(local, 2081)
    await to_summary(chat)
    await chat.press(EDIT)
    await chat.press("Năm sinh")
    assert only(chat) == YEAR_Q
    await chat.send("2012")
    assert only(chat).startswith(GUARDIAN_NAME_Q)
    await chat.send("Nguyễn Văn Hải")
    assert only(chat).startswith(GUARDIAN_PHONE_Q)
    await chat.send("0987 654 321")
    summary = only(chat)
    assert summary.startswith(SUMMARY_Q)
    assert "Năm sinh: 2012" in summary
    assert "Cha mẹ hoặc người giám hộ: Nguyễn Văn Hải, 0987 654 321" in summary
    await chat.press(CONFIRM)
    (row,) = await members(local)
    assert (row["birth_year"], row["guardian_name"], row["guardian_phone"]) == (
        2012,
        "Nguyễn Văn Hải",
        "+84987654321",
    )
