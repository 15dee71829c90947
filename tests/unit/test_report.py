"""Officers' figures: the report and /stats against plain SQL over the raw tables, the workbook
and the chart, the period typed by an officer, and the command line."""

from __future__ import annotations

import argparse
import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from PIL import Image

from bot.cli.report import report_command
from bot.i18n import gettext_for
from bot.report import (
    MONEY_FORMAT,
    PeriodError,
    ReportInfo,
    build_chart,
    build_workbook,
    parse_day,
    parse_period,
    utc_bounds,
)
from bot.settings import Settings
from handlers.officers import stats_message, stats_text
from handlers.reports import LABELS
from storage import Database
from storage.reports import live_stats, rebuild_tally, report_data

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NGO_QUYEN, HONG_BANG, AI_QUOC = 11341, 11311, 10660
WARDS = {NGO_QUYEN: "Phường Ngô Quyền", HONG_BANG: "Phường Hồng Bàng", AI_QUOC: "Phường Ái Quốc"}
CODES = list(WARDS)
CATEGORIES = ("party_member", "teacher", "pupil", "parent", "worker", "retired", "other")
# Moments around the Month (local dates in comments): before, on both edges, after.
MOMENTS = [
    datetime(2026, 9, 20, 3, 0, tzinfo=UTC),  # 20/9: before
    datetime(2026, 9, 30, 17, 30, tzinfo=UTC),  # 1/10 00:30: the first minutes
    datetime(2026, 10, 8, 2, 0, tzinfo=UTC),  # 8/10: the second week
    datetime(2026, 10, 15, 9, 0, tzinfo=UTC),  # 15/10
    datetime(2026, 10, 31, 16, 30, tzinfo=UTC),  # 31/10 23:30: the last minutes
    datetime(2026, 10, 31, 17, 10, tzinfo=UTC),  # 1/11 00:10: after
    datetime(2026, 11, 5, 3, 0, tzinfo=UTC),  # 5/11: after
]
START, END = utc_bounds(date(2026, 10, 1), date(2026, 10, 31), TZ)


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


