"""Tests of the Bot API emulator, over real HTTP with a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.devtools.emulator.limits import RateLimiter

# PTB warns about its own RetryAfter.retry_after type change; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
UID = 1001


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="khuyenhoc_test_bot", port=0)
    await emulator.start()
    emulator.add_user(
        user_id=UID,
        first_name="An",
        last_name="Nguyễn",
        language_code="vi",
        phone="+84912345678",
    )
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


@pytest.fixture
async def http(emu: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emu.url, timeout=10) as client:
        yield client


async def call(
    http: httpx.AsyncClient, method: str, token: str = TOKEN, **data: Any
) -> tuple[int, dict[str, Any]]:
    """POST form-encoded like PTB: non-string values JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    resp = await http.post(f"/bot{token}/{method}", data=form)
    return resp.status_code, resp.json()


# --------------------------------------------------------------------------- basics


async def test_get_me(bot: Bot, emu: BotApiEmulator) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "khuyenhoc_test_bot"
    assert me.id == 123456
    assert emu.stats["methods"]["getMe"] >= 1
    assert emu.api_errors == []


async def test_long_poll_returns_early_and_times_out(bot: Bot, emu: BotApiEmulator) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    update_id = await emu.send_text(UID, "/start ref42")
    updates = await poll
    assert time.monotonic() - started < 2.0
    assert [u.update_id for u in updates] == [update_id] == [1]
    msg = updates[0].message
    assert msg is not None and msg.text == "/start ref42"
    assert msg.from_user is not None and msg.from_user.language_code == "vi"
    assert msg.chat.id == UID
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == len("/start")

    started = time.monotonic()
    empty = await bot.get_updates(offset=update_id + 1, timeout=1)
    elapsed = time.monotonic() - started
    assert empty == ()
    assert 0.9 <= elapsed < 3.0


async def test_offset_acknowledges(bot: Bot, emu: BotApiEmulator) -> None:
    first = await emu.send_text(UID, "một")
    second = await emu.send_text(UID, "hai")
    assert not emu.all_delivered_and_acked
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    # Not acknowledged yet: the same updates come again.
    again = await bot.get_updates(offset=first, timeout=0)
    assert [u.update_id for u in again] == [first, second]
    assert not emu.all_delivered_and_acked
    rest = await bot.get_updates(offset=second, timeout=0)
    assert [u.update_id for u in rest] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert emu.all_delivered_and_acked
    await emu.wait_idle(timeout=1.0)
    with pytest.raises(TimeoutError):
        await emu.send_text(UID, "ba")
        await emu.wait_idle(timeout=0.1)


# --------------------------------------------------------------------------- keyboards


async def test_inline_keyboard_press_and_answer(bot: Bot, emu: BotApiEmulator) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Đồng ý", callback_data="consent:yes")],
            [
                InlineKeyboardButton("Không", callback_data="consent:no"),
                InlineKeyboardButton("Web", url="https://example.org"),
            ],
        ]
    )
    sent = await bot.send_message(UID, "Bạn đồng ý?", reply_markup=markup)
    last = emu.last_message(UID)
    assert isinstance(last, SentMessage)
    assert last.buttons == ["Đồng ý", "Không", "Web"]
    assert last.button_rows == [["Đồng ý"], ["Không", "Web"]]

    update_id = await emu.press(UID, button="Đồng ý")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [update_id]
    query = updates[0].callback_query
    assert query is not None
    assert query.data == "consent:yes"
    assert query.from_user.id == UID
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.text == "Bạn đồng ý?"
    assert await query.answer("Đã ghi nhận", show_alert=True)
    assert emu.callback_answers(UID) == ["Đã ghi nhận"]
    assert emu.callback_queries(UID)[0].show_alert is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")

    await emu.press(UID, index=1)
    await emu.press(UID, message_id=sent.message_id, data="forged:xyz")
    updates = await bot.get_updates(offset=update_id + 1, timeout=1)
    assert [u.callback_query.data for u in updates if u.callback_query] == [
        "consent:no",
        "forged:xyz",
    ]
    with pytest.raises(LookupError):
        await emu.press(UID, button="Không có")
    with pytest.raises(LookupError):
        await emu.press(UID, button="Web")  # url button: no callback_data
    assert emu.api_errors[-1]["method"] == "answerCallbackQuery"


