"""Bad, odd and hostile input while pledging, and while officers decide pledges: re-asked,
never stored, never a crash. Every test drives the real bot through the Bot API emulator."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.devtools.local import LocalBot, local_bot
from bot.settings import Settings
from storage.officers import add_officer
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import BANK, count, pledge_rows, said
from tests.support import (
    Chat,
    FakeClock,
    eventually,
    fast_pacer,
    person,
    seed_member,
    with_telegram,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, **BANK)


@pytest.fixture
async def local(settings: Settings, clock: FakeClock) -> AsyncIterator[LocalBot]:
    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as running:
        yield running
        assert running.emulator.api_errors == []


# --- what the user sees (locales/vi/LC_MESSAGES/messages.po), no-break spaces made plain ------

FUND_Q = "💝 Cảm ơn bạn đã đồng hành cùng công tác khuyến học! Bạn muốn ủng hộ quỹ nào?"
FUND_WARD_Q = "Quỹ của xã, phường nào? Hãy gõ một phần tên, ví dụ: Ngô Quyền hoặc Bạch Long Vĩ."
SCHOOL_Q = "Tên trường học hoặc đơn vị là gì? Ví dụ: Trường THCS Lê Lợi"
CLAN_Q = "Dòng họ nào? Ví dụ: Nguyễn Đình (Kiến Thụy)"
PURPOSE_Q = "Bạn muốn khoản ủng hộ dành cho mục đích nào?"
AMOUNT_Q = (
    "Bạn muốn ủng hộ bao nhiêu? Bấm chọn một mức, hoặc gõ số tiền, ví dụ 300000, 300.000, "
    "300k hoặc 1,5 triệu."
)
CONSENT_Q = "🔒 Trước khi ủng hộ: cách chúng tôi sử dụng dữ liệu cá nhân của bạn"
NAME_Q = "Họ và tên đầy đủ của bạn là gì? Ví dụ: Nguyễn Thị Lan"
PHONE_Q = (
    "Số điện thoại của bạn là gì? Bấm nút bên dưới để gửi số của bạn, hoặc gõ số "
    "(ví dụ 0912 345 678)."
)
PUBLIC_Q = "Bảng vàng (/honour) ghi danh để tri ân các nhà hảo tâm."
METHOD_Q = "Bạn muốn nộp tiền bằng cách nào?"
SUMMARY_Q = "Xin kiểm tra lại khoản ủng hộ:"
CHOOSE_WARD = "Chọn xã, phường:"

CITY = "Quỹ khuyến học thành phố"
WARD_FUND = "Quỹ khuyến học xã, phường"
SCHOOL_FUND = "Quỹ khuyến học trường học, đơn vị"
CLAN_FUND = "Quỹ khuyến học dòng họ"
GENERAL = "Nơi cần nhất (mục đích chung)"
AGREE = "✅ Tôi đồng ý"
ANONYMOUS = "🤍 Ẩn danh"
CASH = "💵 Tiền mặt tại văn phòng Hội"
TRANSFER = "🏦 Chuyển khoản (VietQR)"
CONFIRM = "✅ Xác nhận ủng hộ"
PLEDGED = "Mã ủng hộ: KH2026 P000001"

EXPIRED = "Nút này đã hết hiệu lực."
USE_BUTTONS = "Vui lòng chọn bằng các nút bên dưới."
TYPE_ANSWER = "Câu hỏi này cần bạn gõ câu trả lời."
CANCELLED = "Đã huỷ, không có thông tin nào được lưu. Gõ /start để về menu chính."
NOT_A_MEMBER = "Bạn chưa là hội viên. Bấm “Tham gia Hội Khuyến học” để đăng ký."
NOT_UNDERSTOOD = "Xin lỗi, bot chưa hiểu ý bạn."

EMPTY = "Bạn chưa nhập gì."
TOO_LONG = "Nội dung quá dài."
NOT_A_NAME = "Đây có vẻ không phải là họ tên."
NOT_A_FUND_NAME = "Đây có vẻ không phải là tên trường học, đơn vị hay dòng họ."
FUND_NAME_HINT = "Xin gõ tên bằng chữ, tối đa 200 ký tự."
NAME_HINT = "Vui lòng gõ họ và tên bằng chữ, tối đa 100 ký tự. Ví dụ: Nguyễn Thị Lan"
NOT_A_PHONE = "Đây không phải số điện thoại Việt Nam hợp lệ."
PHONE_HINT = (
    "Hãy gõ số di động hoặc số cố định tại Việt Nam, ví dụ 0912 345 678, "
    "hoặc bấm nút để gửi số của bạn."
)
NOT_YOUR_CONTACT = (
    "Đây không phải số điện thoại của bạn. Vui lòng bấm nút bên dưới để gửi số của chính bạn, "
    "hoặc gõ số."
)
AMOUNT_EXAMPLES = "Ví dụ: 500000, 500.000, 500k, 1tr hoặc 1,5 triệu."
LIMITS = "Mỗi khoản ủng hộ từ 10.000 ₫ đến 10.000.000.000 ₫."


def no_ward(query: str) -> str:
    return (
        f"Không tìm thấy xã, phường nào của Hải Phòng khớp với “{query}”. Bạn kiểm tra lại "
        "chính tả và gõ lại một phần tên, ví dụ: Lê Chân"
    )


# Officers.
OTHER_AMOUNT = "✏️ Nhận số tiền khác"
REJECT = "✖️ Từ chối"
FULL = "✅ Đã nhận đủ (500.000\xa0₫)"
NOT_AN_AMOUNT_OFFICER = "Đó không phải số tiền. Xin gõ lại, ví dụ 300000."
TYPE_OR_CANCEL = "Xin gõ câu trả lời, hoặc gõ /cancel để dừng."
SHORT_REASON = "Xin gõ lý do ngắn gọn, tối đa 300 ký tự."
LEFT_AS_IT_WAS = "Được rồi, khoản ủng hộ được giữ nguyên."
DECIDED_RECEIVED = "Khoản này đã được xử lý: ✅ đã nhận."
DECIDED_MEANWHILE = "Khoản này vừa được xử lý trong lúc đó; không có gì thay đổi."

STICKER = {
    "file_id": "CAACAgIAAxkBAAEBpledgesticker",
    "file_unique_id": "AgADpledgesticker",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "🎁",
}
EMOJI = "🎁🎁"
HUGE = "x" * 5000


# --- helpers ------------------------------------------------------------------------------


async def send_sticker(local: LocalBot, chat: Chat) -> list[str]:
    chat._mark = len(chat.messages)
    local.emulator.enqueue_message(chat.user_id, {"sticker": STICKER})
    await local.settle()
    return chat.replies()


def last_press_answered_silently(local: LocalBot, chat: Chat) -> bool:
    """The newest button press was answered (no endless spinner), with no toast."""
    last = local.emulator.callback_queries(chat.user_id)[-1]
    return last.answered and last.text is None


def plain(texts: list[str]) -> list[str]:
    return [t.replace("\xa0", " ") for t in texts]


def button_data(chat: Chat, label: str) -> tuple[int, str]:
    """(message id, callback data) of the newest inline button called `label`."""
    for message in reversed(chat.messages):
        for row in message.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return message.message_id, str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


def nonce_of(chat: Chat) -> str:
    """The nonce of the open pledge draft, read off the newest pledge button."""
    for message in reversed(chat.messages):
        for row in message.inline_keyboard:
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith("pl:"):
                    return data.split(":")[1]
    raise AssertionError("no pledge button")


async def nothing_stored(local: LocalBot) -> None:
    db = local.runtime.db
    assert await pledge_rows(db) == []
    assert await count(db, "donors") == 0


async def draft_of(local: LocalBot, user_id: int) -> dict[str, object]:
    await local.app.update_persistence()
    row = await local.runtime.db.fetchone(
        "SELECT data FROM user_drafts"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (user_id,),
    )
    return json.loads(row["data"]) if row else {}


@dataclasses.dataclass(frozen=True)
class Step:
    question: str  # the start of what the bot asks
    buttons: bool  # answered by a button (else typed)
    path: tuple[tuple[str, str], ...]  # ("press" | "send", text) from /pledge to the question
    answer: tuple[str, str]  # a valid answer
    next_question: str  # what that answer leads to


MAIN = (
    ("press", CITY),
    ("press", GENERAL),
    ("send", "200k"),
    ("press", AGREE),
    ("send", "Trần Văn Minh"),
    ("send", "0987 654 321"),
    ("press", ANONYMOUS),
    ("press", CASH),
)
STEPS = {
    "fund": Step(FUND_Q, True, (), ("press", CITY), PURPOSE_Q),
    "fund_ward": Step(
        FUND_WARD_Q, False, (("press", WARD_FUND),), ("send", "ngo quyen"), CHOOSE_WARD
    ),
    "fund_name": Step(
        SCHOOL_Q, False, (("press", SCHOOL_FUND),), ("send", "Trường THCS Lê Lợi"), PURPOSE_Q
    ),
    "purpose": Step(PURPOSE_Q, True, MAIN[:1], MAIN[1], AMOUNT_Q),
    "amount": Step(AMOUNT_Q, False, MAIN[:2], MAIN[2], CONSENT_Q),
    "consent": Step(CONSENT_Q, True, MAIN[:3], MAIN[3], NAME_Q),
    "name": Step(NAME_Q, False, MAIN[:4], MAIN[4], PHONE_Q),
    "phone": Step(PHONE_Q, False, MAIN[:5], MAIN[5], PUBLIC_Q),
    "public": Step(PUBLIC_Q, True, MAIN[:6], MAIN[6], METHOD_Q),
    "method": Step(METHOD_Q, True, MAIN[:7], MAIN[7], SUMMARY_Q),
    "summary": Step(SUMMARY_Q, True, MAIN, ("press", CONFIRM), PLEDGED),
}


async def act(chat: Chat, action: tuple[str, str]) -> list[str]:
    kind, text = action
    if kind == "press":
        # The newest message with that button: a menu may have come after the question.
        return await chat.press(text, button_data(chat, text)[0])
    return await chat.send(text)


async def to_step(chat: Chat, step: Step) -> None:
    await chat.send("/pledge")
    for action in step.path:
        await act(chat, action)
    assert plain(chat.replies())[-1].startswith(step.question), chat.replies()


async def answer_proceeds(chat: Chat, step: Step) -> None:
    """The question is still open: a valid answer is taken and the next question follows."""
    await act(chat, step.answer)
    assert step.next_question in said(chat)


# --- every step, every kind of odd input ----------------------------------------------------

# What each typed step says to an emoji-only text and to 5,000 characters.
TYPED_PROBLEMS: dict[str, dict[str, str]] = {
    "fund_ward": {"emoji": no_ward(EMOJI), "huge": no_ward("x" * 40)},
    "fund_name": {
        "emoji": f"{NOT_A_FUND_NAME} {FUND_NAME_HINT}",
        "huge": f"{TOO_LONG} {FUND_NAME_HINT}",
    },
    "name": {"emoji": f"{NOT_A_NAME} {NAME_HINT}", "huge": f"{TOO_LONG} {NAME_HINT}"},
    "phone": {"emoji": f"{NOT_A_PHONE} {PHONE_HINT}", "huge": f"{NOT_A_PHONE} {PHONE_HINT}"},
}


@pytest.mark.parametrize("kind", ["sticker", "emoji", "huge"])
@pytest.mark.parametrize("name", list(STEPS))
async def test_odd_input_at_every_step_is_reasked(local: LocalBot, name: str, kind: str) -> None:
    step = STEPS[name]
    chat = Chat(local, 5001)
    await to_step(chat, step)
    if kind == "sticker":
        replies = plain(await send_sticker(local, chat))
    else:
        replies = plain(await chat.send(EMOJI if kind == "emoji" else HUGE))

    if step.buttons:
        assert len(replies) == 2, replies
        assert replies[0] == USE_BUTTONS
        assert replies[1].startswith(step.question)
    elif kind == "sticker":
        assert len(replies) == 2, replies
        assert replies[0] == TYPE_ANSWER
        assert replies[1].startswith(step.question)
    elif name == "amount":
        (reply,) = replies
        assert reply.endswith(AMOUNT_EXAMPLES)
    else:
        assert replies == [TYPED_PROBLEMS[name][kind]]
    await nothing_stored(local)

    await answer_proceeds(chat, step)
    if name == "summary":
        assert len(await pledge_rows(local.runtime.db)) == 1
        assert await count(local.runtime.db, "donors") == 1
    else:
        await nothing_stored(local)


@pytest.mark.parametrize("name", list(STEPS))
async def test_another_command_mid_pledge_keeps_the_question_open(
    local: LocalBot, name: str
) -> None:
    step = STEPS[name]
    chat = Chat(local, 5002)
    await to_step(chat, step)
    assert await chat.send("/me") == [NOT_A_MEMBER]
    await nothing_stored(local)
    assert "pl" in await draft_of(local, chat.user_id)
    await answer_proceeds(chat, step)


@pytest.mark.parametrize("name", list(STEPS))
async def test_cancel_at_every_step_saves_nothing(local: LocalBot, name: str) -> None:
    step = STEPS[name]
    chat = Chat(local, 5003)
    await to_step(chat, step)
    assert await chat.send("/cancel") == [CANCELLED]
    await nothing_stored(local)
    assert "pl" not in await draft_of(local, chat.user_id)

    # The question is closed: its answer is no longer taken.
    kind, text = step.answer
    if kind == "press":
        message_id, data = button_data(chat, text)
        assert await chat.press_data(data, message_id) == []
        assert chat.toasts()[-1] == EXPIRED
    else:
        await chat.send(text)
        assert said(chat).startswith(NOT_UNDERSTOOD)
    await nothing_stored(local)


# --- typing where buttons are expected --------------------------------------------------------

TYPED_LABELS = {
    "fund": CITY,
    "purpose": GENERAL,
    "consent": "đồng ý",
    "public": "Ẩn danh",
    "method": "tiền mặt",
    "summary": "Xác nhận",
}


@pytest.mark.parametrize("name", list(TYPED_LABELS))
async def test_typing_where_buttons_are_expected(local: LocalBot, name: str) -> None:
    step = STEPS[name]
    chat = Chat(local, 5004)
    await to_step(chat, step)
    replies = plain(await chat.send(TYPED_LABELS[name]))
    assert len(replies) == 2, replies
    assert replies[0] == USE_BUTTONS
    assert replies[1].startswith(step.question)
    assert chat.last.buttons  # asked again, with its buttons
    await nothing_stored(local)
    await answer_proceeds(chat, step)


# --- stale and forged buttons -----------------------------------------------------------------


async def member_pledge(chat: Chat, amount: str = "100.000\xa0₫") -> None:
    await chat.send("/pledge")
    await chat.press(CITY)
    await chat.press(GENERAL)
    await chat.press(amount)
    await chat.press(ANONYMOUS)
    await chat.press(CASH)
    await chat.press(CONFIRM)


async def test_buttons_of_a_finished_pledge_pressed_again(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 5010)
    chat = Chat(local, 5010)
    await chat.send("/pledge")
    fund_message, city_data = button_data(chat, CITY)
    await chat.press(CITY)
    await chat.press(GENERAL)
    await chat.press("100.000\xa0₫")
    await chat.press(ANONYMOUS)
    await chat.press(CASH)
    summary_message, confirm_data = button_data(chat, CONFIRM)
    await chat.press(CONFIRM)
    assert PLEDGED in said(chat)
    before = await pledge_rows(db)

    # Outside any pledge.
    assert await chat.press_data(confirm_data, summary_message) == []
    assert await chat.press_data(city_data, fund_message) == []
    assert chat.toasts()[-2:] == [EXPIRED, EXPIRED]
    assert await pledge_rows(db) == before

    # Inside a new pledge: the old buttons belong to the old draft.
    await chat.send("/pledge")
    assert FUND_Q in said(chat)
    assert await chat.press_data(city_data, fund_message) == []
    assert await chat.press_data(confirm_data, summary_message) == []
    assert chat.toasts()[-2:] == [EXPIRED, EXPIRED]
    assert await pledge_rows(db) == before
    await chat.press(SCHOOL_FUND)  # the new question still works
    assert said(chat) == SCHOOL_Q
    await chat.send("Trường THCS Lê Lợi")
    await chat.press(GENERAL)
    assert await chat.press_data(confirm_data, summary_message) == []
    assert chat.toasts()[-1] == EXPIRED
    assert await pledge_rows(db) == before


async def test_a_button_of_an_earlier_question_in_the_same_pledge(local: LocalBot) -> None:
    # The amount was typed, so the preset amounts stayed under the amount question.
    db = local.runtime.db
    await seed_member(db, 5017)
    chat = Chat(local, 5017)
    await to_step(chat, STEPS["amount"])
    presets, million = button_data(chat, "1.000.000\xa0₫")
    await chat.send("300k")
    await chat.press(ANONYMOUS)
    assert await chat.press_data(million, presets) == []  # at the payment question
    assert chat.toasts()[-1] == EXPIRED
    await chat.press(CASH)
    assert await chat.press_data(million, presets) == []  # at the summary
    assert chat.toasts()[-1] == EXPIRED
    assert "Số tiền: 300.000 ₫" in (chat.last.text or "").replace("\xa0", " ")
    await nothing_stored(local)
    await chat.press(CONFIRM)
    assert [r["amount"] for r in await pledge_rows(db)] == [300_000]


async def test_a_forged_nonce_on_the_summary(local: LocalBot) -> None:
    chat = Chat(local, 5011)
    await to_step(chat, STEPS["summary"])
    summary = chat.last.message_id
    assert await chat.press_data("pl:deadbeef:confirm", summary) == []
    assert chat.toasts()[-1] == EXPIRED
    await nothing_stored(local)
    await chat.press(CONFIRM, summary)
    assert PLEDGED in said(chat)
    assert len(await pledge_rows(local.runtime.db)) == 1


# Forged data that carries the right nonce: the press is answered (no spinner, no error), the
# keyboard is taken away, nothing is stored and the question is asked again.
async def test_an_unknown_fund_with_the_right_nonce(local: LocalBot) -> None:
    chat = Chat(local, 5012)
    await chat.send("/pledge")
    fund = chat.last.message_id
    replies = await chat.press_data(f"pl:{nonce_of(chat)}:fund:nonexistent", fund)
    assert replies == [FUND_Q]
    assert last_press_answered_silently(local, chat)
    assert local.emulator.messages(chat.user_id)[-2].buttons == []
    assert CITY in chat.last.buttons
    await nothing_stored(local)
    await chat.press(CITY)
    assert said(chat) == PURPOSE_Q


async def test_a_huge_amount_with_the_right_nonce(local: LocalBot) -> None:
    chat = Chat(local, 5013)
    await to_step(chat, STEPS["amount"])
    forged = f"pl:{nonce_of(chat)}:amount:999999999999999999999"
    assert plain(await chat.press_data(forged, chat.last.message_id)) == [AMOUNT_Q]
    assert last_press_answered_silently(local, chat)
    await nothing_stored(local)
    await chat.press("200.000\xa0₫")
    assert said(chat).startswith(CONSENT_Q)
    await nothing_stored(local)


async def test_a_ward_that_is_not_a_number(local: LocalBot) -> None:
    chat = Chat(local, 5014)
    await to_step(chat, STEPS["fund_ward"])
    await chat.send("ngo quyen")
    assert chat.last.buttons == ["Phường Ngô Quyền"]
    forged = f"pl:{nonce_of(chat)}:ward:abc"
    assert await chat.press_data(forged, chat.last.message_id) == [FUND_WARD_Q]
    assert last_press_answered_silently(local, chat)
    await nothing_stored(local)
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    assert said(chat) == PURPOSE_Q


async def test_forged_my_pledges_buttons(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 5015)
    chat = Chat(local, 5015)
    await member_pledge(chat)
    await chat.send("/mypledges")
    listing = chat.last.message_id
    before = await pledge_rows(db)
    for forged in ("myp:abc:pay", "myp:1:unknown-action", "myp:1", "myp:1:pay:extra", "myp:"):
        assert await chat.press_data(forged, listing) == []
        assert chat.toasts()[-1] == EXPIRED
    assert await pledge_rows(db) == before
    assert before[0]["status"] == "pending"
    # The real button still works.
    await chat.press("💳 Nộp P000001", listing)
    assert "KH2026 P000001" in said(chat)


@pytest.mark.parametrize("forged", ["opl:open:xyz", "opl:list:all:-1", "opl:list:bogus:0"])
async def test_forged_officer_buttons_pressed_by_the_admin(local: LocalBot, forged: str) -> None:
    db = local.runtime.db
    await seed_member(db, 5016)
    await member_pledge(Chat(local, 5016))
    officer = Chat(local, ADMIN_ID)
    await officer.send("/pledges")
    listing = officer.last
    before = await pledge_rows(db)
    assert await officer.press_data(forged, listing.message_id) == []
    assert officer.toasts() == [EXPIRED]
    assert officer.last.text == listing.text and officer.last.buttons == listing.buttons
    assert await pledge_rows(db) == before


# --- amounts ------------------------------------------------------------------------------------

BELOW = "thấp hơn mức ủng hộ tối thiểu."
ABOVE = "vượt quá mức tối đa nhận qua tin nhắn."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0", f"0 ₫ {BELOW} {LIMITS}"),
        ("9.999", f"9.999 ₫ {BELOW} {LIMITS}"),
        ("10.000.000.001", f"10.000.000.001 ₫ {ABOVE} {LIMITS}"),
    ],
    ids=["zero", "just-below", "just-above"],
)
async def test_amounts_out_of_range(local: LocalBot, typed: str, expected: str) -> None:
    await seed_member(local.runtime.db, 5020)
    chat = Chat(local, 5020)
    await to_step(chat, STEPS["amount"])
    assert plain(await chat.send(typed)) == [expected]
    await nothing_stored(local)


@pytest.mark.parametrize(
    "typed", ["1e6", "½", "١٠٠٠٠٠", "500kk", "1tr5"], ids=["exp", "half", "arabic", "kk", "1tr5"]
)
async def test_amounts_that_are_not_amounts(local: LocalBot, typed: str) -> None:
    await seed_member(local.runtime.db, 5021)
    chat = Chat(local, 5021)
    await to_step(chat, STEPS["amount"])
    (reply,) = plain(await chat.send(typed))
    assert reply.endswith(AMOUNT_EXAMPLES)
    assert BELOW not in reply and ABOVE not in reply
    await nothing_stored(local)
    # Still at the amount: a good one is taken.
    await chat.send("300k")
    assert PUBLIC_Q in said(chat)


async def test_ambiguous_and_unreadable_amounts_get_different_answers(local: LocalBot) -> None:
    chat = Chat(local, 5022)
    await to_step(chat, STEPS["amount"])
    (ambiguous,) = await chat.send("1tr5")
    (unreadable,) = await chat.send("500kk")
    assert ambiguous != unreadable
    await nothing_stored(local)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("500kk", "Đó không phải là một số tiền."),
        ("1tr5", "Bot chưa rõ bạn muốn ủng hộ bao nhiêu."),
    ],
    ids=["not-an-amount", "ambiguous"],
)
async def test_amount_problems_are_explained_in_vietnamese(
    local: LocalBot, typed: str, problem: str
) -> None:
    chat = Chat(local, 5023)
    await to_step(chat, STEPS["amount"])
    (reply,) = await chat.send(typed)
    assert reply == f"{problem} {AMOUNT_EXAMPLES}"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [("10 tỷ", 10_000_000_000, "10.000.000.000 ₫"), ("10000", 10_000, "10.000 ₫")],
    ids=["maximum", "minimum"],
)
async def test_the_limits_themselves_are_accepted(
    local: LocalBot, typed: str, stored: int, shown: str
) -> None:
    db = local.runtime.db
    await seed_member(db, 5024)
    chat = Chat(local, 5024)
    await to_step(chat, STEPS["amount"])
    await chat.send(typed)
    assert PUBLIC_Q in said(chat)
    await chat.press(ANONYMOUS)
    await chat.press(TRANSFER)
    assert f"Số tiền: {shown}" in said(chat)
    await chat.press(CONFIRM)
    assert f"Số tiền: {shown}" in said(chat)
    rows = await pledge_rows(db)
    assert [(r["amount"], r["status"]) for r in rows] == [(stored, "pending")]
    assert isinstance(rows[0]["amount"], int)


# --- the fund's name, the ward search, the phone ----------------------------------------------


@pytest.mark.parametrize(("fund", "question"), [(SCHOOL_FUND, SCHOOL_Q), (CLAN_FUND, CLAN_Q)])
async def test_bad_fund_names_are_reasked(local: LocalBot, fund: str, question: str) -> None:
    await seed_member(local.runtime.db, 5030)
    chat = Chat(local, 5030)
    await chat.send("/pledge")
    await chat.press(fund)
    assert said(chat) == question
    long_name = ("Trường THCS Lê Lợi " * 20)[:300]
    for typed, problem in (("   ", EMPTY), (long_name, TOO_LONG), ("🏫📚✨", NOT_A_FUND_NAME)):
        assert await chat.send(typed) == [f"{problem} {FUND_NAME_HINT}"], typed
    await nothing_stored(local)
    await chat.send("  Nguyễn   Đình  ")
    assert said(chat) == PURPOSE_Q
    await chat.press(GENERAL)
    await chat.press("100.000\xa0₫")
    await chat.press(ANONYMOUS)
    await chat.press(CASH)
    await chat.press(CONFIRM)
    rows = await pledge_rows(local.runtime.db)
    assert [r["fund_name"] for r in rows] == ["Nguyễn Đình"]


async def test_ward_search_nonsense_then_a_real_ward(local: LocalBot) -> None:
    chat = Chat(local, 5031)
    await to_step(chat, STEPS["fund_ward"])
    for nonsense in ("xyz", "qqqq wwww", "🏫", "   ", "%_*"):
        assert await chat.send(nonsense) == [no_ward(nonsense.strip())], nonsense
        assert chat.last.buttons == []
    await nothing_stored(local)
    await chat.send("ngo quyen")
    assert said(chat) == CHOOSE_WARD
    assert chat.last.buttons == ["Phường Ngô Quyền"]
    await chat.press("Phường Ngô Quyền")
    assert said(chat) == PURPOSE_Q
    await chat.press(GENERAL)
    await chat.send("100k")
    await chat.press(AGREE)
    await chat.send("Trần Văn Minh")
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    await chat.press(ANONYMOUS)
    await chat.press(CASH)
    assert "Quỹ: Quỹ khuyến học Phường Ngô Quyền" in said(chat)
    await chat.press(CONFIRM)
    rows = await pledge_rows(local.runtime.db)
    assert [(r["fund_kind"], r["fund_name"], r["fund_ward_code"]) for r in rows] == [
        ("ward", "Phường Ngô Quyền", 11341)
    ]


async def test_a_non_members_phone(local: LocalBot) -> None:
    chat = Chat(local, 5032, phone="+84912345678")
    await to_step(chat, STEPS["phone"])
    await chat.share_contact(phone="+84987654321", contact_user_id=5099, first_name="Bố")
    assert chat.replies() == [NOT_YOUR_CONTACT]
    await chat.share_contact(phone="+84987654321", first_name="Mẹ")  # no Telegram account
    assert chat.replies() == [NOT_YOUR_CONTACT]
    for hotline in ("1900 1234", "1800 1091", "113", "+1 202 555 0143"):
        assert await chat.send(hotline) == [f"{NOT_A_PHONE} {PHONE_HINT}"], hotline
    await nothing_stored(local)
    await chat.send("0987 654 321")
    replies = chat.replies()
    assert replies[0] == "Cảm ơn bạn. Đã lưu số điện thoại 0987 654 321."
    assert replies[1].startswith(PUBLIC_Q)
    await nothing_stored(local)
    await chat.press(ANONYMOUS)
    await chat.press(CASH)
    await chat.press(CONFIRM)
    donor = await local.runtime.db.fetchone(
        f"SELECT telegram_id, phone FROM ({with_telegram('donors')})"
    )
    assert donor is not None and tuple(donor) == (5032, "+84987654321")


# --- officers -----------------------------------------------------------------------------------


async def pending_pledge(local: LocalBot, user_id: int) -> Chat:
    await seed_member(local.runtime.db, user_id)
    chat = Chat(local, user_id)
    await member_pledge(chat, "500.000\xa0₫")
    return chat


async def open_pledge(officer: Chat, number: str = "P000001") -> None:
    await officer.send("/pledges")
    await officer.press(next(b for b in officer.last.buttons if b.startswith(number)))


def receipts(chat: Chat) -> int:
    return sum("🧾 Biên nhận" in (m.text or "") for m in chat.messages)


async def still_pending(local: LocalBot) -> None:
    rows = await pledge_rows(local.runtime.db)
    assert [
        (r["status"], r["received_amount"], r["decided_by"], r["reject_reason"]) for r in rows
    ] == [("pending", 0, None, None)]
    assert await count(local.runtime.db, "statement_lines") == 0


async def test_an_officer_types_nonsense_for_a_different_amount_then_cancels(
    local: LocalBot,
) -> None:
    donor = await pending_pledge(local, 5040)
    officer = Chat(local, ADMIN_ID)
    await open_pledge(officer)
    await officer.press(OTHER_AMOUNT)
    assert "Thực nhận bao nhiêu cho KH2026 P000001" in said(officer)
    for nonsense in ("không biết", "0", "-300000", "99 tỷ", "1tr5", EMOJI, HUGE):
        assert await officer.send(nonsense) == [NOT_AN_AMOUNT_OFFICER], nonsense[:20]
    assert await send_sticker(local, officer) == [TYPE_OR_CANCEL]
    await still_pending(local)
    assert await officer.send("/cancel") == [LEFT_AS_IT_WAS]
    await still_pending(local)
    # The question is closed: an amount typed now is not taken.
    await officer.send("300k")
    assert said(officer).startswith(NOT_UNDERSTOOD)
    await still_pending(local)
    assert receipts(donor) == 0


async def test_an_officer_types_nonsense_for_a_reason_then_cancels(local: LocalBot) -> None:
    donor = await pending_pledge(local, 5041)
    officer = Chat(local, ADMIN_ID)
    await open_pledge(officer)
    await officer.press(REJECT)
    assert "Vì sao từ chối KH2026 P000001?" in said(officer)
    reasons_message = officer.last.message_id
    for nonsense in ("x" * 301, HUGE):
        assert await officer.send(nonsense) == [SHORT_REASON]
    assert await send_sticker(local, officer) == [TYPE_OR_CANCEL]
    await still_pending(local)
    assert await officer.send("/cancel") == [LEFT_AS_IT_WAS]
    await still_pending(local)
    # Neither a typed reason nor a quick-reason button of the closed question is taken.
    await officer.send("Đã quá hạn")
    assert said(officer).startswith(NOT_UNDERSTOOD)
    _, nopay = button_data(officer, "Hội chưa nhận được tiền")
    assert await officer.press_data(nopay, reasons_message) == []
    assert officer.toasts()[-1] == EXPIRED
    await still_pending(local)
    assert not any("Lý do" in (m.text or "") for m in donor.messages)


SECOND_OFFICER = 900_002


async def two_officers(local: LocalBot) -> tuple[Chat, Chat]:
    await add_officer(
        local.runtime.db,
        await person(local.runtime.db, SECOND_OFFICER),
        f"admin:{ADMIN_ID}",
        datetime(2026, 10, 1, tzinfo=UTC),
    )
    return Chat(local, ADMIN_ID), Chat(local, SECOND_OFFICER, name="Bình")


async def test_two_officers_decide_the_same_pledge(local: LocalBot) -> None:
    donor = await pending_pledge(local, 5042)
    first, second = await two_officers(local)
    await open_pledge(first)
    await open_pledge(second)
    detail = second.last.message_id
    await first.press(FULL)
    assert "Đã ghi nhận." in first.toasts()

    for label in (FULL, OTHER_AMOUNT, REJECT):
        assert await second.press(label, detail) == []
        assert second.toasts()[-1] == DECIDED_RECEIVED
    await second.send("300k")  # no question was opened for the second officer
    assert said(second).startswith(NOT_UNDERSTOOD)

    rows = await pledge_rows(local.runtime.db)
    assert [(r["status"], r["received_amount"], r["decided_by"]) for r in rows] == [
        ("received", 500_000, f"officer:{await person(local.runtime.db, ADMIN_ID)}")
    ]
    await eventually(lambda: receipts(donor) == 1)
    assert receipts(donor) == 1


async def test_two_officers_press_at_the_same_moment(local: LocalBot) -> None:
    donor = await pending_pledge(local, 5043)
    first, second = await two_officers(local)
    await open_pledge(first)
    await open_pledge(second)
    for officer in (first, second):
        message, data = button_data(officer, FULL)
        local.emulator.enqueue_press(officer.user_id, message, data=data)
    await local.settle()
    toasts = [first.toasts()[-1], second.toasts()[-1]]
    assert toasts.count("Đã ghi nhận.") == 1, toasts
    loser = next(t for t in toasts if t != "Đã ghi nhận.")
    assert loser in (DECIDED_RECEIVED, "Khoản này đã được xử lý.")
    rows = await pledge_rows(local.runtime.db)
    assert [(r["status"], r["received_amount"]) for r in rows] == [("received", 500_000)]
    await eventually(lambda: receipts(donor) == 1)


async def test_a_pledge_decided_while_another_officer_types_an_amount(local: LocalBot) -> None:
    await pending_pledge(local, 5044)
    first, second = await two_officers(local)
    await open_pledge(first)
    await first.press(OTHER_AMOUNT)
    await open_pledge(second)
    await second.press(REJECT)
    await second.press("Hội chưa nhận được tiền")
    assert "✖️ Đã từ chối." in said(second)
    assert await first.send("300k") == [DECIDED_MEANWHILE]
    rows = await pledge_rows(local.runtime.db)
    assert [(r["status"], r["received_amount"], r["decided_by"]) for r in rows] == [
        ("rejected", 0, f"officer:{await person(local.runtime.db, SECOND_OFFICER)}")
    ]


# --- bank statements that are not bank statements ---------------------------------------------


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        ("sao-ke.csv", b"", "Tệp trống, không có dữ liệu."),
        ("sao-ke.csv", b"\r\n  \n;;;\n,,\n", "Tệp trống, không có dữ liệu."),
        (
            "sao-ke.csv",
            None,  # PNG bytes
            "Đây không phải tệp CSV. Hãy xuất sao kê từ ngân hàng điện tử dưới dạng CSV "
            "(hoặc lưu tệp Excel thành “CSV UTF-8”) rồi gửi lại.",
        ),
        (
            "sao-ke.csv",
            "Họ tên,Lớp,Điểm\nNguyễn Văn An,6A,9\nKH2026 P000001,500.000,10\n".encode(),
            "Không tìm thấy các cột của sao kê: cần một cột số tiền ghi có (như “Số tiền ghi có” "
            "hoặc “Credit”) và một cột nội dung chuyển khoản (như “Nội dung” hoặc "
            "“Description”).",
        ),
    ],
    ids=["empty", "blank", "png", "no-columns"],
)
async def test_files_that_are_not_statements(
    local: LocalBot, file_name: str, content: bytes | None, expected: str
) -> None:
    donor = await pending_pledge(local, 5050)
    officer = Chat(local, ADMIN_ID)
    data = png_bytes() if content is None else content
    assert await officer.send_document(file_name, data) == [expected]
    await still_pending(local)
    assert receipts(donor) == 0


async def test_a_png_sent_as_an_image_file(local: LocalBot) -> None:
    await pending_pledge(local, 5051)
    officer = Chat(local, ADMIN_ID)
    (reply,) = await officer.send_document("sao-ke.png", png_bytes(), "image/png")
    assert reply.startswith("Đây không phải tệp CSV.")
    await still_pending(local)