async def seed(db: Database) -> None:
    """Members, pledges, learning models, users and announcements of every kind, written
    straight into the tables (the triggers keep the tally as the bot's own writes would)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO consents (id, person_id, purpose, notice_version, granted, created_at)"
            " VALUES (1, NULL, 'membership', 'test', 1, '2026-09-01 00:00:00')"
        )
        for i in range(1, 141):
            erased = i % 11 == 0
            ward = CODES[i % 3]
            at = db_time(MOMENTS[i % len(MOMENTS)])
            source = "w11341" if i % 4 == 0 else "poster1" if i % 4 == 1 else None
            user = 5000 + i
            await conn.execute(
                "INSERT INTO users (person_id, language, first_seen_at, last_seen_at, subscribed,"
                " reachable) VALUES (?, 'vi', ?, ?, ?, ?)",
                (user, at, at, int(i % 5 != 0), int(i % 6 != 0)),
            )
            await conn.execute(
                "INSERT INTO members (id, member_no, person_id, full_name, phone, birth_year,"
                " ward_code, ward_name, category, consent_id, source, created_at, updated_at,"
                " erased_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    i,
                    f"HP-2026-{i:06d}",
                    None if erased else user,
                    None if erased else f"Hội viên {i}",
                    None if erased else f"+8491{i:07d}",
                    None if erased else 1980,
                    ward,
                    WARDS[ward],
                    CATEGORIES[(i * 3 + i // 7) % 7],
                    None if erased else 1,
                    source,
                    at,
                    at,
                    at if erased else None,
                ),
            )
        for j in range(1, 181):
            kind = ("city", "ward", "school", "clan")[j % 4]
            status = ("pending", "received", "received", "rejected", "cancelled")[j % 5]
            amount = 100_000 * (1 + j % 7)
            received = (amount - 50_000 if j % 3 == 0 else amount) if status == "received" else 0
            at = db_time(MOMENTS[(j * 2) % len(MOMENTS)])
            ward = CODES[j % 3] if kind == "ward" else None
            await conn.execute(
                "INSERT INTO pledges (reference, campaign_year, person_id, member_id,"
                " donor_name, fund_kind, fund_ward_code, fund_name, purpose, amount, method,"
                " public_name, status, received_amount, source, created_at, updated_at)"
                " VALUES (?, 2026, ?, ?, ?, ?, ?, ?, ?, ?, 'transfer', 1, ?, ?, ?, ?, ?)",
                (
                    f"KH2026 P{j:06d}",
                    5000 + j % 140 + 1,
                    j % 140 + 1,
                    f"Người {j}",
                    kind,
                    ward,
                    WARDS[ward] if ward else None if kind == "city" else f"Trường {j % 2}",
                    ("hardship", "remote", "awards", "general")[j % 4],
                    amount,
                    status,
                    received,
                    "poster1" if j % 3 == 0 else "w11311" if j % 3 == 1 else None,
                    at,
                    at,
                ),
            )
        for k in range(1, 41):
            at = db_time(MOMENTS[k % len(MOMENTS)])
            ward = CODES[k % 3]
            await conn.execute(
                "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
                " contact_phone, size, period, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'Chị Lan', '+84912000111', 5, '2026-2027', ?, ?, ?)",
                (
                    ("family", "clan", "community", "unit")[k % 4],
                    f"Mô hình {k}",
                    ward,
                    WARDS[ward],
                    ("submitted", "approved", "changes_requested", "withdrawn", "approved")[k % 5],
                    at,
                    at,
                ),
            )
        broadcasts = [
            (1, "all", "done", MOMENTS[2], range(5001, 5061)),
            (2, f"ward:{NGO_QUYEN}", "done", MOMENTS[3], range(5001, 5031)),
            (3, f"ward:{HONG_BANG}", "done", MOMENTS[0], range(5001, 5011)),
            (4, f"ward:{NGO_QUYEN}", "sending", MOMENTS[4], range(5001, 5021)),
        ]
        for number, segment, status, at, users in broadcasts:
            await conn.execute(
                "INSERT INTO broadcasts (id, source, status, text_vi, segment, scheduled_at,"
                " created_at, started_at, total) VALUES (?, 'cli', ?, 'Tin', ?, ?, ?, ?, ?)",
                (number, status, segment, db_time(at), db_time(at), db_time(at), len(users)),
            )
            for user in users:
                outcome = ("sent", "sent", "sent", "unreachable", "failed", "pending")[user % 6]
                await conn.execute(
                    "INSERT INTO deliveries (broadcast_id, person_id, language, status)"
                    " VALUES (?, ?, 'vi', ?)",
                    (number, user, outcome),
                )
        # Not started yet, and after the Month: in no report of October, and never "last".
        await conn.execute(
            "INSERT INTO broadcasts (id, source, status, text_vi, segment, scheduled_at,"
            " created_at) VALUES (5, 'cli', 'scheduled', 'Tin', 'all', ?, ?)",
            (db_time(MOMENTS[6]), db_time(MOMENTS[6])),
        )


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed(db)
    return db


# --- the plain SQL the report must agree with -----------------------------------------------


def scope(column: str, ward: int | None) -> str:
    return f" AND {column} = {int(ward)}" if ward is not None else ""


async def plain(db: Database, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await db.fetchall(sql)]


async def expected_report(db: Database, ward: int | None) -> dict[str, Any]:
    s, e = db_time(START), db_time(END)
    m, p = scope("ward_code", ward), scope("fund_ward_code", ward)
    counted = f"created_at >= '{s}' AND created_at < '{e}' AND status IN ('pending', 'received')"
    weeks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for created, amount, received in await plain(
        db, f"SELECT created_at, amount, received_amount FROM pledges WHERE {counted}{p}"
    ):
        local_day = datetime.fromisoformat(created).replace(tzinfo=UTC).astimezone(TZ).date()
        week = weeks[(local_day - date(2026, 10, 1)).days // 7]
        week[0] += 1
        week[1] += amount
        week[2] += received
    segment = f" AND segment = 'ward:{ward}'" if ward is not None else ""
    return {
        "members_new": (
            await plain(
                db,
                f"SELECT COUNT(*) FROM members WHERE created_at >= '{s}' AND created_at < '{e}'{m}",
            )
        )[0][0],
        "members_total": (
            await plain(db, f"SELECT COUNT(*) FROM members WHERE created_at < '{e}'{m}")
        )[0][0],
        "members_by_ward": set(
            await plain(
                db,
                f"SELECT ward_code, SUM(created_at >= '{s}'), COUNT(*) FROM members"
                f" WHERE created_at < '{e}'{m} GROUP BY ward_code",
            )
        ),
        "members_by_category": set(
            await plain(
                db,
                f"SELECT category, SUM(created_at >= '{s}'), COUNT(*) FROM members"
                f" WHERE created_at < '{e}'{m} GROUP BY category",
            )
        ),
        "pledges": (
            await plain(
                db,
                "SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(received_amount), 0)"
                f" FROM pledges WHERE {counted}{p}",
            )
        )[0],
        **{
            f"pledges_by_{name}": set(
                await plain(
                    db,
                    f"SELECT {column}, COUNT(*), SUM(amount), SUM(received_amount) FROM pledges"
                    f" WHERE {counted}{p} GROUP BY {column}",
                )
            )
            for name, column in (
                ("fund", "fund_kind"),
                ("purpose", "purpose"),
                ("ward", "fund_ward_code"),
                ("source", "source"),
            )
        },
        "pledges_by_week": {(w, *v) for w, v in weeks.items()},
        "models": set(
            await plain(
                db,
                "SELECT ward_code, kind, status, COUNT(*) FROM learning_models"
                f" WHERE created_at >= '{s}' AND created_at < '{e}'{m}"
                " GROUP BY ward_code, kind, status",
            )
        ),
        "broadcasts": set(
            await plain(
                db,
                "SELECT b.id, (SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id),"
                " (SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id"
                " AND d.status = 'sent'),"
                " (SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id"
                " AND d.status = 'unreachable'),"
                " (SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id"
                " AND d.status = 'failed')"
                f" FROM broadcasts b WHERE started_at >= '{s}' AND started_at < '{e}'{segment}",
            )
        ),
        "subscribers": (
            await plain(
                db,
                "SELECT COUNT(*) FROM users WHERE subscribed = 1 AND reachable = 1"
                if ward is None
                else "SELECT COUNT(*) FROM users WHERE subscribed = 1 AND reachable = 1"
                f" AND person_id IN (SELECT person_id FROM members WHERE ward_code = {ward})",
            )
        )[0][0],
    }


@pytest.mark.parametrize("ward", [None, NGO_QUYEN, HONG_BANG])
async def test_the_report_equals_plain_sql(seeded: Database, ward: int | None) -> None:
    db = seeded
    want = await expected_report(db, ward)
    data = await report_data(db, ward, START, END)

    assert data.members_new == want["members_new"] > 0
    assert data.members_total == want["members_total"] > data.members_new
    assert {(g.key, g.new, g.total) for g in data.members_by_ward} == want["members_by_ward"]
    assert {g.name for g in data.members_by_ward} <= set(WARDS.values())
    assert {(g.key, g.new, g.total) for g in data.members_by_category} == want[
        "members_by_category"
    ]
    totals = data.pledges
    assert (totals.count, totals.pledged, totals.received) == want["pledges"]
    assert totals.count > 0 and totals.received < totals.pledged
    for name in ("fund", "purpose", "ward", "source", "week"):
        groups = getattr(data, f"pledges_by_{name}")
        assert {(g.key, g.count, g.pledged, g.received) for g in groups} == want[
            f"pledges_by_{name}"
        ], name
    assert {
        (g.ward_code, g.kind, status, n) for g in data.models for status, n in g.by_status.items()
    } == want["models"]
    assert {
        (b.broadcast_id, b.recipients, b.sent, b.unreachable, b.failed) for b in data.broadcasts
    } == want["broadcasts"]
    assert data.subscribers == want["subscribers"]
    if ward is not None:
        assert {g.key for g in data.members_by_ward} == {ward}
        assert {g.key for g in data.pledges_by_ward} == {ward}
        assert {g.ward_code for g in data.models} <= {ward}


async def test_erased_members_and_closed_pledges(seeded: Database) -> None:
    db = seeded
    data = await report_data(db, None, START, END)
    erased = await plain(
        db,
        "SELECT COUNT(*) FROM members WHERE erased_at IS NOT NULL"
        f" AND created_at < '{db_time(END)}'",
    )
    assert erased[0][0] > 0  # they are in the totals compared above
    everything = await plain(
        db,
        f"SELECT COUNT(*) FROM pledges WHERE created_at >= '{db_time(START)}'"
        f" AND created_at < '{db_time(END)}'",
    )
    assert data.pledges.count < everything[0][0]  # rejected and cancelled ones are left out
    assert {b.broadcast_id for b in data.broadcasts} == {1, 2, 4}


# --- the workbook and the chart -------------------------------------------------------------


def info_for(lang: str, area: str = "Hải Phòng") -> ReportInfo:
    return ReportInfo(
        gettext=gettext_for(lang),
        lang=lang,
        tz=TZ,
        labels=LABELS,
        province_code=31,
        area=area,
        first_day=date(2026, 10, 1),
        last_day=date(2026, 10, 31),
        made_at=datetime(2026, 11, 2, 3, 0, tzinfo=UTC),
    )


def wall(*fields: int) -> datetime:
    """A local wall time, as a spreadsheet cell holds it (without tzinfo)."""
    return datetime(*fields, tzinfo=TZ).replace(tzinfo=None)  # type: ignore[misc]


def rows_of(sheet: Any) -> list[tuple[Any, ...]]:
    """A table's rows below its heading, the total row last."""
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def summary_of(sheet: Any) -> dict[str, Any]:
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=6, values_only=True)}