async def test_reply_keyboard_request_contact(bot: Bot, emu: BotApiEmulator) -> None:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📱 Chia sẻ số điện thoại", request_contact=True)], ["Bỏ qua"]],
        one_time_keyboard=True,
    )
    await bot.send_message(UID, "Chia sẻ số?", reply_markup=keyboard)
    assert emu.last_message(UID).reply_keyboard == [["📱 Chia sẻ số điện thoại"], ["Bỏ qua"]]
    assert emu.current_reply_keyboard(UID) == [["📱 Chia sẻ số điện thoại"], ["Bỏ qua"]]
    await emu.reply_button(UID, "📱 Chia sẻ số điện thoại")
    updates = await bot.get_updates(timeout=1)
    contact = updates[0].message.contact
    assert contact is not None
    assert contact.phone_number == "+84912345678"
    assert contact.user_id == UID
    # one_time_keyboard: gone after one use.
    with pytest.raises(LookupError):
        await emu.reply_button(UID, "Bỏ qua")

    await bot.send_message(UID, "Lại", reply_markup=ReplyKeyboardMarkup([["Bỏ qua"]]))
    await emu.reply_button(UID, "Bỏ qua")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    assert updates[0].message.text == "Bỏ qua"
    await bot.send_message(UID, "Xong", reply_markup=ReplyKeyboardRemove())
    assert emu.current_reply_keyboard(UID) is None

    await emu.send_contact(UID, phone="+84987654321", contact_user_id=2002, first_name="Bình")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    other = updates[0].message.contact
    assert (other.phone_number, other.user_id, other.first_name) == ("+84987654321", 2002, "Bình")
    assert emu.api_errors == []


async def test_edit_delete_and_html(bot: Bot, emu: BotApiEmulator) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(UID, "<b>Xin</b> chào &amp; hẹn gặp", parse_mode="HTML")
    stored = emu.last_message(UID)
    assert stored.text == "Xin chào & hẹn gặp"
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 3}]

    edited = await bot.edit_message_text(
        "Đã sửa", chat_id=UID, message_id=sent.message_id, reply_markup=markup
    )
    assert edited.text == "Đã sửa"
    assert [m.text for m in emu.messages(UID)] == ["Đã sửa"]
    assert emu.messages(UID)[0].edited == 1
    assert emu.messages(UID)[0].buttons == ["A"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Đã sửa", chat_id=UID, message_id=sent.message_id, reply_markup=markup
        )
    await bot.edit_message_reply_markup(chat_id=UID, message_id=sent.message_id)
    assert emu.messages(UID)[0].buttons == []
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=UID, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_message(UID, "a < b <i>", parse_mode="HTML")
    assert await bot.delete_message(UID, sent.message_id)
    assert emu.messages(UID)[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("y", chat_id=UID, message_id=sent.message_id)
    assert len(emu.api_errors) == 4


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        ("noSuchMethod", {"chat_id": UID}, 404, "Not Found"),
        ("sendMessage", {"text": "hi"}, 400, "Bad Request: chat_id is required"),
        ("sendMessage", {"chat_id": UID}, 400, "Bad Request: text is required"),
        ("sendMessage", {"chat_id": UID, "text": ""}, 400, "Bad Request: message text is empty"),
        (
            "sendMessage",
            {"chat_id": UID, "text": "hi", "bogus": 1},
            400,
            "Bad Request: unknown parameter bogus",
        ),
        (
            "sendMessage",
            {"chat_id": UID, "text": "x" * 4097},
            400,
            "Bad Request: message is too long",
        ),
        (
            "sendMessage",
            {
                "chat_id": UID,
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]},
            },
            400,
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            "sendMessage",
            {"chat_id": UID, "text": "hi", "reply_markup": "{not json"},
            400,
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": UID, "text": "hi", "reply_markup": {"inline_keyboard": [[{"text": "b"}]]}},
            400,
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": UID, "text": "hi", "reply_markup": {"keyboard": ["a", "b"]}},
            400,
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            "sendMessage",
            {"chat_id": UID, "text": "hi", "reply_markup": {"buttons": []}},
            400,
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        ("sendMessage", {"chat_id": 999, "text": "hi"}, 400, "Bad Request: chat not found"),
        (
            "sendPhoto",
            {"chat_id": UID, "photo": "https://x.org/a.jpg", "caption": "c" * 1025},
            400,
            "Bad Request: message caption is too long",
        ),
    ],
)
async def test_validation_errors(
    emu: BotApiEmulator,
    http: httpx.AsyncClient,
    method: str,
    params: dict[str, Any],
    status: int,
    description: str,
) -> None:
    code, body = await call(http, method, **params)
    assert code == status
    assert body == {"ok": False, "error_code": status, "description": description}
    assert emu.api_errors[-1]["status"] == status
    assert emu.api_errors[-1]["description"] == description
    assert len(emu.api_errors) == 1
    assert emu.messages(UID) == []


