"""Learning models: a family, clan, community or unit registers by chat (/model), officers
review it (approve, or ask for changes with a note), rate it at the end of the year, and the
registrant hears of each decision at once, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.devtools.local import LocalBot
from handlers.learning import NOTICE_VERSION
from storage import Database
from storage.learning import ModelInput, submit_model
from storage.members import record_consent
from storage.users import ensure_user
from tests.conftest import ADMIN_ID
from tests.support import AUDIT, Chat, FakeClock, person, seed_member, with_telegram

REFUSED = "Chức năng này chỉ dành cho cán bộ Hội."
OTHER_WARD = "Mô hình học tập này thuộc xã, phường khác."
EXPIRED = "Nút này đã hết hiệu lực."
USE_BUTTONS = "Vui lòng chọn bằng các nút bên dưới."
NGO_QUYEN, LE_CHAN = 11341, 11383
SEEDED_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))  # the 2026-2027 school year


def said(chat: Chat) -> str:
    """What the bot said since the last action, with Babel's no-break spaces made plain."""
    return chat.reply_text().replace("\xa0", " ")


def nonce(chat: Chat) -> str:
    """The nonce of the registration's buttons on the last message that has any."""
    message = next(m for m in reversed(chat.messages) if m.inline_keyboard)
    return str(message.inline_keyboard[0][0]["callback_data"]).split(":")[1]


async def model_rows(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetchall(with_telegram("learning_models") + " ORDER BY id")]


async def audit_rows(db: Database, action: str) -> list[tuple[object, ...]]:
    rows = await db.fetchall(
        f"SELECT actor, outcome, target, detail FROM {AUDIT} WHERE action = ? ORDER BY id",
        (action,),
    )
    return [tuple(r) for r in rows]


async def seed_model(
    db: Database,
    user: int,
    name: str = "Gia đình ông Nguyễn Văn Hùng",
    *,
    kind: str = "family",
    ward: tuple[int, str] = (NGO_QUYEN, "Phường Ngô Quyền"),
    language: str = "vi",
) -> int:
    """A registration written straight through storage, by a user who has started the bot."""
    who = await person(db, user)
    await ensure_user(db, who, language, SEEDED_AT)
    consent = await record_consent(db, who, "learning_model", NOTICE_VERSION, True, SEEDED_AT)
    data = ModelInput(kind, name, *ward, "Nguyễn Thị Lan", "+84912345678", 5, "2026-2027")
    return (await submit_model(db, who, data, consent, SEEDED_AT)).model.id


async def open_model(officer: Chat, number: str, which: str = "") -> None:
    await officer.send(f"/models {which}".strip())
    await officer.press(next(b for b in officer.last.buttons if f" {number} " in b))


# --- registering ----------------------------------------------------------------------------