VI_SHEETS = [
    "Tổng hợp",
    "Hội viên theo xã, phường",
    "Hội viên theo đối tượng",
    "Ủng hộ theo quỹ",
    "Ủng hộ theo mục đích",
    "Ủng hộ theo xã, phường",
    "Ủng hộ theo nguồn",
    "Ủng hộ theo tuần",
    "Mô hình học tập",
    "Thông báo",
]


async def test_the_workbook_in_vietnamese(seeded: Database) -> None:
    want = await expected_report(seeded, None)
    data = await report_data(seeded, None, START, END)
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(data, info_for("vi"))))
    assert book.sheetnames == VI_SHEETS

    summary = book["Tổng hợp"]
    assert summary["A1"].value == "Báo cáo khuyến học, khuyến tài: Hải Phòng"
    assert summary["B2"].value == "01/10/2026 – 31/10/2026"
    assert summary["B3"].value == wall(2026, 11, 2, 10, 0)  # local time
    figures = summary_of(summary)
    count, pledged, received = want["pledges"]
    assert figures["Hội viên mới trong kỳ"] == want["members_new"]
    assert figures["Tổng số hội viên đến cuối kỳ"] == want["members_total"]
    assert figures["Số khoản ủng hộ đăng ký trong kỳ (đang chờ hoặc đã nhận)"] == count
    assert figures["Số tiền đăng ký"] == pledged
    assert figures["Số tiền đã nhận"] == received
    assert figures["Tỷ lệ đã nhận"] == pytest.approx(received / pledged)
    assert figures["Người đang nhận thông báo (hiện tại)"] == want["subscribers"]
    money_cell = next(c for c in summary["A"] if c.value == "Số tiền đăng ký")
    amount = summary.cell(row=money_cell.row, column=2)
    assert isinstance(amount.value, int) and amount.number_format == MONEY_FORMAT

    wards = rows_of(book["Hội viên theo xã, phường"])
    assert book["Hội viên theo xã, phường"]["B1"].value == "Xã, phường"
    assert {(code, new, total) for code, _name, new, total in wards[:-1]} == want["members_by_ward"]
    assert wards[-1] == (None, "Tổng cộng", want["members_new"], want["members_total"])
    categories = dict((r[0], r[2]) for r in rows_of(book["Hội viên theo đối tượng"]))
    assert categories["Giáo viên"] == next(
        total for key, _new, total in want["members_by_category"] if key == "teacher"
    )

    funds = rows_of(book["Ủng hộ theo quỹ"])
    assert funds[0][0] == "Quỹ khuyến học thành phố"
    assert funds[-1] == ("Tổng cộng", count, pledged, received)
    assert book["Ủng hộ theo quỹ"]["C2"].number_format == MONEY_FORMAT
    by_ward = rows_of(book["Ủng hộ theo xã, phường"])
    assert (None, "(quỹ thành phố, trường học và dòng họ)") in {r[:2] for r in by_ward}
    sources = {r[0]: r[1] for r in rows_of(book["Ủng hộ theo nguồn"])}
    assert sources["(không qua link)"] == next(
        n for key, n, _a, _r in want["pledges_by_source"] if key is None
    )
    weeks = rows_of(book["Ủng hộ theo tuần"])
    assert [r[0] for r in weeks[:-1]] == [1, 2, 3, 4, 5]
    assert weeks[0][1] == wall(2026, 10, 1) and weeks[4][2] == wall(2026, 10, 31)
    assert weeks[-1][3:] == (count, pledged, received)

    models = rows_of(book["Mô hình học tập"])
    assert book["Mô hình học tập"]["D1"].value == "Chờ xét duyệt"
    assert models[-1][-1] == sum(n for *_key, n in want["models"])
    assert "Gia đình học tập" in {r[2] for r in models}
    broadcasts = rows_of(book["Thông báo"])
    assert [r[0] for r in broadcasts[:-1]] == [1, 2, 4]
    assert broadcasts[0][2] == "tất cả người nhận thông báo"
    assert broadcasts[1][1] == wall(2026, 10, 15, 16, 0)  # local time