async def test_wrong_token_and_method_case(emu: BotApiEmulator, http: httpx.AsyncClient) -> None:
    code, body = await call(http, "getMe", token="1:WRONG")
    assert (code, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    code, body = await call(http, "SENDmessage", chat_id=UID, text="hoa thường")
    assert code == 200 and body["ok"] and body["result"]["text"] == "hoa thường"
    assert body["result"]["from"]["is_bot"] is True
    assert body["result"]["chat"] == {
        "id": UID,
        "type": "private",
        "first_name": "An",
        "last_name": "Nguyễn",
    }
    assert len(emu.api_errors) == 1


async def test_query_string_and_json_bodies(emu: BotApiEmulator, http: httpx.AsyncClient) -> None:
    resp = await http.get(f"/bot{TOKEN}/sendMessage", params={"chat_id": UID, "text": "123"})
    assert resp.json()["result"]["text"] == "123"  # String stays a string
    payload = {
        "chat_id": UID,
        "text": "json",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    }
    resp = await http.post(f"/bot{TOKEN}/sendMessage", json=payload)
    assert resp.status_code == 200
    assert emu.last_message(UID).buttons == ["A"]
    assert [m.text for m in emu.messages(UID)] == ["123", "json"]
    assert emu.api_errors == []


# --------------------------------------------------------------------------- behaviour


async def test_rate_limits_429(bot: Bot, emu: BotApiEmulator, http: httpx.AsyncClient) -> None:
    emu.enable_rate_limits(global_per_sec=30, per_chat_per_sec=1, per_chat_burst=3)
    for i in range(3):
        code, _ = await call(http, "sendMessage", chat_id=UID, text=f"m{i}")
        assert code == 200
    code, body = await call(http, "sendMessage", chat_id=UID, text="m3")
    assert code == 429
    assert body["error_code"] == 429
    assert body["parameters"]["retry_after"] >= 1
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )
    with pytest.raises(RetryAfter):
        await bot.send_message(UID, "m4")
    assert emu.stats["429"] == 2
    assert emu.api_errors == []  # flood errors are not API misuse
    emu.disable_rate_limits()
    assert (await bot.send_message(UID, "ok")).text == "ok"


def test_rate_limiter_global_window() -> None:
    limiter = RateLimiter(global_per_sec=5, per_chat_per_sec=1, per_chat_burst=3)
    results = [limiter.check(chat, now=100.0) for chat in range(6)]
    assert results[:5] == [None] * 5
    assert results[5] == 1
    assert limiter.check(1, now=101.01) is None  # window slid; bucket refilled
    assert [limiter.check(7, now=200.0) for _ in range(4)] == [None, None, None, 1]
    assert limiter.check(7, now=201.0) is None


async def test_blocked_and_deactivated_403(bot: Bot, emu: BotApiEmulator) -> None:
    emu.set_blocked(UID, True)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(UID, "hello")
    emu.set_blocked(UID, False)
    emu.set_deactivated(UID, True)
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await bot.send_message(UID, "hello")
    assert emu.stats["403"] == 2
    assert emu.messages(UID) == []


async def test_injected_502_and_timeout(bot: Bot, emu: BotApiEmulator) -> None:
    emu.inject_errors(status=502, count=1, methods={"sendMessage"})
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(UID, "first")
    assert (await bot.send_message(UID, "second")).text == "second"
    assert emu.stats["5xx"] == 1
    assert [m.text for m in emu.messages(UID)] == ["second"]

    emu.inject_timeout(count=1, methods={"sendMessage"}, seconds=30)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(UID, "slow", read_timeout=0.3)
    assert time.monotonic() - started < 5
    emu.set_latency(0.2)
    started = time.monotonic()
    await bot.send_chat_action(UID, "typing")
    assert time.monotonic() - started >= 0.2
    assert emu.api_errors == []


async def test_multipart_document(bot: Bot, emu: BotApiEmulator, http: httpx.AsyncClient) -> None:
    doc = await bot.send_document(
        UID, io.BytesIO(b"%PDF" + b"0" * 96), filename="giay-khen.pdf", caption="Giấy khen"
    )
    assert doc.document is not None
    assert (doc.document.file_name, doc.document.file_size) == ("giay-khen.pdf", 100)
    assert doc.caption == "Giấy khen"
    stored = emu.last_message(UID)
    assert (stored.kind, stored.file_name, stored.text) == (
        "document",
        "giay-khen.pdf",
        "Giấy khen",
    )
    file = await bot.get_file(doc.document.file_id)
    assert file.file_size == 100
    assert len(await file.download_as_bytearray()) == 100

    # attach:// reference in a raw multipart request, and reuse by file_id.
    resp = await http.post(
        f"/bot{TOKEN}/sendDocument",
        data={"chat_id": str(UID), "document": "attach://f1"},
        files={"f1": ("bao-cao.xlsx", b"x" * 10)},
    )
    assert resp.json()["result"]["document"]["file_name"] == "bao-cao.xlsx"
    again = await bot.send_document(UID, doc.document.file_id)
    assert again.document.file_id == doc.document.file_id
    photo = await bot.send_photo(UID, io.BytesIO(b"jpg"), caption="Ảnh")
    assert photo.photo and photo.caption == "Ảnh"
    assert [m.kind for m in emu.messages(UID)] == ["document", "document", "document", "photo"]
    assert emu.api_errors == []


