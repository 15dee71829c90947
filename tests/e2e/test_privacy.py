"""The privacy rights through the chat: /mydata, /privacy's one-press withdrawals, /delete
(erasure after a warning and a confirmation; stale or forged buttons do nothing), officers
refused, and the retention purge under a fake clock."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.devtools.emulator import SentMessage
from bot.devtools.local import LocalBot
from bot.domain.validation import display_phone
from bot.outbox.retention import RetentionJob
from storage import Database
from storage.officers import grant_role
from storage.pledges import mark_received
from storage.timefmt import to_db
from tests.conftest import ADMIN_ID
from tests.support import AUDIT, Chat, FakeClock, person, seed_member, with_telegram
from tests.unit.test_privacy_storage import AT, member_pledge, name_of, phone_of, traces

USER = 7_312_459
BYSTANDER = 5_208_836
YES = "🗑 Có, xoá dữ liệu của tôi"
NO = "✖️ Không, giữ lại"
EXPIRED = "Nút này đã hết hiệu lực."
WARNING = "⚠️ Xoá dữ liệu cá nhân của bạn?"
# Tables compared whole when nothing may change (user_drafts holds the pending question).
KEPT_TABLES = ("users", "members", "donors", "pledges", "consents", "deliveries", "audit")


def db_of(local: LocalBot) -> Database:
    return local.runtime.db


async def dump(db: Database, *tables: str) -> dict[str, list[dict[str, Any]]]:
    return {
        t: [
            dict(r)
            for r in await db.fetchall(
                f"{with_telegram(t) if t != 'audit' else 'SELECT * FROM ' + AUDIT} ORDER BY 1, 2"
            )
        ]
        for t in tables
    }


async def member_with_pledges(db: Database, user: int) -> None:
    """A member with a received pledge named on the honour roll, and an anonymous one."""
    someone = await seed_member(db, user)
    named = await member_pledge(db, someone, 500_000)
    await mark_received(db, named, 500_000, "officer:777777", AT)
    await member_pledge(db, someone, 200_000, public=False)


def documents(chat: Chat) -> list[SentMessage]:
    return [m for m in chat.messages if m.kind == "document"]


def exported(local: LocalBot, chat: Chat) -> dict[str, Any]:
    document = documents(chat)[-1]
    content = local.emulator.file_content(document.raw["document"]["file_id"])
    assert content is not None
    return json.loads(content.decode("utf-8"))  # type: ignore[no-any-return]


def button_data(message: SentMessage, label: str) -> str:
    return next(
        b["callback_data"] for row in message.inline_keyboard for b in row if b["text"] == label
    )


async def test_mydata_sends_everything_as_json_and_a_summary(local: LocalBot) -> None:
    db = db_of(local)
    await member_with_pledges(db, USER)
    await member_with_pledges(db, BYSTANDER)
    chat = Chat(local, USER)
    await chat.send("/mydata")

    summary = chat.reply_text().replace("\xa0", " ")
    assert summary.startswith("🔒 Dữ liệu bot đang lưu về bạn")
    assert "🪪 Hội viên số HP-2026-000001" in summary
    assert f"Họ và tên: {name_of(USER)}" in summary
    assert f"Số điện thoại: {display_phone(phone_of(USER))}" in summary
    assert "💝 Số khoản ủng hộ: 2" in summary and "500.000 ₫" in summary
    assert "• Ghi tên tôi trên bảng vàng: đã từ chối ngày 02/10/2026" in summary
    assert "• Đăng ký hội viên: đã đồng ý ngày 01/10/2026" in summary

    document = documents(chat)[-1]
    assert document.file_name == "my-data.json"
    raw = local.emulator.file_content(document.raw["document"]["file_id"])
    assert raw is not None and name_of(USER).encode("utf-8") in raw  # UTF-8, not \u escapes
    data = exported(local, chat)
    assert data["language"] == "vi" and data["user"]["language"] == "vi"
    assert [(a["channel"], a["external_id"]) for a in data["accounts"]] == [("telegram", str(USER))]
    assert data["member"]["full_name"] == name_of(USER)
    assert data["member"]["phone"] == phone_of(USER)
    assert data["member"]["ward_name"] == "Phường Ngô Quyền"
    assert [(p["amount"], p["status"], p["public_name"]) for p in data["pledges"]] == [
        (500_000, "received", 1),
        (200_000, "pending", 0),
    ]
    assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [
        ("membership", 1),
        ("honour_roll", 1),
        ("honour_roll", 0),
    ]
    assert str(BYSTANDER) not in json.dumps(data)

    # In English for an English speaker, with the same file.
    english = Chat(local, 4_400_001, language_code="en")
    await english.send("/mydata")
    assert english.reply_text().startswith("🔒 What I keep about you")
    assert exported(local, english)["language"] == "en"
    assert exported(local, english)["member"] is None


async def test_withdrawing_each_consent_takes_one_press(local: LocalBot) -> None:
    db = db_of(local)
    await member_with_pledges(db, USER)
    chat = Chat(local, USER)
    await chat.send("/honour")
    assert name_of(USER) in chat.reply_text()

    await chat.send("/privacy")
    assert chat.reply_text().startswith("🔒 Dữ liệu cá nhân của bạn")
    menu = chat.last
    assert menu.buttons == [
        "📄 Xem dữ liệu của tôi",
        "🔕 Không nhận thông báo nữa",
        "🏅 Không ghi tên tôi trên bảng vàng",
        "🗑 Xoá dữ liệu của tôi",
    ]

    await chat.press("🔕 Không nhận thông báo nữa", menu.message_id)
    assert "không nhận thông báo" in chat.reply_text()
    row = await db.fetchone(
        "SELECT subscribed FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (USER,),
    )
    assert row is not None and row[0] == 0

    await chat.press("🏅 Không ghi tên tôi trên bảng vàng", menu.message_id)
    assert chat.reply_text().startswith("🏅 Xong: tên bạn không còn trên bảng vàng.")
    pledges = await db.fetchall(
        "SELECT public_name FROM pledges"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (USER,),
    )
    assert [r[0] for r in pledges] == [0, 0]
    withdrawn = await db.fetchall(
        "SELECT granted, withdrawn_at FROM consents WHERE purpose = 'honour_roll' ORDER BY id"
    )
    assert [tuple(r) for r in withdrawn] == [(1, "2026-10-02 02:00:00"), (0, None)]
    await chat.send("/honour")
    assert name_of(USER) not in chat.reply_text()
    assert "Nhà hảo tâm ẩn danh" in chat.reply_text()

    await chat.press("📄 Xem dữ liệu của tôi", menu.message_id)
    assert documents(chat) and exported(local, chat)["user"]["subscribed"] == 0
    # The same press again changes nothing and says so.
    await chat.press("🏅 Không ghi tên tôi trên bảng vàng", menu.message_id)
    assert chat.reply_text().startswith("🏅 Tên bạn không có trên bảng vàng")


async def test_delete_then_yes_erases_exactly_what_it_says(local: LocalBot) -> None:
    db = db_of(local)
    await member_with_pledges(db, USER)
    await member_with_pledges(db, BYSTANDER)
    bystander_before = {
        table: [r for r in rows if BYSTANDER in r.values()]
        for table, rows in (await dump(db, *KEPT_TABLES)).items()
    }
    pledges_before = {p["id"]: p for p in (await dump(db, "pledges"))["pledges"]}
    chat = Chat(local, USER)
    # Half-way through a pledge: a draft and a conversation state are kept for them.
    await chat.send("/pledge")
    await chat.press("Quỹ khuyến học thành phố")
    purpose_question = chat.last
    await local.app.update_persistence()
    row = await db.fetchone(
        "SELECT COUNT(*) FROM conversations WHERE person_id = ?", (await person(db, USER),)
    )
    assert row is not None and row[0] == 1  # the conversation state is stored

    await chat.send("/delete")
    warning = chat.reply_text()
    assert warning.startswith(WARNING)
    assert "họ tên, số điện thoại, năm sinh, người giám hộ và cơ quan, đơn vị" in warning
    assert "HP-2026-000001" in warning
    assert "số tiền, quỹ, mục đích, trạng thái, ngày và mã của từng khoản ủng hộ" in warning
    assert "cùng lý do cán bộ Hội đã ghi" in warning  # erased too
    assert "ngày bạn yêu cầu xoá dữ liệu, không kèm tên bạn" in warning  # the one audit row
    assert chat.last.buttons == [YES, NO]

    await chat.press(YES)
    assert chat.reply_text().startswith("🗑 Dữ liệu cá nhân của bạn đã được xoá.")
    assert chat.last.buttons == []
    await asyncio.sleep(1.5)  # a round of persistence, which must not write anything back

    # No row anywhere holds their Telegram id, name or phone.
    assert await traces(db, str(USER), name_of(USER), phone_of(USER)[3:]) == []
    after = await dump(db, *KEPT_TABLES, "learning_models")
    member = next(m for m in after["members"] if m["telegram_id"] is None)
    assert member["member_no"] == "HP-2026-000001" and member["erased_at"] is not None
    assert (member["ward_code"], member["category"]) == (11341, "teacher")
    for column in ("full_name", "phone", "birth_year", "guardian_name", "organisation"):
        assert member[column] is None
    for pledge in after["pledges"]:
        before = pledges_before[pledge["id"]]
        if before["telegram_id"] == BYSTANDER:
            assert pledge == before
            continue
        assert (pledge["telegram_id"], pledge["donor_name"]) == (None, "")
        assert (pledge["anonymised"], pledge["public_name"]) == (1, 0)
        for column in ("amount", "fund_kind", "fund_name", "reference", "status", "created_at"):
            assert pledge[column] == before[column]
    assert not [c for c in after["consents"] if c["telegram_id"] not in (None, BYSTANDER)]
    assert len([c for c in after["consents"] if c["telegram_id"] is None]) == 3
    assert [u["telegram_id"] for u in after["users"]] == [BYSTANDER]
    deletions = [a for a in after["audit"] if a["action"] == "data.delete"]
    assert [(a["actor"], a["target"], a["outcome"], a["detail"]) for a in deletions] == [
        (None, None, "ok", None)
    ]
    for table, rows in bystander_before.items():
        assert [r for r in after[table] if BYSTANDER in r.values()] == rows, table

    # The running bot forgot them too: the pledge they had started is gone.
    await chat.press("Nơi cần nhất (mục đích chung)", purpose_question.message_id)
    assert chat.toasts()[-1] == EXPIRED
    await chat.send("Nguyễn Văn An")
    assert "Bot có thể giúp bạn" in chat.reply_text()
    assert await db.fetchone("SELECT 1 FROM user_drafts") is None
    # Writing again, they start afresh: a new users row with nothing else.
    row = await db.fetchone(
        "SELECT first_seen_at FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (USER,),
    )
    assert row is not None and row[0] == "2026-10-02 02:00:00"
    assert await member_rows_of(db, USER) == 0


async def member_rows_of(db: Database, user: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) FROM members"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
        (user,),
    )
    return int(row[0]) if row else -1


async def test_no_and_stale_or_forged_buttons_keep_everything(
    local: LocalBot, clock: FakeClock
) -> None:
    db = db_of(local)
    await member_with_pledges(db, USER)
    chat = Chat(local, USER)
    await chat.send("/start")
    before = await dump(db, *KEPT_TABLES)

    await chat.send("/delete")
    first = chat.last
    first_yes = button_data(first, YES)
    await chat.press_data("priv:yes:deadbeef", first.message_id)  # forged
    assert chat.toasts()[-1] == EXPIRED
    await chat.press_data("priv:yes", first.message_id)
    assert chat.toasts()[-1] == EXPIRED
    await chat.press(NO, first.message_id)
    assert chat.reply_text() == "Chưa có gì bị xoá. Dữ liệu của bạn vẫn được giữ nguyên."
    await chat.press_data(first_yes, first.message_id)  # after No: stale
    assert chat.toasts()[-1] == EXPIRED

    await chat.send("/delete")
    second = chat.last
    await chat.send("/delete")
    await chat.press_data(button_data(second, YES), second.message_id)  # a newer one exists
    assert chat.toasts()[-1] == EXPIRED
    clock.advance(minutes=31)
    await chat.press(YES)  # the latest, but left too long
    assert chat.toasts()[-1] == EXPIRED
    assert await dump(db, *KEPT_TABLES) == before
    assert await member_rows_of(db, USER) == 1


async def test_an_officer_cannot_delete_their_data(local: LocalBot) -> None:
    db = db_of(local)
    admin = Chat(local, ADMIN_ID)
    await admin.send("/start")
    await grant_role(db, await person(db, USER), "officer", "cli", AT)
    await seed_member(db, USER)
    officer = Chat(local, USER)
    await officer.send("/start")
    before = await dump(db, *KEPT_TABLES)

    for chat in (admin, officer):
        await chat.send("/delete")
        assert chat.reply_text().startswith("Bạn là cán bộ của Hội")
        assert chat.last.buttons == []
    await officer.send("/privacy")
    await officer.press("🗑 Xoá dữ liệu của tôi")
    assert officer.reply_text().startswith("Bạn là cán bộ của Hội")
    after = await dump(db, *KEPT_TABLES)
    refusals = [a for a in after.pop("audit") if a["action"] == "data.delete"]
    assert [(a["actor"], a["outcome"]) for a in refusals] == [
        (ADMIN_ID, "refused"),
        (USER, "refused"),
        (USER, "refused"),
    ]
    before.pop("audit")
    assert after == before


async def test_the_retention_purge_forgets_only_people_who_completed_nothing(
    local: LocalBot, clock: FakeClock
) -> None:
    db = db_of(local)
    settings = local.runtime.settings
    assert settings.retention_days == 90
    await seed_member(db, USER)  # joined: kept however quiet
    member = Chat(local, USER)
    await member.send("/start")
    idle = Chat(local, 101)
    await idle.send("/start")
    quitter = Chat(local, 102)  # agreed to the notice, then stopped half-way
    await quitter.send("/join")
    await quitter.press("✅ Tôi đồng ý")
    assert "họ và tên" in quitter.reply_text().lower()
    await local.app.update_persistence()
    gone_people = {uid: await person(db, uid) for uid in (101, 102)}
    row = await db.fetchone(
        "SELECT COUNT(*) FROM conversations WHERE person_id = ?", (gone_people[102],)
    )
    assert row is not None and row[0] == 1

    clock.advance(days=50)
    recent = Chat(local, 103)
    await recent.send("/start")
    job = RetentionJob(settings, db, clock)
    assert await job.run(local.app) == 0

    clock.advance(days=41)
    assert await job.run(local.app) == 2
    await asyncio.sleep(1.2)  # a round of persistence, which must not write anything back
    users = {r["telegram_id"] for r in await db.fetchall(with_telegram("users"))}
    assert users == {USER, 103}
    for gone in gone_people.values():
        for table in ("consents", "user_drafts", "deliveries", "conversations", "accounts"):
            row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE person_id = ?", (gone,))
            assert row is not None and row[0] == 0, (table, gone)
    assert await member_rows_of(db, USER) == 1

    # The bot forgot the half-way join: a name typed now is not taken as an answer.
    await quitter.send("Nguyễn Văn Bình")
    assert "Bot có thể giúp bạn" in quitter.reply_text()
    assert await member_rows_of(db, 102) == 0
    row = await db.fetchone(
        "SELECT first_seen_at FROM users"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '102')"
    )
    assert row is not None and row[0] == to_db(clock.moment)  # a fresh start