async def test_a_family_registers_and_every_field_is_stored(local: LocalBot) -> None:
    db = local.runtime.db
    chat = Chat(local, 5001)
    await chat.send("/model")
    notice = said(chat)
    assert "🔒 Trước khi đăng ký" in notice and "Hội Khuyến học Hải Phòng" in notice
    assert "Luật Bảo vệ dữ liệu cá nhân (số 91/2025/QH15) và Nghị định 356/2025" in notice
    await chat.press("✅ Tôi đồng ý")
    question = said(chat)
    assert "📚 Cùng xây dựng mô hình học tập năm học 2026-2027!" in question
    assert chat.last.buttons == [
        "🏠 Gia đình học tập",
        "🌳 Dòng họ học tập",
        "🏘 Cộng đồng học tập",
        "🏢 Đơn vị học tập",
    ]
    await chat.press("🏠 Gia đình học tập")
    assert "Gia đình tên là gì?" in said(chat)
    await chat.send("Gia đình  ông Nguyễn Văn Hùng")
    assert "Mô hình ở xã, phường nào?" in said(chat)
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    assert "Ai là người liên hệ" in said(chat)
    await chat.send("Nguyễn Thị Lan")
    assert "Số điện thoại của Nguyễn Thị Lan là gì?" in said(chat)
    await chat.reply_button("📱 Gửi số điện thoại của tôi")
    assert "Đã lưu số điện thoại 0912 345 678." in said(chat)
    assert "Gia đình có bao nhiêu thành viên?" in said(chat)
    await chat.send("5")
    summary = said(chat)
    for line in (
        "Bạn vui lòng kiểm tra lại thông tin đăng ký:",
        "Mô hình: 🏠 Gia đình học tập",
        "Tên: Gia đình ông Nguyễn Văn Hùng",
        "Xã, phường: Phường Ngô Quyền",
        "Người liên hệ: Nguyễn Thị Lan, 0912 345 678",
        "Số thành viên gia đình: 5",
        "Năm học: 2026-2027",
    ):
        assert line in summary
    assert chat.last.buttons == ["✅ Gửi đăng ký", "✏️ Sửa thông tin", "✖️ Huỷ"]
    await chat.press("✅ Gửi đăng ký")
    assert "🎉 Cảm ơn bạn! Đăng ký của bạn đã được ghi nhận.\nSố đăng ký: #1" in said(chat)

    (row,) = await model_rows(db)
    consent = await db.fetchone(with_telegram("consents") + " WHERE id = ?", (row["consent_id"],))
    assert consent is not None
    assert (consent["telegram_id"], consent["purpose"], consent["granted"]) == (
        5001,
        "learning_model",
        1,
    )
    assert consent["notice_version"] == "2026-11-29"
    assert row == {
        **row,
        "kind": "family",
        "name": "Gia đình ông Nguyễn Văn Hùng",
        "ward_code": NGO_QUYEN,
        "ward_name": "Phường Ngô Quyền",
        "contact_name": "Nguyễn Thị Lan",
        "contact_phone": "+84912345678",
        "size": 5,
        "period": "2026-2027",
        "telegram_id": 5001,
        "status": "submitted",
        "review_note": None,
        "reviewed_by": None,
        "rating": None,
        "created_at": "2026-11-20 03:00:00",
    }

    await chat.send("/mymodels")
    mine = said(chat)
    assert "📚 Các mô hình học tập bạn đã đăng ký:" in mine
    assert (
        "• #1 🏠 Gia đình học tập “Gia đình ông Nguyễn Văn Hùng”, Phường Ngô Quyền, "
        "2026-2027: ⏳ đang chờ xét duyệt"
    ) in mine

    # The consent is on file: a second registration starts at once with the kind.
    await chat.send("/model")
    assert "🔒" not in said(chat) and "Bạn đăng ký loại mô hình nào?" in said(chat)


async def test_a_member_registers_a_unit_with_themselves_as_contact(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 5002)
    chat = Chat(local, 5002)
    await chat.send("/model")
    await chat.press("✅ Tôi đồng ý")
    await chat.press("🏢 Đơn vị học tập")
    assert "Đơn vị tên là gì?" in said(chat)
    await chat.send("Trường THCS Lê Lợi")
    await chat.send("lê chân")
    await chat.press("Phường Lê Chân")
    assert chat.last.buttons == ["👤 Là tôi: Hội viên 5002, 0910 005 002"]
    await chat.press("👤 Là tôi: Hội viên 5002, 0910 005 002")
    assert "Đơn vị có bao nhiêu cán bộ, người lao động?" in said(chat)
    await chat.send("1.200 người")
    assert "Số cán bộ, người lao động: 1.200" in said(chat)
    # Change the size from the summary, then submit.
    await chat.press("✏️ Sửa thông tin")
    await chat.press("Số thành viên, cán bộ")
    await chat.send("120")
    assert "Số cán bộ, người lao động: 120" in said(chat)
    await chat.press("✅ Gửi đăng ký")
    (row,) = await model_rows(db)
    assert (row["kind"], row["name"], row["ward_code"], row["ward_name"], row["size"]) == (
        "unit",
        "Trường THCS Lê Lợi",
        LE_CHAN,
        "Phường Lê Chân",
        120,
    )
    assert (row["contact_name"], row["contact_phone"]) == ("Hội viên 5002", "+84910005002")


