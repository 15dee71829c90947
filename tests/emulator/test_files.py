"""Files in the Bot API emulator: bytes kept for uploads, documents sent by simulated users,
getFile and downloads over real HTTP, with raw aiohttp and with python-telegram-bot."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import Image
from telegram import Bot, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.app import api_urls
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.emulator.server import DOWNLOAD_LIMIT
from bot.devtools.local import LocalBot
from tests.support import Chat

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
UID = 1001
CSV = "họ tên,số điện thoại\nNguyễn Văn An,+84912345678\n".encode()
BINARY = bytes(range(256)) * 64  # every byte value, NULs included


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="khuyenhoc_test_bot", port=0)
    await emulator.start()
    emulator.add_user(user_id=UID, first_name="An", language_code="vi", phone="+84912345678")
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def session(emu: BotApiEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(emu.url) as client:
        yield client


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    # The URLs the real application builds for its api_url (bot/app.py).
    urls = api_urls(emu.url)
    assert urls == (emu.base_url, emu.base_file_url)
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as b:
        yield b


async def api(
    session: aiohttp.ClientSession, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"/bot{token}/{method}", json=params) as resp:
        return resp.status, await resp.json()


def png(width: int = 3, height: int = 2) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 40)).save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- user documents


async def test_user_document_reaches_get_updates(
    emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    update_id = await emu.send_document(UID, "hoi-vien.csv", CSV, caption="Danh sách")
    status, body = await api(session, "getUpdates", timeout=0)
    assert status == 200 and body["ok"]
    (update,) = body["result"]
    assert update["update_id"] == update_id
    message = update["message"]
    assert message["from"]["id"] == UID and message["chat"]["id"] == UID
    assert message["caption"] == "Danh sách"
    assert "text" not in message
    document = message["document"]
    assert set(document) == {"file_id", "file_unique_id", "file_name", "mime_type", "file_size"}
    assert document["file_name"] == "hoi-vien.csv"
    assert document["mime_type"] == "text/csv"
    assert document["file_size"] == len(CSV)
    assert emu.file_content(document["file_id"]) == CSV

    # The default mime type, no caption, and the sync twin.
    second = emu.enqueue_document(UID, "b.xlsx", b"PK\x03\x04", mime_type="application/zip")
    status, body = await api(session, "getUpdates", offset=update_id + 1, timeout=0)
    (update,) = body["result"]
    assert update["update_id"] == second
    assert "caption" not in update["message"]
    assert update["message"]["document"]["mime_type"] == "application/zip"
    assert update["message"]["document"]["file_id"] != document["file_id"]
    assert emu.api_errors == []


async def test_user_document_parsed_by_ptb(bot: Bot, emu: BotApiEmulator) -> None:
    await emu.send_document(UID, "danh-sach.csv", CSV)
    (update,) = await bot.get_updates(timeout=0)
    message = update.message
    assert isinstance(message, Message) and message.document is not None
    assert message.caption is None
    doc = message.document
    assert (doc.file_name, doc.mime_type, doc.file_size) == ("danh-sach.csv", "text/csv", len(CSV))
    data = await (await doc.get_file()).download_as_bytearray()
    assert bytes(data) == CSV
    assert emu.api_errors == []


async def test_get_file_then_download_exact_bytes(
    emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    await emu.send_document(UID, "Danh sách hội viên (mới).bin", BINARY, "application/x-binary")
    _, body = await api(session, "getUpdates", timeout=0)
    file_id = body["result"][0]["message"]["document"]["file_id"]

    status, body = await api(session, "getFile", file_id=file_id)
    assert status == 200
    result = body["result"]
    assert result["file_id"] == file_id and result["file_size"] == len(BINARY)
    path = result["file_path"]
    assert path.isascii() and " " not in path  # usable in a URL without escaping
    async with session.get(f"/file/bot{TOKEN}/{path}") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/x-binary"
        assert await resp.read() == BINARY
    assert emu.api_errors == []


async def test_ptb_bot_get_file_and_download(bot: Bot, emu: BotApiEmulator) -> None:
    await emu.send_document(UID, "Bảng kê.csv", CSV)
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    file = await bot.get_file(update.message.document.file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(f"{emu.base_file_url}{TOKEN}/")
    assert bytes(await file.download_as_bytearray()) == CSV
    out = io.BytesIO()
    await file.download_to_memory(out)
    assert out.getvalue() == CSV
    assert emu.api_errors == []


async def test_document_over_download_limit(bot: Bot, emu: BotApiEmulator) -> None:
    await emu.send_document(UID, "big.bin", bytes(DOWNLOAD_LIMIT + 1), "application/x-binary")
    (update,) = await bot.get_updates(timeout=0)
    doc = update.message.document
    assert doc is not None and doc.file_size == DOWNLOAD_LIMIT + 1
    assert emu.file_content(doc.file_id) is None  # not kept
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(doc.file_id)


async def test_user_document_errors(emu: BotApiEmulator) -> None:
    with pytest.raises(LookupError):
        await emu.send_document(4242, "a.csv", CSV)
    with pytest.raises(ValueError, match="caption"):
        await emu.send_document(UID, "a.csv", CSV, caption="x" * 1025)
    assert emu.all_delivered_and_acked  # nothing was enqueued
    assert emu.file_content("no-such-file") is None


# --------------------------------------------------------------------------- bot uploads


async def test_bot_uploads_keep_bytes_and_resend_by_file_id(
    bot: Bot, emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    image = png(5, 4)
    sent = await bot.send_photo(UID, io.BytesIO(image), caption="Ảnh QR")
    photo_id = sent.photo[-1].file_id
    kept = emu.file_content(photo_id)
    assert kept == image
    with Image.open(io.BytesIO(kept)) as decoded:
        assert (decoded.format, decoded.size) == ("PNG", (5, 4))
        assert decoded.convert("RGB").getpixel((0, 0)) == (200, 30, 40)

    doc = await bot.send_document(UID, io.BytesIO(BINARY), filename="bao-cao.pdf")
    assert doc.document is not None
    assert doc.document.file_size == len(BINARY)
    assert emu.file_content(doc.document.file_id) == BINARY

    # Re-sending by file_id reuses the stored file and its bytes.
    again = await bot.send_document(UID, doc.document.file_id, caption="Gửi lại")
    assert again.document is not None
    assert again.document.file_id == doc.document.file_id
    photo_again = await bot.send_photo(UID, photo_id)
    assert photo_again.photo[-1].file_id == photo_id
    assert emu.file_content(photo_id) == image
    file = await bot.get_file(again.document.file_id)
    assert bytes(await file.download_as_bytearray()) == BINARY

    # A raw multipart request with an attach:// reference keeps the bytes too.
    form = aiohttp.FormData()
    form.add_field("chat_id", str(UID))
    form.add_field("document", "attach://f1")
    form.add_field("f1", b"a;b\n1;2\n", filename="bang.csv", content_type="text/csv")
    async with session.post(f"/bot{TOKEN}/sendDocument", data=form) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    document = body["result"]["document"]
    assert document["file_name"] == "bang.csv" and document["mime_type"] == "text/csv"
    assert emu.file_content(document["file_id"]) == b"a;b\n1;2\n"
    assert [m.kind for m in emu.messages(UID)] == [
        "photo",
        "document",
        "document",
        "photo",
        "document",
    ]
    assert emu.api_errors == []


async def test_url_file_has_no_bytes_and_serves_zeros(
    bot: Bot, emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    sent = await bot.send_document(UID, "https://example.org/files/mau.pdf")
    assert sent.document is not None and sent.document.file_name == "mau.pdf"
    assert emu.file_content(sent.document.file_id) is None
    file = await bot.get_file(sent.document.file_id)
    data = await file.download_as_bytearray()
    assert bytes(data) == b"\0" * sent.document.file_size


# --------------------------------------------------------------------------- file route errors


async def test_file_route_unknown_path_and_bad_token(
    emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    await emu.send_document(UID, "a.csv", CSV)
    _, body = await api(session, "getUpdates", timeout=0)
    file_id = body["result"][0]["message"]["document"]["file_id"]
    _, body = await api(session, "getFile", file_id=file_id)
    path = body["result"]["file_path"]

    async with session.get(f"/file/bot{TOKEN}/files/no_such_file.csv") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    async with session.get(f"/file/bot1:WRONG/{path}") as resp:
        assert resp.status == 401
        assert (await resp.json())["description"] == "Unauthorized"
    async with session.get(f"/file/bot{TOKEN}/{path}") as resp:
        assert resp.status == 200 and await resp.read() == CSV

    status, body = await api(session, "getFile", file_id="EMU123456F99999999")
    assert (status, body["description"]) == (400, "Bad Request: invalid file_id")
    status, _ = await api(session, "getFile", token="1:WRONG", file_id=file_id)
    assert status == 401


# --------------------------------------------------------------------------- control API


async def test_control_send_document(
    bot: Bot, emu: BotApiEmulator, session: aiohttp.ClientSession
) -> None:
    payload = {
        "user_id": UID,
        "file_name": "hoi-vien.csv",
        "content_base64": base64.b64encode(BINARY).decode(),
        "caption": "Nhập danh sách",
    }
    async with session.post("/_emu/send_document", json=payload) as resp:
        body = await resp.json()
        assert resp.status == 200, body
    update_id = body["result"]
    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == update_id
    assert update.message is not None and update.message.caption == "Nhập danh sách"
    doc = update.message.document
    assert doc is not None and doc.mime_type == "text/csv" and doc.file_size == len(BINARY)
    assert bytes(await (await doc.get_file()).download_as_bytearray()) == BINARY

    payload.update(mime_type="application/pdf", caption=None)
    async with session.post("/_emu/send_document", json=payload) as resp:
        assert resp.status == 200
    (update,) = await bot.get_updates(offset=update_id + 1, timeout=0)
    assert update.message.document.mime_type == "application/pdf"
    assert update.message.caption is None

    for bad in (
        {**payload, "content_base64": "not base64!"},
        {**payload, "user_id": 4242},
        {"user_id": UID, "file_name": "a.csv"},
    ):
        async with session.post("/_emu/send_document", json=bad) as resp:
            assert resp.status == 400
            assert (await resp.json())["ok"] is False
    assert emu.api_errors == []


# --------------------------------------------------------------------------- real application


async def test_real_application_downloads_a_user_document(local: LocalBot) -> None:
    """The bot as built by bot/app.py (its base_file_url) downloads what a user sends."""
    received: list[bytes] = []

    async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        received.append(bytes(await (await message.document.get_file()).download_as_bytearray()))

    # A group before all of the bot's own, each of which runs its first matching handler.
    local.app.add_handler(MessageHandler(filters.Document.ALL, keep), group=-10)
    chat = Chat(local, 3001)
    replies = await chat.send_document("hoi-vien.csv", CSV)
    assert received == [CSV]
    assert replies  # the bot's own handlers saw the document too, and answered
    assert local.emulator.api_errors == []