async def test_the_workbook_of_a_ward_in_english(seeded: Database) -> None:
    data = await report_data(seeded, NGO_QUYEN, START, END)
    book = openpyxl.load_workbook(
        io.BytesIO(build_workbook(data, info_for("en", "Phường Ngô Quyền")))
    )
    assert book.sheetnames[:3] == ["Summary", "Members by commune or ward", "Members by category"]
    assert book["Summary"]["A1"].value == "Study-promotion report: Phường Ngô Quyền"
    wards = rows_of(book["Members by commune or ward"])
    assert [r[:2] for r in wards] == [(NGO_QUYEN, "Phường Ngô Quyền"), (None, "Total")]
    assert [r[0] for r in rows_of(book["Announcements"])[:-1]] == [2, 4]


async def test_the_chart_is_a_png(seeded: Database) -> None:
    data = await report_data(seeded, None, START, END)
    image = Image.open(io.BytesIO(build_chart(data, info_for("vi"))))
    assert image.format == "PNG" and image.size == (1000, 1100)
    empty = await report_data(seeded, None, *utc_bounds(date(2030, 1, 1), date(2030, 1, 3), TZ))
    assert Image.open(io.BytesIO(build_chart(empty, info_for("en")))).format == "PNG"


# --- /stats ---------------------------------------------------------------------------------