async def test_bad_input_at_every_step_is_asked_again(local: LocalBot) -> None:
    db = local.runtime.db
    chat = Chat(local, 5003)
    await chat.send("/model")
    await chat.send("đồng ý")
    assert USE_BUTTONS in said(chat) and "🔒 Trước khi đăng ký" in said(chat)
    await chat.press_data("lm:deadbeef:consent:yes", chat.last.message_id)
    assert chat.toasts()[-1] == EXPIRED
    await chat.press("✅ Tôi đồng ý")

    # The kind: typed, forged, or of another draft.
    await chat.send("gia đình")
    assert USE_BUTTONS in said(chat)
    await chat.press_data(f"lm:{nonce(chat)}:kind:school", chat.last.message_id)
    assert "Bạn đăng ký loại mô hình nào?" in said(chat)
    await chat.press_data(f"lm:{nonce(chat)}:ward:11341", chat.last.message_id)
    assert chat.toasts()[-1] == EXPIRED
    await chat.press("🏠 Gia đình học tập")

    # The name: emoji, huge text, then a real one.
    await chat.send("😀😀😀")
    assert "Đây có vẻ không phải là họ tên. Xin gõ tên bằng chữ, tối đa 200 ký tự." in said(chat)
    await chat.send("Gia đình " + "rất " * 1000)
    assert "Nội dung quá dài." in said(chat)
    await chat.send("Gia đình ông Nguyễn Văn Hùng")

    # The ward: nonsense, a forged code, a code that is not a number.
    await chat.send("zzzz")
    assert "Không tìm thấy xã, phường nào của Hải Phòng khớp với “zzzz”" in said(chat)
    await chat.send("ngo quyen")
    await chat.press_data(f"lm:{nonce(chat)}:ward:99999", chat.last.message_id)
    assert "Mô hình ở xã, phường nào?" in said(chat)
    await chat.press_data(f"lm:{nonce(chat)}:ward:abc", chat.last.message_id)
    assert "Mô hình ở xã, phường nào?" in said(chat)
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")

    # The contact: emoji and digits are no names; a forged "it is me" without a record.
    await chat.send("😀")
    assert "Đây có vẻ không phải là họ tên." in said(chat)
    await chat.send("12345")
    assert "Đây có vẻ không phải là họ tên." in said(chat)
    await chat.press_data(f"lm:{nonce(chat)}:me", chat.last.message_id)
    assert "Ai là người liên hệ" in said(chat)
    await chat.send("Trần Văn Bình")

    # The phone: words, a hotline, then a typed number.
    await chat.send("không có")
    assert "Đây không phải số điện thoại Việt Nam hợp lệ." in said(chat)
    await chat.send("1900 1234")
    assert "Đây không phải số điện thoại Việt Nam hợp lệ." in said(chat)
    await chat.send("0987 654 321")
    assert "Đã lưu số điện thoại 0987 654 321." in said(chat)

    # The size.
    for typed, answer in (
        ("abc", "Xin gõ con số bằng chữ số, ví dụ 12."),
        ("😀", "Xin gõ con số bằng chữ số, ví dụ 12."),
        ("0", "Con số phải từ 1 trở lên."),
        ("-5", "Con số phải từ 1 trở lên."),
        ("1000000", "Con số này lớn hơn 100.000, mức tối đa có thể đăng ký."),
    ):
        await chat.send(typed)
        assert answer in said(chat), typed
    assert await model_rows(db) == []
    await chat.send("4")

    # The summary: typing, a forged nonce, then Submit twice.
    await chat.send("gửi")
    assert USE_BUTTONS in said(chat)
    summary = chat.last.message_id
    await chat.press_data("lm:deadbeef:confirm", summary)
    assert chat.toasts()[-1] == EXPIRED
    current = nonce(chat)
    await chat.press("✅ Gửi đăng ký")
    assert "Số đăng ký: #1" in said(chat)
    await chat.press_data(f"lm:{current}:confirm", summary)
    assert chat.toasts()[-1] == EXPIRED
    rows = await model_rows(db)
    assert len(rows) == 1
    assert (rows[0]["contact_name"], rows[0]["contact_phone"], rows[0]["size"]) == (
        "Trần Văn Bình",
        "+84987654321",
        4,
    )


async def test_declining_or_cancelling_saves_nothing(local: LocalBot) -> None:
    db = local.runtime.db
    chat = Chat(local, 5004)
    await chat.send("/model")
    await chat.press("✖️ Tôi không đồng ý")
    assert "không lưu bất kỳ thông tin nào của bạn" in said(chat)
    refusal = await db.fetchone(
        "SELECT granted FROM consents"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '5004')"
    )
    assert refusal is not None and refusal["granted"] == 0

    await chat.send("/model")
    await chat.press("✅ Tôi đồng ý")
    await chat.press("🌳 Dòng họ học tập")
    await chat.send("Dòng họ Vũ (Tiên Lãng)")
    await chat.send("/cancel")
    assert "Đã huỷ đăng ký, không có thông tin nào được lưu." in said(chat)
    await chat.send("Dòng họ Vũ")
    assert "Mô hình ở xã, phường nào?" not in said(chat)
    assert await model_rows(db) == []


