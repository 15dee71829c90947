"""A database of the release before people and accounts (schema 7), made by driving that
release's bot through real journeys (tests/fixtures/make_schema7.py), upgrades with every row
kept, and the bot carries on with it: numbers unchanged, a half-done join resumes at its step,
the officer keeps their role."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.devtools.local import local_bot
from bot.settings import Settings
from storage import Database
from tests.support import Chat, FakeClock, fast_pacer, with_telegram

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema7.sql"
TABLES = (
    "users", "consents", "members", "officers", "conversations", "user_drafts", "broadcasts",
    "deliveries", "donors", "pledges", "statement_lines", "audit", "learning_models",
    "report_tally",
)  # fmt: skip
RENAMED = ("users", "consents", "members", "officers", "user_drafts", "deliveries", "donors",
           "pledges", "learning_models")  # fmt: skip


def old_database(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    conn.close()
    return rows


async def test_a_populated_schema_7_database_upgrades_and_the_bot_carries_on(
    settings: Settings, clock: FakeClock
) -> None:
    before = old_database(settings.database_path)
    assert all(before[t] for t in TABLES), [t for t in TABLES if not before[t]]

    db = await Database(settings.database_path).open()
    try:
        # Every row is kept, value for value (the person ids are the old Telegram ids).
        for table in (*RENAMED, "broadcasts", "statement_lines", "report_tally"):
            after = [tuple(r) for r in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
            assert after == before[table], table
        audit = [tuple(r) for r in await db.fetchall("SELECT * FROM audit ORDER BY id")]
        assert [r[:4] for r in audit] == [r[:4] for r in before["audit"]]
        assert [r[4] for r in audit] == [
            str(r[4]).replace("user:", "person:") if r[4] else r[4] for r in before["audit"]
        ]
        # Each old id is now a person with its Telegram account, officers who never wrote too.
        accounts = {
            (r["external_id"], r["person_id"])
            for r in await db.fetchall("SELECT * FROM accounts WHERE channel = 'telegram'")
        }
        assert {("4001", 4001), ("4002", 4002), ("4003", 4003), ("4005", 4005)} <= accounts
        assert ("5001", 5001) in accounts and ("900001", 900001) in accounts
        rows = await db.fetchall("SELECT name, person_id, state FROM conversations")
        assert [tuple(r) for r in rows] == [("membership", 4005, "3")]
        members = await db.fetchall(with_telegram("members"))
        assert [(m["member_no"], m["telegram_id"]) for m in members] == [("HP-2026-000001", 4001)]
    finally:
        await db.close()

    async with local_bot(settings, clock=clock, poll_timeout=1, pacer=fast_pacer()) as local:
        # The half-done join resumes at the year of birth, with what was typed before.
        hoa = Chat(local, 4005, phone="+84912000005")
        replies = await hoa.send("1988")
        assert replies and replies[0].startswith("Bạn sống ở xã, phường nào?")
        await hoa.send("ngo quyen")
        await hoa.press("Phường Ngô Quyền")
        await hoa.press("Giáo viên")
        await hoa.press("Bỏ qua")
        summary = hoa.reply_text()
        assert "Họ và tên: Phạm Thị Hoa" in summary and "Năm sinh: 1988" in summary
        await hoa.press("✅ Xác nhận")
        # Numbering goes on from the old members: the next card, not a second 000001.
        assert "Số thẻ hội viên của bạn là HP-2026-000002" in hoa.reply_text()

        # The old member sees their own card and pledge, under the same numbers.
        tam = Chat(local, 4001)
        await tam.send("/me")
        assert "HP-2026-000001" in tam.reply_text() and "Lê Văn Tám" in tam.reply_text()
        await tam.send("/mypledges")
        assert "KH2026 P000001" in tam.reply_text()

        # The officer granted before the upgrade keeps their role, and their ward.
        officer = Chat(local, 4003)
        await officer.send("/stats")
        assert "Phường Ngô Quyền" in officer.reply_text()
        assert "chỉ dành cho cán bộ" not in officer.reply_text()

        # A newcomer is a new person, numbered after every old one.
        newcomer = Chat(local, 4999)
        await newcomer.send("/start")
        row = await local.runtime.db.fetchone(
            "SELECT person_id FROM accounts WHERE external_id = '4999'"
        )
        assert row is not None and row[0] > 900001
        assert local.emulator.api_errors == []