MONTH = datetime(2026, 10, 1, tzinfo=TZ)
DAY = datetime(2026, 10, 15, tzinfo=TZ)


async def expected_stats(db: Database, ward: int | None) -> dict[str, Any]:
    m, p = scope("ward_code", ward), scope("fund_ward_code", ward)
    day, month, tomorrow = db_time(DAY), db_time(MONTH), db_time(DAY + timedelta(days=1))
    return {
        "by_category": dict(
            await plain(db, f"SELECT category, COUNT(*) FROM members WHERE 1 = 1{m} GROUP BY 1")
        ),
        "month": (
            await plain(
                db,
                f"SELECT COUNT(*) FROM members WHERE created_at >= '{month}'"
                f" AND created_at < '{tomorrow}'{m}",
            )
        )[0][0],
        "today": (
            await plain(
                db,
                f"SELECT COUNT(*) FROM members WHERE created_at >= '{day}'"
                f" AND created_at < '{tomorrow}'{m}",
            )
        )[0][0],
        "pledges": (
            await plain(
                db,
                "SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(received_amount), 0),"
                " COALESCE(SUM(status = 'pending'), 0) FROM pledges"
                f" WHERE status IN ('pending', 'received'){p}",
            )
        )[0],
        "sources": Counter(
            dict(
                await plain(
                    db,
                    f"SELECT source, COUNT(*) FROM members WHERE source IS NOT NULL{m} GROUP BY 1",
                )
            )
        ),
        "pledge_sources": Counter(
            dict(
                await plain(
                    db,
                    "SELECT source, COUNT(*) FROM pledges WHERE source IS NOT NULL"
                    f" AND status IN ('pending', 'received'){p} GROUP BY 1",
                )
            )
        ),
        "subscribers": (
            await plain(
                db,
                "SELECT COUNT(*) FROM users WHERE subscribed = 1 AND reachable = 1"
                + (
                    f" AND person_id IN (SELECT person_id FROM members WHERE ward_code = {ward})"
                    if ward is not None
                    else ""
                ),
            )
        )[0][0],
        "models": (
            await plain(
                db,
                "SELECT COUNT(*) FILTER (WHERE status != 'withdrawn'),"
                f" COUNT(*) FILTER (WHERE status = 'approved') FROM learning_models WHERE 1 = 1{m}",
            )
        )[0],
    }