# --- officers -------------------------------------------------------------------------------


async def test_an_admin_approves_and_the_registrant_is_told_in_their_language(
    local: LocalBot,
) -> None:
    db = local.runtime.db
    registrant = Chat(local, 5010, language_code="en")
    await seed_model(db, 5010, language="en")
    officer = Chat(local, ADMIN_ID)
    await officer.send("/models")
    listing = said(officer)
    assert "📚 Mô hình học tập đang chờ duyệt: 1" in listing
    assert officer.last.buttons[0] == "⏳ #1 · 🏠 Gia đình ông Nguyễn Văn Hùng"
    await officer.press(officer.last.buttons[0])
    detail = said(officer)
    for line in (
        "Mô hình học tập #1",
        "Mô hình: 🏠 Gia đình học tập",
        "Xã, phường: Phường Ngô Quyền",
        "Người liên hệ: Nguyễn Thị Lan, 0912 345 678",
        "Số thành viên gia đình: 5",
        "Năm học: 2026-2027",
        "Ngày đăng ký: 20/11/2026",
        "Trạng thái: ⏳ đang chờ xét duyệt",
    ):
        assert line in detail
    assert officer.last.buttons == ["✅ Duyệt", "✏️ Yêu cầu chỉnh sửa"]
    await officer.press("✅ Duyệt")
    assert "Đã duyệt." in officer.toasts()
    edited = officer.last.text or ""
    assert "Trạng thái: ✅ đã được duyệt" in edited
    assert "✅ Đã duyệt. Người đăng ký đã được thông báo." in edited

    news = registrant.last.text or ""
    assert news.startswith("✅ Good news: your registration #1, Learning family")
    assert "for the 2026-2027 school year is approved" in news

    (row,) = await model_rows(db)
    assert (
        row["status"] == "approved"
        and row["reviewed_by"] == f"officer:{await person(db, ADMIN_ID)}"
    )
    assert row["reviewed_at"] == "2026-11-20 03:00:00"
    assert await audit_rows(db, "model.review") == [(ADMIN_ID, "ok", "model:1", "approved")]

    # The stale button again changes nothing and tells nobody twice.
    await officer.press_data("oml:approve:1", officer.last.message_id)
    assert officer.toasts()[-1] == "Bản đăng ký này đã được xử lý: ✅ đã được duyệt."
    assert sum("Good news" in (m.text or "") for m in registrant.messages) == 1
    await officer.send("/models")
    assert "📚 Mô hình học tập đang chờ duyệt: 0" in said(officer)


