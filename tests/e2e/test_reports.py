"""Officers' /report and /stats through the emulator: the files they receive, and their scope."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from PIL import Image
from telegram.ext import CommandHandler

from bot.devtools.emulator import SentMessage
from bot.devtools.local import LocalBot
from handlers.reports import report_handlers
from handlers.start import unknown_command
from tests.conftest import ADMIN_ID
from tests.support import AUDIT, Chat, person
from tests.unit.test_report import (
    HONG_BANG,
    NGO_QUYEN,
    VI_SHEETS,
    expected_report,
    rows_of,
    seed,
    summary_of,
)

OFFICERS_ONLY = "Chức năng này chỉ dành cho cán bộ Hội."
WARD_OFFICER = 7001
MONTH_VI = "01/10/2026 – 31/10/2026"


@pytest.fixture
async def bot(local: LocalBot) -> LocalBot:
    """The bot with the seeded figures, and /report registered before the fallbacks if the
    application does not register it yet."""
    app = local.app
    group = app.handlers.get(0, [])
    if not any(isinstance(h, CommandHandler) and "report" in h.commands for h in group):
        fallback = next(
            i for i, h in enumerate(group) if getattr(h, "callback", None) is unknown_command
        )
        tail = group[fallback:]
        for handler in tail:
            app.remove_handler(handler)
        for handler in [*report_handlers(), *tail]:
            app.add_handler(handler)
    await seed(local.runtime.db)
    return local


async def grant_ward_officer(local: LocalBot, user: int, ward: int, name: str) -> None:
    await local.runtime.db.execute(
        "INSERT INTO officers (person_id, added_by, added_at, role, ward_code, ward_name)"
        " VALUES (?, 'test', '2026-09-01 00:00:00', 'officer', ?, ?)",
        (await person(local.runtime.db, user), ward, name),
    )


def dots(amount: int) -> str:
    """12345678 -> '12.345.678', as Vietnamese write numbers."""
    return f"{amount:,}".replace(",", ".")


def sent_file(local: LocalBot, message: SentMessage) -> bytes:
    media = message.raw["document"] if message.kind == "document" else message.raw["photo"][-1]
    content = local.emulator.file_content(media["file_id"])
    assert content is not None
    return content


def workbook_of(local: LocalBot, chat: Chat) -> Any:
    (document,) = [m for m in chat.messages if m.kind == "document"][-1:]
    return openpyxl.load_workbook(io.BytesIO(sent_file(local, document)))


async def audit_rows(local: LocalBot) -> list[tuple[Any, ...]]:
    rows = await local.runtime.db.fetchall(
        f"SELECT actor, action, outcome, target, detail FROM {AUDIT} ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def test_an_admin_gets_the_workbook_and_the_chart(bot: LocalBot) -> None:
    want = await expected_report(bot.runtime.db, None)
    admin = Chat(bot, ADMIN_ID)
    await admin.send("/report")
    waiting, document, photo = admin.messages[-3:]
    assert waiting.text == f"⏳ Đang lập báo cáo Hải Phòng, {MONTH_VI}…"
    count, pledged, received = want["pledges"]
    assert document.kind == "document"
    assert document.file_name == "bao-cao-2026-10-01-2026-10-31.xlsx"
    assert (document.text or "").replace("\xa0", " ") == (
        f"📊 Báo cáo Hải Phòng, {MONTH_VI}: {want['members_new']} hội viên mới, {count} khoản"
        f" ủng hộ, đăng ký {dots(pledged)} ₫, đã nhận {dots(received)} ₫."
    )

    book = openpyxl.load_workbook(io.BytesIO(sent_file(bot, document)))
    assert book.sheetnames == VI_SHEETS
    figures = summary_of(book["Tổng hợp"])
    assert figures["Hội viên mới trong kỳ"] == want["members_new"]
    assert figures["Tổng số hội viên đến cuối kỳ"] == want["members_total"]
    assert figures["Số tiền đăng ký"] == pledged
    assert figures["Số tiền đã nhận"] == received
    wards = rows_of(book["Hội viên theo xã, phường"])
    assert {r[0] for r in wards[:-1]} == {NGO_QUYEN, HONG_BANG, 10660}

    assert photo.kind == "photo"
    assert photo.text == "📈 Số tiền đăng ký và đã nhận theo tuần; hội viên theo xã, phường."
    image = Image.open(io.BytesIO(sent_file(bot, photo)))
    assert image.format == "PNG" and image.width >= 800

    assert await audit_rows(bot) == [
        (ADMIN_ID, "report.export", "ok", None, "2026-10-01..2026-10-31")
    ]


async def test_a_chosen_period_and_dates_that_are_wrong(bot: LocalBot) -> None:
    admin = Chat(bot, ADMIN_ID)
    await admin.send("/report 08/10/2026 2026-10-14")
    assert admin.replies()[0] == "⏳ Đang lập báo cáo Hải Phòng, 08/10/2026 – 14/10/2026…"
    weeks = rows_of(workbook_of(bot, admin)["Ủng hộ theo tuần"])
    assert [r[0] for r in weeks] == [1, "Tổng cộng"]

    example = "Ví dụ: /report 2026-10-01 2026-10-31, hoặc /report 01/10/2026 31/10/2026."
    assert await admin.send("/report 31/10") == [f"“31/10” không phải là ngày hợp lệ.\n{example}"]
    assert await admin.send("/report 2026-10-31 2026-10-01") == [
        f"Ngày bắt đầu không được sau ngày kết thúc.\n{example}"
    ]
    assert len([m for m in admin.messages if m.kind == "document"]) == 1
    assert len(await audit_rows(bot)) == 1


async def test_a_citizen_is_refused(bot: LocalBot) -> None:
    citizen = Chat(bot, 6001)
    assert await citizen.send("/report") == [OFFICERS_ONLY]
    assert await citizen.send("/stats") == [OFFICERS_ONLY]
    assert not [m for m in citizen.messages if m.kind != "text"]
    assert [(a, act, outcome) for a, act, outcome, *_ in await audit_rows(bot)] == [
        (6001, "report", "refused"),
        (6001, "stats", "refused"),
    ]


async def test_a_ward_officer_sees_only_their_ward(bot: LocalBot) -> None:
    await grant_ward_officer(bot, WARD_OFFICER, NGO_QUYEN, "Phường Ngô Quyền")
    want = await expected_report(bot.runtime.db, NGO_QUYEN)
    officer = Chat(bot, WARD_OFFICER)
    await officer.send("/report")
    assert officer.replies()[0] == f"⏳ Đang lập báo cáo Phường Ngô Quyền, {MONTH_VI}…"
    document = next(m for m in officer.messages if m.kind == "document")
    assert document.file_name == f"bao-cao-2026-10-01-2026-10-31-{NGO_QUYEN}.xlsx"
    book = workbook_of(bot, officer)
    figures = summary_of(book["Tổng hợp"])
    assert book["Tổng hợp"]["A1"].value == "Báo cáo khuyến học, khuyến tài: Phường Ngô Quyền"
    assert figures["Hội viên mới trong kỳ"] == want["members_new"]
    assert figures["Số tiền đăng ký"] == want["pledges"][1]
    assert [r[:2] for r in rows_of(book["Hội viên theo xã, phường"])] == [
        (NGO_QUYEN, "Phường Ngô Quyền"),
        (None, "Tổng cộng"),
    ]
    assert {r[0] for r in rows_of(book["Ủng hộ theo xã, phường"])} == {NGO_QUYEN, None}
    assert {r[0] for r in rows_of(book["Mô hình học tập"])} == {NGO_QUYEN, None}
    assert [r[0] for r in rows_of(book["Thông báo"])] == [2, 4, None]
    assert (await audit_rows(bot))[-1] == (
        WARD_OFFICER,
        "report.export",
        "ok",
        f"ward:{NGO_QUYEN}",
        "2026-10-01..2026-10-31",
    )

    await officer.send("/stats")
    text = officer.reply_text()
    members = await bot.runtime.db.fetchone(
        "SELECT COUNT(*) FROM members WHERE ward_code = ?", (NGO_QUYEN,)
    )
    assert members is not None and members[0] > want["members_total"]  # some joined after
    assert text.startswith(
        f"📍 Số liệu riêng của Phường Ngô Quyền.\n\n📊 Hội viên: tổng số {members[0]},"
    )
    assert "Thông báo gần nhất (31/10/2026): đã đến 9/20 người" in text


async def test_stats_for_the_admin(bot: LocalBot) -> None:
    db = bot.runtime.db
    admin = Chat(bot, ADMIN_ID)
    await admin.send("/stats")
    text = admin.reply_text().replace("\xa0", " ")
    total = (await db.fetchone("SELECT COUNT(*) FROM members"))[0]  # type: ignore[index]
    # The clock says 2 October, 09:00 in Hải Phòng.
    month = (
        await db.fetchone(  # type: ignore[index]
            "SELECT COUNT(*) FROM members WHERE created_at >= '2026-09-30 17:00:00'"
            " AND created_at < '2026-10-02 17:00:00'"
        )
    )[0]
    assert text.startswith(f"📊 Hội viên: tổng số {total}, tháng này thêm {month}, hôm nay thêm 0.")
    count, pledged, received, pending = tuple(
        await db.fetchone(  # type: ignore[arg-type]
            "SELECT COUNT(*), SUM(amount), SUM(received_amount), SUM(status = 'pending')"
            " FROM pledges WHERE status IN ('pending', 'received')"
        )
    )
    assert (
        f"💝 Ủng hộ: {count} khoản, đăng ký {dots(pledged)} ₫, đã nhận {dots(received)} ₫;"
        f" {pending} khoản đang chờ." in text
    )
    assert "📣 Người đang nhận thông báo: " in text
    assert "Qua đường link và áp phích:\n• poster1: " in text