async def test_commands_and_misc_methods(bot: Bot, emu: BotApiEmulator) -> None:
    assert await bot.set_my_commands([("start", "Bắt đầu")], language_code="vi")
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["start"]
    assert await bot.get_my_commands() == ()
    assert emu.commands(language_code="vi") == [{"command": "start", "description": "Bắt đầu"}]
    assert await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()
    assert await bot.set_my_description("Mô tả")
    assert await bot.delete_webhook(drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    chat = await bot.get_chat(UID)
    assert (chat.id, chat.first_name, chat.type) == (UID, "An", "private")
    assert await bot.send_chat_action(UID, "typing")
    # A method the emulator does not model: validated, answered true, logged.
    assert await bot.set_message_reaction(UID, 1)
    assert emu.other_calls[-1][0] == "setMessageReaction"
    assert emu.api_errors == []


# --------------------------------------------------------------------------- control API


async def test_control_api_round_trip(bot: Bot, emu: BotApiEmulator) -> None:
    async with aiohttp.ClientSession(emu.url) as session:

        async def post(path: str, body: dict[str, Any]) -> Any:
            async with session.post(f"/_emu/{path}", json=body) as resp:
                data = await resp.json()
                assert resp.status == 200, data
                return data["result"]

        async def get(path: str, **query: Any) -> Any:
            async with session.get(f"/_emu/{path}", params=query) as resp:
                data = await resp.json()
                assert resp.status == 200, data
                return data["result"]

        assert await post("users", {"user_id": 2002, "first_name": "Bình", "phone": "+849"}) == 1
        update_id = await post("send_text", {"user_id": 2002, "text": "/start"})
        assert await get("idle") is False
        updates = await bot.get_updates(timeout=1)
        assert updates[0].message.text == "/start" and updates[0].update_id == update_id
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        await bot.send_message(2002, "Chào Bình", reply_markup=markup)
        messages = await get("messages", user_id=2002)
        assert [m["text"] for m in messages] == ["Chào Bình"]
        assert messages[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
        await post("press", {"user_id": 2002, "button": "OK"})
        ids = await post(
            "send_text_batch",
            {"items": [{"user_id": 2002, "text": "a"}, {"user_id": UID, "text": "b"}]},
        )
        assert len(ids) == 2
        updates = await bot.get_updates(offset=update_id + 1, timeout=1)
        assert [u.update_id for u in updates] == [update_id + 1, *ids]
        assert updates[0].callback_query.data == "ok"
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        assert await get("idle") is True
        latencies = await get("latencies")
        assert len(latencies) == 1 and 0 <= latencies[0] < 5
        stats = await get("stats")
        assert stats["messages_sent"] == 1 and stats["updates"] == 4
        assert await post("limits", {"enabled": True, "per_chat_burst": 1}) is True
        await bot.send_message(2002, "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(2002, "2")
        await post("limits", {"enabled": False})
        await post("blocked", {"user_id": 2002, "blocked": True})
        with pytest.raises(Forbidden):
            await bot.send_message(2002, "3")
        await post("errors", {"status": 503, "count": 1, "methods": ["getMe"]})
        with pytest.raises(NetworkError):
            await bot.get_me()
        async with session.post("/_emu/press", json={"user_id": 2002, "button": "nope"}) as r:
            assert r.status == 400
        assert await post("reset_latencies", {}) is True
        assert await get("latencies") == []
    assert emu.api_errors == []


# --------------------------------------------------------------------------- real Application


async def test_ptb_application_polling(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Chào mừng!",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Tiếp", callback_data="n")]]),
        )

    app: Application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await emu.send_text(UID, "/start")
        for _ in range(100):
            if emu.messages(UID):
                break
            await asyncio.sleep(0.02)
        await emu.wait_idle(timeout=3.0)
        await app.updater.stop()
        await app.stop()
    assert [m.text for m in emu.messages(UID)] == ["Chào mừng!"]
    assert emu.last_message(UID).buttons == ["Tiếp"]
    assert len(emu.reply_latencies()) == 1
    assert emu.api_errors == []