async def test_changes_requested_with_a_note_then_fixed_and_resubmitted(local: LocalBot) -> None:
    db = local.runtime.db
    registrant = Chat(local, 5011)
    await seed_model(db, 5011)
    officer = Chat(local, ADMIN_ID)
    await open_model(officer, "#1")
    await officer.press("✏️ Yêu cầu chỉnh sửa")
    assert "Cần sửa gì trong bản đăng ký #1 “Gia đình ông Nguyễn Văn Hùng”?" in said(officer)
    await officer.send("😀")
    assert "Xin gõ ghi chú ngắn bằng chữ, tối đa 500 ký tự." in said(officer)
    await officer.send("x" * 600)
    assert "tối đa 500 ký tự" in said(officer)
    await officer.send("Xin ghi rõ họ tên chủ hộ, và số thành viên đúng.")
    assert "✏️ Đã yêu cầu chỉnh sửa. Người đăng ký đã được thông báo." in said(officer)
    news = registrant.last.text or ""
    assert news.startswith("✏️ Bản đăng ký #1, Gia đình học tập “Gia đình ông Nguyễn Văn Hùng”")
    assert "Xin ghi rõ họ tên chủ hộ, và số thành viên đúng." in news
    (row,) = await model_rows(db)
    assert row["status"] == "changes_requested"
    assert row["review_note"] == "Xin ghi rõ họ tên chủ hộ, và số thành viên đúng."
    assert await audit_rows(db, "model.review") == [
        (ADMIN_ID, "ok", "model:1", "changes_requested")
    ]

    # /model offers the fix; the registrant fixes the name and the size and submits.
    await registrant.send("/model")
    assert "Hội đề nghị bạn chỉnh sửa các bản đăng ký sau:" in said(registrant)
    assert registrant.last.buttons == ["✏️ Sửa #1", "➕ Đăng ký mô hình khác"]
    await registrant.press("✏️ Sửa #1")
    summary = said(registrant)
    assert "Cán bộ Hội đề nghị chỉnh sửa bản đăng ký #1: Xin ghi rõ họ tên chủ hộ" in summary
    await registrant.press("✏️ Sửa thông tin")
    await registrant.press("Tên mô hình")
    await registrant.send("Gia đình ông Nguyễn Văn Hùng (chủ hộ)")
    await registrant.press("✏️ Sửa thông tin")
    await registrant.press("Số thành viên, cán bộ")
    await registrant.send("6")
    assert "Số thành viên gia đình: 6" in said(registrant)
    await registrant.press("✅ Gửi đăng ký")
    done = said(registrant)
    assert "Số đăng ký: #2" in done and "Bản này thay cho bản đăng ký #1." in done

    rows = await model_rows(db)
    assert [(r["id"], r["status"], r["name"], r["size"]) for r in rows] == [
        (1, "withdrawn", "Gia đình ông Nguyễn Văn Hùng", 5),
        (2, "submitted", "Gia đình ông Nguyễn Văn Hùng (chủ hộ)", 6),
    ]
    assert rows[1]["consent_id"] == rows[0]["consent_id"]
    await registrant.send("/mymodels")
    assert "#1" not in said(registrant) and "#2 🏠" in said(registrant)
    await officer.send("/models")
    assert officer.last.buttons[0] == "⏳ #2 · 🏠 Gia đình ông Nguyễn Văn Hùng (chủ hộ)"


async def test_fixing_from_my_models_and_a_stale_fix(local: LocalBot) -> None:
    db = local.runtime.db
    registrant = Chat(local, 5012)
    await seed_model(db, 5012)
    officer = Chat(local, ADMIN_ID)
    await open_model(officer, "#1")
    await officer.press("✏️ Yêu cầu chỉnh sửa")
    await officer.send("Sai tên phường")
    await registrant.send("/mymodels")
    assert "✏️ cần chỉnh sửa" in said(registrant)
    assert "Nội dung cần sửa: Sai tên phường" in said(registrant)
    await registrant.press("✏️ Sửa #1")
    assert "Bạn vui lòng kiểm tra lại thông tin đăng ký:" in said(registrant)
    await registrant.press("✏️ Sửa thông tin")
    await registrant.press("Tên mô hình")
    await registrant.send("Gia đình ông Hùng")
    # Meanwhile the officer approves it after a phone call: the fix saves nothing.
    await open_model(officer, "#1", "all")
    assert officer.last.buttons == ["✅ Duyệt"]
    await officer.press("✅ Duyệt")
    await registrant.press("✅ Gửi đăng ký")
    assert "Bản đăng ký #1 vừa được xử lý trong lúc bạn sửa" in said(registrant)
    assert [r["status"] for r in await model_rows(db)] == ["approved"]
    # The Fix button of a registration decided meanwhile.
    await registrant.press_data("mym:1:fix", registrant.last.message_id)
    assert "Bản đăng ký đó không còn chờ chỉnh sửa nữa." in said(registrant)