async def check_stats(db: Database, ward: int | None) -> None:
    want = await expected_stats(db, ward)
    got = await live_stats(db, ward, month_start=MONTH, day_start=DAY, day_end=DAY + timedelta(1))
    assert got.members.by_category == want["by_category"]
    assert got.members.total == sum(want["by_category"].values())
    assert (got.members.new_this_month, got.members.new_today) == (want["month"], want["today"])
    pledges = got.pledges
    assert (pledges.count, pledges.pledged, pledges.received, pledges.pending) == want["pledges"]
    assert {s.source: s.members for s in got.sources if s.members} == dict(want["sources"])
    assert {s.source: s.pledges for s in got.sources if s.pledges} == dict(want["pledge_sources"])
    assert (got.models.registered, got.models.approved) == want["models"]
    assert got.subscribers == want["subscribers"]


@pytest.mark.parametrize("ward", [None, NGO_QUYEN, AI_QUOC])
async def test_stats_equal_plain_sql_through_every_change(
    seeded: Database, ward: int | None
) -> None:
    db = seeded
    await check_stats(db, ward)
    # The bot's own changes: a pledge received, one cancelled, one rejected; a member moves to
    # another ward and category; a member erased; rows deleted.
    await db.execute(
        "UPDATE pledges SET status = 'received', received_amount = amount - 10000 WHERE id = 5"
    )
    await db.execute(
        "UPDATE pledges SET status = 'cancelled', received_amount = 0 WHERE id IN (6, 11, 21)"
    )
    await db.execute(
        "UPDATE pledges SET status = 'rejected', received_amount = 0, source = 'poster9'"
        " WHERE id = 10"
    )
    await db.execute(
        "UPDATE members SET ward_code = ?, ward_name = ?, category = 'pupil', source = 'w10660'"
        " WHERE id IN (1, 2, 3)",
        (AI_QUOC, WARDS[AI_QUOC]),
    )
    await db.execute(
        "UPDATE members SET person_id = NULL, full_name = NULL, phone = NULL,"
        " birth_year = NULL, consent_id = NULL, erased_at = created_at WHERE id = 4"
    )
    await db.execute("UPDATE pledges SET reminders_sent = 1, amount = amount + 10000 WHERE id = 7")
    await db.execute("DELETE FROM pledges WHERE id IN (8, 9) OR member_id = 12")
    await db.execute("DELETE FROM members WHERE id = 12")
    # Users stop announcements, block the bot, come back, are erased, or arrive.
    await db.execute("UPDATE users SET subscribed = 0 WHERE person_id IN (5001, 5002)")
    await db.execute("UPDATE users SET reachable = 0 WHERE person_id = 5003")
    await db.execute("UPDATE users SET subscribed = 1 WHERE person_id IN (5005, 5010)")
    await db.execute("UPDATE users SET language = 'en', last_seen_at = '2026-10-20 00:00:00'")
    await db.execute("DELETE FROM users WHERE person_id IN (5007, 5030)")
    await db.execute(
        "INSERT INTO users (person_id, language, first_seen_at, last_seen_at)"
        " VALUES (5999, 'vi', '2026-10-20 00:00:00', '2026-10-20 00:00:00')"
    )
    await check_stats(db, ward)

    kept = await plain(db, "SELECT * FROM report_tally WHERE n != 0 ORDER BY 1, 2, 3, 4")
    await rebuild_tally(db)
    assert await plain(db, "SELECT * FROM report_tally ORDER BY 1, 2, 3, 4") == kept


