"""Announcements end to end: the officers' composer, the engine, subscribers, Telegram's limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.campaign import load_calendar, schedule_calendar
from bot.devtools.emulator import BotApiEmulator
from bot.devtools.local import LOCAL_TOKEN, LocalBot, local_bot
from bot.settings import Settings
from storage.broadcasts import BroadcastDraft, create_broadcast, get_broadcast
from storage.deliveries import progress
from tests.conftest import ADMIN_ID
from tests.support import Chat, FakeClock, eventually, fast_pacer, seed_member, with_telegram

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHIPPED_CALENDAR = Path("locales/campaign/2026.toml").read_text(encoding="utf-8")
NGO_QUYEN = 11341
HONG_BANG = 11311
STOP_BUTTON = "🔕 Không nhận thông báo nữa"


@asynccontextmanager
async def running(
    settings: Settings,
    clock: FakeClock,
    emulator: BotApiEmulator | None = None,
    **overrides: object,
) -> AsyncIterator[LocalBot]:
    changed = replace(settings, **overrides)  # type: ignore[arg-type]
    async with local_bot(
        changed, clock=clock, emulator=emulator, poll_timeout=1, pacer=fast_pacer()
    ) as local:
        yield local
        assert local.emulator.api_errors == []


async def compose(
    officer: Chat,
    text: str,
    segment: list[str],
    *,
    english: str | None = None,
    when: str | None = None,
) -> list[str]:
    """Drive /broadcast up to the preview; `segment` is the button presses (and typing)."""
    await officer.send("/broadcast")
    await officer.send(text)
    if english:
        await officer.send(english)
    else:
        await officer.press("Bỏ qua")
    for step in segment:
        if step.startswith("type:"):
            await officer.send(step.removeprefix("type:"))
        else:
            await officer.press(step)
    if when:
        await officer.press("Hẹn giờ")
        return await officer.send(when)
    return await officer.press("Gửi ngay")


async def delivered_to(local: LocalBot, broadcast_id: int) -> set[int]:
    rows = await local.runtime.db.fetchall(
        f"SELECT telegram_id FROM ({with_telegram('deliveries')})"
        " WHERE broadcast_id = ? AND status = 'sent'",
        (broadcast_id,),
    )
    return {r[0] for r in rows}


async def finished(local: LocalBot, broadcast_id: int) -> bool:
    broadcast = await get_broadcast(local.runtime.db, broadcast_id)
    return broadcast is not None and broadcast.status in ("done", "cancelled", "missed")


def received(chat: Chat, text: str) -> list[str]:
    return [m.text or "" for m in chat.messages if m.text == text]


async def test_a_broadcast_to_one_ward_with_formatting(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        in_ward = [Chat(local, 7001 + i) for i in range(3)]
        elsewhere = [Chat(local, 7101 + i) for i in range(2)]
        for chat in in_ward:
            await seed_member(db, chat.user_id, ward_code=NGO_QUYEN)
        for chat in elsewhere:
            await seed_member(db, chat.user_id, ward_code=HONG_BANG, ward_name="Phường Hồng Bàng")
        officer = Chat(local, ADMIN_ID, name="Cán bộ")
        await officer.send("/start")
        await officer.send("/broadcast")
        # Bold and a link, as Telegram sends them: entities beside plain text.
        bold = {"type": "bold", "offset": 0, "length": 7}
        link = {"type": "text_link", "offset": 8, "length": 4, "url": "https://example.org/kh"}
        officer._mark = len(officer.messages)
        local.emulator.enqueue_message(
            ADMIN_ID, {"text": "Họp mặt ngày 02/10", "entities": [bold, link]}
        )
        await local.settle()
        await officer.press("Bỏ qua")
        await officer.press("Một xã, phường")
        await officer.send("ngo quyen")
        await officer.press("Phường Ngô Quyền")
        replies = await officer.press("Gửi ngay")
        assert (
            "Thông báo sẽ gửi tới 3 người nhận (hội viên ở Phường Ngô Quyền), ngay bây giờ."
            in replies
        )
        preview = next(m for m in officer.messages if m.text == "Họp mặt ngày 02/10")
        await officer.press("✅ Xác nhận")
        await eventually(lambda: finished(local, 1))

        assert await delivered_to(local, 1) == {c.user_id for c in in_ward}
        for chat in in_ward:
            got = [m for m in chat.messages if m.text == "Họp mặt ngày 02/10"]
            assert len(got) == 1
            # The preview was exactly what recipients see: text, formatting and buttons.
            assert got[0].entities == preview.entities
            assert got[0].reply_markup == preview.reply_markup
            assert got[0].entities and got[0].entities[0]["type"] == "bold"
            assert got[0].buttons == [STOP_BUTTON]
        for chat in elsewhere:
            assert received(chat, "Họp mặt ngày 02/10") == []

        def texts() -> list[str]:
            return [m.text or "" for m in officer.messages]

        await eventually(
            lambda: any(t.startswith("📋 Báo cáo gửi thông báo số 1") for t in texts())
        )
        assert any("📣 Thông báo số 1: ✅ đã gửi xong\nĐã gửi 3/3 (100,0%)" in t for t in texts())
        report = next(t for t in texts() if t.startswith("📋 Báo cáo gửi thông báo số 1"))
        assert "Đã gửi tới: 3\n" in report and "Lỗi: 0" in report


async def test_english_readers_get_the_english_version(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        vi_reader, en_reader = Chat(local, 7201), Chat(local, 7202, language_code="en")
        await seed_member(db, vi_reader.user_id)
        await seed_member(db, en_reader.user_id, language="en")
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        await compose(officer, "Chào mừng Tháng khuyến học", ["Hội viên"], english="Welcome!")
        await officer.press("✅ Xác nhận")
        await eventually(lambda: finished(local, 1))
        assert received(vi_reader, "Chào mừng Tháng khuyến học") != []
        assert received(en_reader, "Welcome!") != []
        assert en_reader.last.buttons == ["🔕 Stop announcements"]


async def test_opting_out_and_back_in(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        stays, leaves = Chat(local, 7301), Chat(local, 7302)
        for chat in (stays, leaves):
            await chat.send("/start")
        await create_broadcast(db, BroadcastDraft("Tin thứ nhất", "all", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1))
        replies = await leaves.press(STOP_BUTTON)
        assert replies == [
            "🔕 Bạn sẽ không nhận thông báo của Hội nữa. Gõ /subscribe nếu muốn nhận lại."
        ]
        row = await db.fetchone(
            "SELECT subscribed FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7302,),
        )
        assert row is not None and row[0] == 0

        await create_broadcast(db, BroadcastDraft("Tin thứ hai", "all", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 2))
        assert received(stays, "Tin thứ hai") == ["Tin thứ hai"]
        assert received(leaves, "Tin thứ hai") == []

        assert await leaves.send("/subscribe") == [
            "🔔 Bạn sẽ nhận thông báo của Hội. Gõ /stop nếu muốn dừng."
        ]
        await create_broadcast(db, BroadcastDraft("Tin thứ ba", "all", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 3))
        assert received(leaves, "Tin thứ ba") == ["Tin thứ ba"]
        await stays.send("/stop")
        row = await db.fetchone(
            "SELECT subscribed FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7301,),
        )
        assert row is not None and row[0] == 0


async def test_blocked_users_are_marked_unreachable(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        ok, blocked, leaver = Chat(local, 7401), Chat(local, 7402), Chat(local, 7403)
        for chat in (ok, blocked, leaver):
            await chat.send("/start")
        local.emulator.set_blocked(blocked.user_id)  # Telegram answers 403
        local.emulator.block_bot(leaver.user_id)  # and tells the bot with my_chat_member
        await local.settle()
        row = await db.fetchone(
            "SELECT reachable FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7403,),
        )
        assert row is not None and row[0] == 0

        await create_broadcast(db, BroadcastDraft("Tin một", "all", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1))
        figures = await progress(db, 1)
        assert (figures.total, figures.sent, figures.unreachable, figures.failed) == (2, 1, 1, 0)
        attempts = await db.fetchone(
            "SELECT attempts, last_error FROM deliveries"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7402,),
        )
        assert attempts is not None and attempts[0] == 1  # never retried
        assert "blocked" in attempts[1]
        row = await db.fetchone(
            "SELECT reachable FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7402,),
        )
        assert row is not None and row[0] == 0

        # Unreachable users get nothing more until they come back.
        await create_broadcast(db, BroadcastDraft("Tin hai", "all", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 2))
        assert (await progress(db, 2)).total == 1
        local.emulator.block_bot(leaver.user_id, blocked=False)
        await local.settle()
        row = await db.fetchone(
            "SELECT reachable FROM users"
            " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = ?)",
            (7403,),
        )
        assert row is not None and row[0] == 1


async def test_429_is_waited_out_and_nothing_is_lost(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        chats = [Chat(local, 7500 + i) for i in range(24)]
        for chat in chats:
            await seed_member(db, chat.user_id)
        local.emulator.enable_rate_limits(global_per_sec=8, per_chat_per_sec=1, per_chat_burst=3)
        await create_broadcast(db, BroadcastDraft("Tin khẩn", "members", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1), timeout=30)
        assert local.emulator.stats["429"] > 0
        for chat in chats:
            assert received(chat, "Tin khẩn") == ["Tin khẩn"]  # each exactly once
        figures = await progress(db, 1)
        assert (figures.sent, figures.failed, figures.unreachable) == (24, 0, 0)


async def test_5xx_is_retried_with_backoff(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        chats = [Chat(local, 7600 + i) for i in range(3)]
        for chat in chats:
            await seed_member(db, chat.user_id)
        local.emulator.inject_errors(status=502, count=2, methods=["sendMessage"])
        await create_broadcast(db, BroadcastDraft("Tin thử", "members", clock()), clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1), timeout=20)
        figures = await progress(db, 1)
        assert (figures.sent, figures.failed) == (3, 0)
        retried = await db.fetchone("SELECT MAX(attempts) FROM deliveries")
        assert retried is not None and retried[0] >= 2


async def test_pause_resume_and_cancel(settings: Settings, clock: FakeClock) -> None:
    async with running(settings, clock, broadcast_rate=4.0, broadcast_concurrency=1) as local:
        db = local.runtime.db
        for i in range(30):
            await seed_member(db, 7700 + i)
            local.emulator.add_user(7700 + i, first_name=f"U{i}")
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        await compose(officer, "Thông báo dài", ["Hội viên"])
        await officer.press("✅ Xác nhận")
        await eventually(lambda: any("⏸ Tạm dừng" in m.buttons for m in officer.messages))
        progress_message = next(m for m in officer.messages if "⏸ Tạm dừng" in m.buttons)
        await officer.press("⏸ Tạm dừng", message_id=progress_message.message_id)
        await eventually(lambda: get_status(local, 1, "paused"))
        await asyncio.sleep(0.5)  # the one message in flight may still land
        paused_at = (await progress(db, 1)).sent
        await asyncio.sleep(1.0)
        assert (await progress(db, 1)).sent == paused_at  # nothing goes out while paused
        assert paused_at < 30
        shown = next(m for m in officer.messages if m.message_id == progress_message.message_id)
        await eventually(lambda: shown.buttons == ["▶️ Tiếp tục", "✖️ Huỷ"])

        await officer.press("▶️ Tiếp tục", message_id=progress_message.message_id)
        await eventually(lambda: sent_more_than(local, 1, paused_at))
        await officer.press("✖️ Huỷ", message_id=progress_message.message_id)
        await eventually(lambda: finished(local, 1))
        await eventually(lambda: (officer.messages[-1].text or "").startswith("📋"))
        figures = await progress(db, 1)
        assert figures.sent < 30 and figures.pending == 30 - figures.sent
        await asyncio.sleep(0.6)
        assert (await progress(db, 1)).sent == figures.sent  # cancelled means stopped
        report = officer.messages[-1].text or ""
        assert report.startswith("📋 Báo cáo gửi thông báo số 1 (✖️ đã huỷ)")
        assert f"Chưa gửi: {figures.pending}" in report

        # A citizen cannot press an officer's button.
        citizen = Chat(local, 7700)
        await citizen.send("/start")
        await citizen.press_data("bcc:1:resume", citizen.last.message_id)
        assert citizen.toasts()[-1] == "Chức năng này chỉ dành cho cán bộ Hội."


async def get_status(local: LocalBot, broadcast_id: int, status: str) -> bool:
    broadcast = await get_broadcast(local.runtime.db, broadcast_id)
    return broadcast is not None and broadcast.status == status


async def sent_more_than(local: LocalBot, broadcast_id: int, count: int) -> bool:
    return (await progress(local.runtime.db, broadcast_id)).sent > count


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """A Vietnam local time in October 2026, as UTC."""
    return datetime(2026, 10, day, hour, minute, tzinfo=VN).astimezone(UTC)


async def test_quiet_hours_defer_a_scheduled_send(settings: Settings) -> None:
    clock = FakeClock(vn(2, 22))
    async with running(settings, clock) as local:
        db = local.runtime.db
        chat = Chat(local, 7801)
        await seed_member(db, chat.user_id)
        await create_broadcast(db, BroadcastDraft("Tin buổi tối", "all", clock()), clock())
        local.runtime.engine.wake()
        await asyncio.sleep(0.8)
        assert received(chat, "Tin buổi tối") == []
        broadcast = await get_broadcast(db, 1)
        assert broadcast is not None and broadcast.status == "scheduled"

        clock.moment = vn(3, 7, 1)
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1))
        assert received(chat, "Tin buổi tối") == ["Tin buổi tối"]


async def test_send_now_at_night_asks_first(settings: Settings) -> None:
    clock = FakeClock(vn(2, 23))
    async with running(settings, clock) as local:
        chat = Chat(local, 7811)
        await seed_member(local.runtime.db, chat.user_id)
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        replies = await compose(officer, "Tin khẩn trong đêm", ["Tất cả"])
        assert (
            "Bây giờ là giờ nghỉ đêm (21:00-07:00), mọi người có thể đang ngủ. Vẫn gửi chứ?"
            in replies[-1]
        )
        await officer.press("✅ Vẫn gửi")
        await eventually(lambda: finished(local, 1))
        assert received(chat, "Tin khẩn trong đêm") == ["Tin khẩn trong đêm"]


async def test_a_scheduled_broadcast_fires_at_its_time(settings: Settings) -> None:
    clock = FakeClock(vn(2, 9))
    async with running(settings, clock) as local:
        chat = Chat(local, 7901)
        await seed_member(local.runtime.db, chat.user_id)
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        replies = await compose(officer, "Lễ tuyên dương", ["Hội viên"], when="02/10/2026 10:00")
        assert "vào lúc 10:00 02/10/2026" in replies[-1]
        confirmed = await officer.press("✅ Xác nhận")
        assert confirmed == [
            "🕒 Thông báo số 1 đã được hẹn gửi lúc 10:00 02/10/2026."
            " Gõ /broadcasts để xem danh sách."
        ]
        local.runtime.engine.wake()
        await asyncio.sleep(0.5)
        assert received(chat, "Lễ tuyên dương") == []
        listing = await officer.send("/broadcasts")
        assert listing[0].startswith("Số 1 · 🕒 đã hẹn giờ · 10:00 02/10/2026")

        clock.moment = vn(2, 10)
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1))
        assert received(chat, "Lễ tuyên dương") == ["Lễ tuyên dương"]


async def test_moving_and_cancelling_a_scheduled_broadcast(settings: Settings) -> None:
    clock = FakeClock(vn(2, 9))
    async with running(settings, clock) as local:
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        await compose(officer, "Tin hẹn giờ", ["Tất cả"], when="02/10/2026 10:00")
        await officer.press("✅ Xác nhận")
        await officer.send("/broadcasts")
        await officer.press("🕒 Đổi giờ")
        assert await officer.send("03/10/2026 08:15") == [
            "🕒 Thông báo số 1 sẽ được gửi lúc 08:15 03/10/2026."
        ]
        broadcast = await get_broadcast(local.runtime.db, 1)
        assert broadcast is not None and broadcast.scheduled_at == vn(3, 8, 15)
        # Starting a move and thinking better of it cancels the move, not the announcement.
        await officer.send("/broadcasts")
        await officer.press("🕒 Đổi giờ")
        assert await officer.send("/cancel") == [
            "Đã thôi đổi giờ: thông báo #1 vẫn giữ giờ gửi cũ."
        ]
        assert await get_status(local, 1, "scheduled")
        await officer.send("/broadcasts")
        await officer.press("✖️ Huỷ")
        assert await get_status(local, 1, "cancelled")


async def test_a_restart_rearms_the_schedule(settings: Settings) -> None:
    clock = FakeClock(vn(2, 9))
    emulator = BotApiEmulator(token=LOCAL_TOKEN)
    await emulator.start()
    try:
        async with running(settings, clock, emulator=emulator) as local:
            await seed_member(local.runtime.db, 8001)
            member = Chat(local, 8001)
            officer = Chat(local, ADMIN_ID)
            await officer.send("/start")
            await compose(officer, "Tin sau khởi động", ["Tất cả"], when="02/10/2026 10:00")
            await officer.press("✅ Xác nhận")
            await compose(officer, "Tin quá hạn", ["Tất cả"], when="02/10/2026 09:30")
            await officer.press("✅ Xác nhận")
            assert {job.name for job in local.app.job_queue.jobs()} >= {
                "broadcast-1",
                "broadcast-2",
            }

        # Down from 9:00 until 10:30: the 10:00 one is half an hour late, within the limit;
        # the 9:30 one an hour late, beyond it.
        clock.moment = vn(2, 10, 30)
        late_limit = timedelta(minutes=45)
        async with running(
            settings, clock, emulator=emulator, broadcast_late_limit=late_limit
        ) as local:
            await eventually(lambda: finished(local, 1))
            await eventually(lambda: finished(local, 2))
            assert await get_status(local, 1, "done")
            assert await get_status(local, 2, "missed")
            assert received(member, "Tin sau khởi động") == ["Tin sau khởi động"]
            assert received(member, "Tin quá hạn") == []
            await eventually(lambda: any((m.text or "").startswith("⚠️") for m in officer.messages))
            warning = next(m.text or "" for m in officer.messages if (m.text or "").startswith("⚠️"))
            assert "Thông báo số 2, hẹn gửi lúc 09:30 02/10/2026, đã không được gửi" in warning
    finally:
        await emulator.stop()


async def test_the_calendar_sends_the_right_message_on_2_october(
    settings: Settings, tmp_path: Path
) -> None:
    clock = FakeClock(vn(2, 7, 0))
    async with running(settings, clock) as local:
        db = local.runtime.db
        chat = Chat(local, 8101)
        await seed_member(db, chat.user_id)
        calendar = load_calendar(Path("locales/campaign/2026.toml"), local.runtime.settings)
        results = await schedule_calendar(db, local.runtime.settings, calendar, clock())
        assert [what for _, _, what in results].count("past") == 1  # 1 October is over
        again = await schedule_calendar(db, local.runtime.settings, calendar, clock())
        assert {what for _, _, what in again} == {"past", "kept"}  # nothing twice
        count = await db.fetchone("SELECT COUNT(*) FROM broadcasts")
        assert count is not None and count[0] == len(calendar.entries) - 1

        clock.moment = vn(2, 7, 31)
        local.runtime.engine.wake()
        day = next(
            b
            for _, b, _ in results
            if b and b.campaign_key and "study-promotion-day" in b.campaign_key
        )
        await eventually(lambda: finished(local, day.id))
        texts = [m.text or "" for m in chat.messages]
        assert len(texts) == 1
        assert texts[0].startswith("📚 02/10 – Ngày Khuyến học Việt Nam.")
        assert chat.last.buttons == ["💝 Ủng hộ quỹ khuyến học", STOP_BUTTON]
        opened = await db.fetchone("SELECT COUNT(*) FROM broadcasts WHERE status != 'scheduled'")
        assert opened is not None and opened[0] == 1  # nothing else went out

        officer = Chat(local, ADMIN_ID)
        calendar_view = (await officer.send("/campaign"))[0]
        assert calendar_view.startswith("📅 Lịch tuyên truyền:")

        # Editing the file moves an entry; taking one out cancels it; nothing is doubled.
        text = SHIPPED_CALENDAR
        edited = text.replace("at = 2026-10-14T08:00:00", "at = 2026-10-14T09:30:00")
        closing = edited.index('key = "month-closing"')
        edited = edited[: edited.rindex("[[entry]]", 0, closing)]
        changed = tmp_path / "2026.toml"
        changed.write_text(edited, encoding="utf-8")
        reloaded = load_calendar(changed, local.runtime.settings)
        outcome = {
            e.key: what
            for e, _, what in await schedule_calendar(db, local.runtime.settings, reloaded, clock())
        }
        assert outcome["founding-day"] == "updated"
        assert outcome["study-promotion-day"] == "kept"  # already sent
        founding = await db.fetchone(
            "SELECT scheduled_at FROM broadcasts WHERE campaign_key = '2026/founding-day'"
        )
        assert founding is not None and founding[0] == "2026-10-14 02:30:00"
        closing_row = await db.fetchone(
            "SELECT status FROM broadcasts WHERE campaign_key = '2026/month-closing'"
        )
        assert closing_row is not None and closing_row[0] == "cancelled"
        assert "07:30 02/10/2026 · study-promotion-day · ✅ đã gửi xong" in calendar_view


async def test_a_photo_is_uploaded_once_then_sent_by_file_id(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    photo = tmp_path / "poster.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2048)
    async with running(settings, clock) as local:
        db = local.runtime.db
        chats = [Chat(local, 8201 + i) for i in range(4)]
        for chat in chats:
            await seed_member(db, chat.user_id)
        draft = BroadcastDraft(
            "Áp phích Tháng khuyến học", "members", clock(), photo=f"file:{photo}", action="join"
        )
        await create_broadcast(db, draft, clock())
        local.runtime.engine.wake()
        await eventually(lambda: finished(local, 1))
        for chat in chats:
            got = chat.last
            assert got.kind == "photo"
            assert got.text == "Áp phích Tháng khuyến học"  # the caption
            assert got.buttons == ["📝 Tham gia Hội Khuyến học", STOP_BUTTON]
        assert len([r for r in local.emulator.requests if r[1] == "sendPhoto"]) == 4
        assert len(local.emulator._files) == 1  # one upload; the others reused its file_id
        stored = await get_broadcast(db, 1)
        assert stored is not None and stored.photo and not stored.photo.startswith("file:")


async def test_editing_the_audience_and_a_category_segment(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings, clock) as local:
        db = local.runtime.db
        teacher, parent = Chat(local, 8301), Chat(local, 8302)
        await seed_member(db, teacher.user_id, category="teacher")
        await seed_member(db, parent.user_id, category="parent")
        officer = Chat(local, ADMIN_ID)
        await officer.send("/start")
        replies = await compose(officer, "Gặp mặt thầy cô", ["Tất cả"])
        assert "Thông báo sẽ gửi tới 3 người nhận (tất cả người nhận thông báo)" in replies[-1]
        await officer.press("✏️ Sửa")
        await officer.press("Người nhận")
        await officer.press("Một nhóm đối tượng")
        replies = await officer.press("Giáo viên")
        assert replies[0] == "Xem trước: người nhận sẽ thấy đúng như sau."
        assert (
            "Thông báo sẽ gửi tới 1 người nhận (hội viên thuộc đối tượng: Giáo viên)" in replies[-1]
        )
        await officer.press("✅ Xác nhận")
        await eventually(lambda: finished(local, 1))
        assert received(teacher, "Gặp mặt thầy cô") == ["Gặp mặt thầy cô"]
        assert received(parent, "Gặp mặt thầy cô") == []