async def test_rating_an_approved_model(local: LocalBot) -> None:
    db = local.runtime.db
    registrant = Chat(local, 5013)
    await seed_model(db, 5013)
    await seed_model(db, 5013, "Dòng họ Vũ", kind="clan")
    officer = Chat(local, ADMIN_ID)
    await open_model(officer, "#1")
    await officer.press("✅ Duyệt")

    # A submitted model is not rated, and an unknown rating is refused.
    message = officer.last.message_id
    await officer.press_data("oml:rate:2:good", message)
    assert officer.toasts()[-1] == (
        "Chỉ xếp loại các mô hình đã được duyệt. Mô hình này ⏳ đang chờ xét duyệt."
    )
    await officer.press_data("oml:rate:1:perfect", message)
    assert officer.toasts()[-1] == EXPIRED

    await open_model(officer, "#1", "approved")
    assert officer.last.buttons == ["Xuất sắc", "Tốt", "Khá", "Chưa đạt"]
    await officer.press("Xuất sắc")
    assert "Đã ghi nhận xếp loại." in officer.toasts()
    assert "🏅 Đã ghi nhận xếp loại: Xuất sắc." in (officer.last.text or "")
    assert "🏅 Xin chúc mừng!" in (registrant.last.text or "")
    assert "năm học 2026-2027: Xuất sắc" in (registrant.last.text or "")
    await registrant.send("/mymodels")
    assert "✅ đã được duyệt; xếp loại Xuất sắc" in said(registrant)
    rows = await model_rows(db)
    assert (rows[0]["rating"], rows[0]["rated_by"]) == (
        "excellent",
        f"officer:{await person(db, ADMIN_ID)}",
    )
    assert rows[1]["rating"] is None
    assert await audit_rows(db, "model.rate") == [(ADMIN_ID, "ok", "model:1", "excellent")]


async def test_a_citizen_cannot_use_officer_commands_or_buttons(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_model(db, 5014)
    intruder = Chat(local, 5015)
    await intruder.send("/models")
    assert said(intruder) == REFUSED
    await intruder.send("/start")
    message = intruder.last.message_id
    for forged in (
        "oml:open:1",
        "oml:approve:1",
        "oml:changes:1",
        "oml:rate:1:excellent",
        "oml:list:all:0",
    ):
        await intruder.press_data(forged, message)
        assert intruder.toasts()[-1] == REFUSED, forged
    await intruder.send("Được rồi, duyệt đi")
    (row,) = await model_rows(db)
    assert row["status"] == "submitted" and row["reviewed_by"] is None and row["rating"] is None
    refused = await db.fetchall(f"SELECT actor FROM {AUDIT} WHERE outcome = 'refused'")
    assert [r["actor"] for r in refused] == [5015] * 6


async def test_a_ward_officer_sees_and_decides_only_their_wards_models(local: LocalBot) -> None:
    db = local.runtime.db
    await db.execute(
        "INSERT INTO officers (person_id, added_by, added_at, role, ward_code, ward_name)"
        " VALUES (?, 'admin:900001', '2026-10-01 00:00:00', 'officer', ?, 'Phường Ngô Quyền')",
        (await person(db, 6001), NGO_QUYEN),
    )
    await seed_model(db, 5016, "Gia đình Ngô Quyền")
    await seed_model(db, 5017, "Gia đình Lê Chân", ward=(LE_CHAN, "Phường Lê Chân"))
    officer = Chat(local, 6001)
    await officer.send("/models all")
    listing = said(officer)
    assert "📚 Tất cả mô hình học tập: 1" in listing
    assert "Xã, phường: Phường Ngô Quyền" in listing
    assert [b for b in officer.last.buttons if "#" in b] == ["⏳ #1 · 🏠 Gia đình Ngô Quyền"]

    message = officer.last.message_id
    for forged in ("oml:open:2", "oml:approve:2", "oml:changes:2", "oml:rate:2:good"):
        await officer.press_data(forged, message)
        assert officer.toasts()[-1] == OTHER_WARD, forged
    await officer.send("Xin ghi chú")
    assert "Cần sửa gì" not in said(officer)
    refused = await db.fetchall(
        "SELECT action, target FROM audit WHERE outcome = 'refused' ORDER BY id"
    )
    assert [tuple(r) for r in refused] == [
        ("model.open", "model:2"),
        ("model.review", "model:2"),
        ("model.review", "model:2"),
        ("model.rate", "model:2"),
    ]

    # Their own ward's model they approve; its registrant has blocked the bot meanwhile.
    registrant = Chat(local, 5016)
    local.emulator.set_blocked(registrant.user_id)
    await officer.press("⏳ #1 · 🏠 Gia đình Ngô Quyền", message)
    await officer.press("✅ Duyệt")
    assert "Không gửi được tin cho người đăng ký; xin gọi điện cho người liên hệ." in (
        officer.last.text or ""
    )
    rows = await model_rows(db)
    assert [(r["id"], r["status"]) for r in rows] == [(1, "approved"), (2, "submitted")]
    assert rows[0]["reviewed_by"] == f"officer:{await person(db, 6001)}"