async def test_stats_message(seeded: Database, settings: Settings) -> None:
    from bot.runtime import Runtime

    runtime = Runtime(settings=settings, db=seeded, clock=lambda: DAY.astimezone(UTC))
    text = await stats_message(runtime, "vi", None)
    want = await expected_stats(seeded, None)
    total = sum(want["by_category"].values())
    assert text.startswith(
        f"📊 Hội viên: tổng số {total}, tháng này thêm {want['month']},"
        f" hôm nay thêm {want['today']}.\n• Đảng viên: "
    )
    count, pledged, _received, pending = want["pledges"]
    amount = f"{pledged:,}".replace(",", ".")
    assert f"💝 Ủng hộ: {count} khoản, đăng ký {amount}\xa0₫" in text
    assert f"; {pending} khoản đang chờ." in text
    assert f"🏡 Mô hình học tập: {want['models'][0]} đăng ký" in text
    assert "Thông báo gần nhất (31/10/2026): đã đến 9/20 người, 4 không liên lạc được" in text
    assert "Còn chờ gửi: 3." in text
    assert f"• poster1: {want['sources']['poster1']} hội viên" in text
    scoped = await stats_message(runtime, "vi", NGO_QUYEN)
    assert scoped.startswith("📍 Số liệu riêng của Phường Ngô Quyền.\n\n📊 Hội viên: tổng số")
    english = await stats_message(runtime, "en", HONG_BANG, "Phường Hồng Bàng")
    assert english.startswith("📍 Figures for Phường Hồng Bàng only.")
    assert "No announcement has been sent yet." not in english  # the 20/9 one to the ward

    # Only the busiest sources are listed; the message says how many more there are.
    few = await live_stats(
        seeded, None, month_start=MONTH, day_start=DAY, day_end=DAY + timedelta(1), sources_shown=1
    )
    busiest = (want["sources"] + want["pledge_sources"]).most_common(1)[0]
    assert [(s.source, s.members + s.pledges) for s in few.sources] == [busiest]
    assert few.sources_total == len(set(want["sources"]) | set(want["pledge_sources"])) == 3
    text = stats_text(few, gettext_for("vi"), "vi", settings, None)
    assert text.endswith(
        f"• {busiest[0]}: {want['sources'][busiest[0]]} hội viên,"
        f" {want['pledge_sources'][busiest[0]]} khoản ủng hộ\n…và 2 nguồn khác."
    )


# --- the period -----------------------------------------------------------------------------


TODAY = date(2026, 10, 12)


