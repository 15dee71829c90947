"""Roles in chat: admins grant and revoke; a ward's officer sees and acts on that ward only;
every officer action and every refusal is audited."""

from __future__ import annotations

from bot.devtools.local import LocalBot
from storage import Database
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import said
from tests.support import AUDIT, Chat, eventually, seed_member

NGO_QUYEN, LE_CHAN = 11341, 11338


async def audit_rows(db: Database) -> list[tuple[object, ...]]:
    rows = await db.fetchall(f"SELECT actor, action, target, outcome FROM {AUDIT} ORDER BY id")
    return [tuple(r) for r in rows]


async def ward_pledge(local: LocalBot, user: int, ward_query: str, ward_button: str) -> None:
    await seed_member(local.runtime.db, user)
    chat = Chat(local, user)
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học xã, phường")
    await chat.send(ward_query)
    await chat.press(ward_button)
    await chat.press("Nơi cần nhất (mục đích chung)")
    await chat.press("100.000\xa0₫")
    await chat.press("🤍 Ẩn danh")
    await chat.press("💵 Tiền mặt tại văn phòng Hội")
    await chat.press("✅ Xác nhận ủng hộ")


async def test_admin_grants_a_ward_officer_who_sees_only_that_ward(local: LocalBot) -> None:
    db = local.runtime.db
    await ward_pledge(local, 6001, "ngo quyen", "Phường Ngô Quyền")
    await ward_pledge(local, 6002, "le chan", "Phường Lê Chân")

    officer = Chat(local, 6100)
    await officer.send("/myid")
    assert said(officer).startswith("ID Telegram của bạn là 6100.")
    await officer.send("/pledges")
    assert said(officer) == "Chức năng này chỉ dành cho cán bộ Hội."

    admin = Chat(local, ADMIN_ID)
    await admin.send("/grant 6100 officer ngo quyen")
    assert "6100 nay là cán bộ phụ trách Phường Ngô Quyền." in said(admin)
    assert "Phường Ngô Quyền" in (officer.last.text or "")  # told at once
    await admin.send("/officers")
    assert said(admin) == (
        f"👥 Phân quyền:\n• {ADMIN_ID}: quản trị viên (ADMIN_IDS)\n"
        "• 6100: cán bộ phụ trách Phường Ngô Quyền"
    )
    await admin.send("/grant 6100 officer hai")
    assert "Có nhiều xã, phường khớp" in said(admin)
    await admin.send("/grant abc")
    assert "Cách dùng:" in said(admin)

    await officer.send("/pledges")
    listing = said(officer)
    assert "Phường Ngô Quyền: 1" in listing
    assert officer.last.buttons == ["P000001 · 100.000\xa0₫ · Hội viên 6001"]
    # Le Chan's pledge (number 2) cannot be opened or decided, even with forged buttons.
    message = officer.last.message_id
    for forged in ("opl:open:2", "opl:full:2", "opl:other:2", "opl:reject:2"):
        await officer.press_data(forged, message)
        assert officer.toasts()[-1] == "Khoản ủng hộ này thuộc quỹ của xã, phường khác."
    await officer.press(officer.last.buttons[0])
    await officer.press("✅ Đã nhận đủ (100.000\xa0₫)")
    rows = await db.fetchall("SELECT id, status FROM pledges ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, "received"), (2, "pending")]

    # City-wide work stays out of reach.
    await officer.send("/campaign")
    assert "chỉ dành cho cán bộ cấp thành phố" in said(officer)
    await officer.send_document("sao-ke.csv", b"Noi dung,Ghi co\nKH2026 P000002,100000\n")
    assert "chỉ dành cho cán bộ cấp thành phố" in said(officer)
    await officer.send("/grant 6101 admin")
    assert said(officer) == "Chức năng này chỉ dành cho quản trị viên."

    await admin.send("/revoke 6100")
    assert "6100 không còn là cán bộ." in said(admin)
    await officer.send("/pledges")
    assert said(officer) == "Chức năng này chỉ dành cho cán bộ Hội."

    audit = await audit_rows(db)
    assert (None, "pledges_command", None, "refused") not in audit  # the actor is known
    assert (6100, "pledges_command", None, "refused") in audit
    assert (ADMIN_ID, "role.grant", "account:6100", "ok") in audit
    assert (6100, "pledge.open", None, "refused") in audit
    assert (6100, "pledge.full", None, "refused") in audit
    assert (6100, "pledge.receive", "pledge:1", "ok") in audit
    assert (6100, "statement.import", None, "refused") in audit
    assert (6100, "grant", None, "refused") in audit
    assert (ADMIN_ID, "role.revoke", "account:6100", "ok") in audit


async def test_a_ward_officer_broadcasts_to_their_ward_only(local: LocalBot) -> None:
    db = local.runtime.db
    await seed_member(db, 6201, ward_code=NGO_QUYEN, ward_name="Phường Ngô Quyền")
    await seed_member(db, 6202, ward_code=LE_CHAN, ward_name="Phường Lê Chân")
    here, there = Chat(local, 6201), Chat(local, 6202)
    officer = Chat(local, 6200)
    admin = Chat(local, ADMIN_ID)
    await admin.send(f"/grant 6200 officer {NGO_QUYEN}")
    await officer.send("/broadcast")
    await officer.send("Họp chi hội khuyến học tối thứ Sáu.")
    await officer.press("Bỏ qua")
    assert "hội viên ở Phường Ngô Quyền" in said(officer)
    # A forged audience button from the same draft does not widen it.
    nonce_button = next(b["callback_data"] for row in officer.last.inline_keyboard for b in row)
    nonce = nonce_button.split(":")[1]
    await officer.press_data(f"bc:{nonce}:seg:all", officer.last.message_id)
    await officer.press("Gửi ngay")
    await officer.press("✅ Xác nhận")
    row = await db.fetchone("SELECT segment FROM broadcasts")
    assert row is not None and row["segment"] == f"ward:{NGO_QUYEN}"
    await eventually(lambda: any("Họp chi hội" in (m.text or "") for m in here.messages))
    assert not any("Họp chi hội" in (m.text or "") for m in there.messages)
    audit = await audit_rows(db)
    assert (6200, "broadcast.create", "broadcast:1", "ok") in audit