def test_dates_as_officers_type_them() -> None:
    assert parse_day("2026-10-01") == date(2026, 10, 1)
    assert parse_day("01/10/2026") == parse_day("1/10/2026") == date(2026, 10, 1)
    assert parse_day("31.10.2026") == date(2026, 10, 31)
    for bad in ("31/02/2026", "2026/10/01", "10-01", "hôm nay", "", "1/13/2026"):
        assert parse_day(bad) is None, bad


def test_the_period() -> None:
    assert parse_period([], TODAY) == (date(2026, 10, 1), date(2026, 10, 31))
    assert parse_period(["01/10/2026", "2026-10-07"], TODAY) == (
        date(2026, 10, 1),
        date(2026, 10, 7),
    )
    assert parse_period(["2026-10-05"], TODAY) == (date(2026, 10, 5), TODAY)
    assert parse_period(["2026-12-05"], TODAY) == (date(2026, 12, 5), date(2026, 12, 5))
    for words, problem in (
        (["2026-13-01"], "date"),
        (["2026-10-01", "mai"], "date"),
        (["2026-10-31", "2026-10-01"], "order"),
        (["2026-10-01", "2026-10-02", "2026-10-03"], "too_many"),
        (["2000-01-01", "2026-10-01"], "too_long"),
    ):
        with pytest.raises(PeriodError) as raised:
            parse_period(words, TODAY)
        assert raised.value.problem == problem


def test_bounds_are_local_midnights() -> None:
    start, end = utc_bounds(date(2026, 10, 1), date(2026, 10, 31), TZ)
    assert (start, end) == (
        datetime(2026, 9, 30, 17, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 17, 0, tzinfo=UTC),
    )


# --- the command line -----------------------------------------------------------------------


def cli_args(tmp_path: Path, **changes: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "first": "2026-10-01",
        "last": "31/10/2026",
        "out": tmp_path / "report.xlsx",
        "chart": tmp_path / "chart.png",
        "ward": None,
        "lang": "vi",
    }
    return argparse.Namespace(**{**values, **changes})


async def test_the_command_line_writes_both_files(
    seeded: Database, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    want = await expected_report(seeded, None)
    await seeded.close()  # the command opens the file itself, as a second process would
    assert await report_command(settings, cli_args(tmp_path)) == 0
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    figures = summary_of(book["Tổng hợp"])
    assert figures["Hội viên mới trong kỳ"] == want["members_new"]
    assert figures["Số tiền đăng ký"] == want["pledges"][1]
    assert Image.open(tmp_path / "chart.png").format == "PNG"
    printed = capsys.readouterr().out
    assert f"members: {want['members_new']} new" in printed and "chart.png" in printed

    ward_args = cli_args(tmp_path, ward="ngo quyen", out=tmp_path / "w.xlsx", chart=None)
    assert await report_command(settings, ward_args) == 0
    wards = rows_of(openpyxl.load_workbook(tmp_path / "w.xlsx")["Hội viên theo xã, phường"])
    assert [r[0] for r in wards] == [NGO_QUYEN, None]

    await seeded.open()
    audit = await plain(seeded, "SELECT actor, action, outcome, target, detail FROM audit")
    assert audit == [
        (None, "report.export", "ok", None, "command line 2026-10-01..2026-10-31"),
        (None, "report.export", "ok", "ward:11341", "command line 2026-10-01..2026-10-31"),
    ]


async def test_the_command_line_refuses_bad_input(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await report_command(settings, cli_args(tmp_path, first="32/10/2026")) == 2
    assert "not a date: '32/10/2026'" in capsys.readouterr().err
    assert await report_command(settings, cli_args(tmp_path, first="2026-11-01")) == 2
    assert "--from must not be after --to" in capsys.readouterr().err
    assert await report_command(settings, cli_args(tmp_path, ward="no such place")) == 2
    assert "no commune or ward matches" in capsys.readouterr().err
    assert not (tmp_path / "report.xlsx").exists()
