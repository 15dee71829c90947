"""Officers' figures: the live counts of /stats and the grouped tables of a report.

Every function takes `ward`: None for the whole city, or the code of the commune or ward a
scoped officer is limited to. The scope rule: members by `members.ward_code`, pledges by
`pledges.fund_ward_code`, learning models by `learning_models.ward_code`, announcements whose
segment is 'ward:<code>'. Erased members still count (their ward and category stay); pledges
count while pending or received. Money is integer đồng.

Everything is aggregated in SQLite: a report reads at most a few thousand grouped rows, never
one per member. /stats reads `report_tally`, the running totals kept by the triggers of
migration 0005; a report over a period reads the raw tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

_COUNTED_SQL = "('pending', 'received')"  # pledges that count: not rejected, not cancelled
MODEL_KINDS = ("family", "clan", "community", "unit")
MODEL_STATUSES = ("submitted", "approved", "changes_requested", "withdrawn")
DELIVERY_STATUSES = ("pending", "sending", "sent", "unreachable", "failed")


# --- /stats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberTotals:
    total: int
    new_this_month: int
    new_today: int
    by_category: dict[str, int]


@dataclass(frozen=True)
class PledgeTotals:
    count: int
    pledged: int
    received: int
    pending: int  # of `count`, still waiting for the money


@dataclass(frozen=True)
class ModelTotals:
    registered: int  # every registration but the withdrawn ones
    approved: int


@dataclass(frozen=True)
class SourceCount:
    source: str
    members: int
    pledges: int


@dataclass(frozen=True)
class Reach:
    """An announcement and what became of its recipients."""

    broadcast_id: int
    segment: str
    status: str
    scheduled_at: datetime
    started_at: datetime | None
    recipients: int
    sent: int
    unreachable: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.recipients - self.sent - self.unreachable - self.failed


@dataclass(frozen=True)
class LiveStats:
    members: MemberTotals
    pledges: PledgeTotals
    models: ModelTotals
    subscribers: int  # subscribed and reachable, now
    last_broadcast: Reach | None
    sources: list[SourceCount]  # the busiest first
    sources_total: int  # how many sources there are in all


def _ward_filter(column: str, ward: int | None) -> tuple[str, tuple[object, ...]]:
    """An AND clause limiting `column` to the ward, or nothing for the whole city."""
    return (f" AND {column} = ?", (ward,)) if ward is not None else ("", ())


def _segment_filter(ward: int | None) -> tuple[str, tuple[object, ...]]:
    return (" AND b.segment = ?", (f"ward:{ward}",)) if ward is not None else ("", ())


async def member_totals(
    db: Database, ward: int | None, month_start: datetime, day_start: datetime, day_end: datetime
) -> MemberTotals:
    """Members in all and by category (from the tally), new this month and today."""
    where, params = _ward_filter("ward_code", ward)
    rows = await db.fetchall(
        f"SELECT key, SUM(n) AS n FROM report_tally WHERE topic = 'member'{where} GROUP BY key",
        params,
    )
    by_category = {r["key"]: int(r["n"]) for r in rows if r["n"]}
    # Two counts along the created_at index: a plain count is several times faster than a
    # SUM over the rows it walks.
    new_since = f"SELECT COUNT(*) FROM members WHERE created_at >= ? AND created_at < ?{where}"
    row = await db.fetchone(
        f"SELECT ({new_since}) AS month, ({new_since}) AS today",
        (to_db(month_start), to_db(day_end), *params, to_db(day_start), to_db(day_end), *params),
    )
    return MemberTotals(
        total=sum(by_category.values()),
        new_this_month=int(row["month"]) if row else 0,
        new_today=int(row["today"]) if row else 0,
        by_category=by_category,
    )


async def pledge_totals(db: Database, ward: int | None) -> PledgeTotals:
    """Pledges pending or received, all time (from the tally)."""
    where, params = _ward_filter("ward_code", ward)
    row = await db.fetchone(
        "SELECT COALESCE(SUM(n), 0) AS n, COALESCE(SUM(amount), 0) AS amount,"
        " COALESCE(SUM(received), 0) AS received,"
        " COALESCE(SUM(CASE key WHEN 'pending' THEN n END), 0) AS pending"
        f" FROM report_tally WHERE topic = 'pledge'{where} AND key IN {_COUNTED_SQL}",
        params,
    )
    if row is None:
        return PledgeTotals(0, 0, 0, 0)
    return PledgeTotals(
        int(row["n"]), int(row["amount"]), int(row["received"]), int(row["pending"])
    )


async def model_totals(db: Database, ward: int | None) -> ModelTotals:
    where, params = _ward_filter("ward_code", ward)
    row = await db.fetchone(
        "SELECT COALESCE(SUM(status != 'withdrawn'), 0) AS registered,"
        " COALESCE(SUM(status = 'approved'), 0) AS approved"
        f" FROM learning_models WHERE 1 = 1{where}",
        params,
    )
    return ModelTotals(int(row["registered"]), int(row["approved"])) if row else ModelTotals(0, 0)


async def subscriber_count(db: Database, ward: int | None) -> int:
    """Users who get announcements now, subscribed and reachable (city-wide from the tally;
    in a ward, its members who are)."""
    if ward is None:
        row = await db.fetchone(
            "SELECT COALESCE(SUM(n), 0) FROM report_tally WHERE topic = 'user' AND ward_code = 0"
        )
    else:
        row = await db.fetchone(
            "SELECT COUNT(*) FROM members m CROSS JOIN users u ON u.person_id = m.person_id"
            " WHERE m.ward_code = ? AND u.subscribed = 1 AND u.reachable = 1",
            (ward,),
        )
    return int(row[0]) if row else 0


async def _reaches(db: Database, where: str, params: tuple[object, ...]) -> list[Reach]:
    """The announcements `where` selects (on `broadcasts b`), oldest first, with what became
    of their deliveries: one count per status along the (broadcast_id, status) index, which
    is several times faster than grouping the deliveries."""
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id"
        f" AND d.status = '{status}') AS {status}"
        for status in DELIVERY_STATUSES
    )
    rows = await db.fetchall(
        f"SELECT b.id, b.segment, b.status, b.scheduled_at, b.started_at, {counts}"
        f" FROM broadcasts b WHERE {where} ORDER BY COALESCE(b.started_at, b.scheduled_at), b.id",
        params,
    )
    return [
        Reach(
            broadcast_id=int(r["id"]),
            segment=r["segment"],
            status=r["status"],
            scheduled_at=from_db(r["scheduled_at"]),
            started_at=from_db(r["started_at"]) if r["started_at"] else None,
            recipients=sum(int(r[status]) for status in DELIVERY_STATUSES),
            sent=int(r["sent"]),
            unreachable=int(r["unreachable"]),
            failed=int(r["failed"]),
        )
        for r in rows
    ]


async def last_reach(db: Database, ward: int | None) -> Reach | None:
    """The announcement started last (in the ward: one sent to the ward), and its reach."""
    where, params = _segment_filter(ward)
    found = await _reaches(
        db,
        "b.id = (SELECT b.id FROM broadcasts b WHERE b.started_at IS NOT NULL"
        f"{where} ORDER BY b.started_at DESC, b.id DESC LIMIT 1)",
        params,
    )
    return found[0] if found else None


async def source_counts(
    db: Database, ward: int | None, limit: int
) -> tuple[list[SourceCount], int]:
    """Members who joined and pledges made (pending or received) through each deep link, the
    busiest first (from the tally); and how many sources there are in all."""
    where, params = _ward_filter("ward_code", ward)
    rows = await db.fetchall(
        "SELECT source, members, pledges, COUNT(*) OVER () AS sources FROM ("
        " SELECT source, SUM(CASE topic WHEN 'member_source' THEN n ELSE 0 END) AS members,"
        " SUM(CASE topic WHEN 'pledge_source' THEN n ELSE 0 END) AS pledges"
        " FROM report_tally WHERE (topic = 'member_source'"
        f" OR (topic = 'pledge_source' AND key IN {_COUNTED_SQL})){where} GROUP BY source)"
        " WHERE members + pledges > 0 ORDER BY members + pledges DESC, source LIMIT ?",
        (*params, limit),
    )
    found = [SourceCount(r["source"], int(r["members"]), int(r["pledges"])) for r in rows]
    return found, int(rows[0]["sources"]) if rows else 0


async def live_stats(
    db: Database,
    ward: int | None,
    *,
    month_start: datetime,
    day_start: datetime,
    day_end: datetime,
    sources_shown: int = 15,
) -> LiveStats:
    """Everything /stats shows, for the city or one commune or ward."""
    sources, sources_total = await source_counts(db, ward, sources_shown)
    return LiveStats(
        members=await member_totals(db, ward, month_start, day_start, day_end),
        pledges=await pledge_totals(db, ward),
        models=await model_totals(db, ward),
        subscribers=await subscriber_count(db, ward),
        last_broadcast=await last_reach(db, ward),
        sources=sources,
        sources_total=sources_total,
    )


# The tally from the raw tables: the same statements as at the end of migration 0005.
_TALLY_FILL = (
    "INSERT INTO report_tally SELECT 'member', ward_code, category, '', COUNT(*), 0, 0"
    " FROM members GROUP BY 2, 3",
    "INSERT INTO report_tally SELECT 'member_source', ward_code, '', source, COUNT(*), 0, 0"
    " FROM members WHERE source IS NOT NULL GROUP BY 2, 4",
    "INSERT INTO report_tally SELECT 'pledge', COALESCE(fund_ward_code, 0), status, '',"
    " COUNT(*), SUM(amount), SUM(received_amount) FROM pledges GROUP BY 2, 3",
    "INSERT INTO report_tally SELECT 'pledge_source', COALESCE(fund_ward_code, 0), status,"
    " source, COUNT(*), 0, 0 FROM pledges WHERE source IS NOT NULL GROUP BY 2, 3, 4",
    "INSERT INTO report_tally SELECT 'user', 0, '', '', COUNT(*), 0, 0 FROM users"
    " WHERE subscribed = 1 AND reachable = 1",
)


async def rebuild_tally(db: Database) -> None:
    """Count `report_tally` again from the raw tables. The triggers keep it right; this is for
    rows written with them set aside, as the benchmark's bulk load does."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM report_tally")
        for statement in _TALLY_FILL:
            await conn.execute(statement)


# --- a report over a period -----------------------------------------------------------------


@dataclass(frozen=True)
class MemberGroup:
    """Members of a ward or a category: joined in the period, and in all at its end."""

    key: str | int
    name: str | None
    new: int
    total: int


@dataclass(frozen=True)
class PledgeGroup:
    """Pledges made in the period, pending or received, of one fund, purpose, ward, source or
    week. `key` is None for pledges without a ward (city, school and clan funds) or a source."""

    key: str | int | None
    name: str | None
    count: int
    pledged: int
    received: int


@dataclass(frozen=True)
class ModelGroup:
    """Learning models of one kind in one ward registered in the period, by status."""

    ward_code: int
    ward_name: str
    kind: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class ReportData:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    ward: int | None
    members_by_ward: list[MemberGroup]
    members_by_category: list[MemberGroup]
    pledges_by_fund: list[PledgeGroup]
    pledges_by_purpose: list[PledgeGroup]
    pledges_by_ward: list[PledgeGroup]
    pledges_by_source: list[PledgeGroup]
    pledges_by_week: list[PledgeGroup]  # key: week number from the start, 0 first
    models: list[ModelGroup]
    broadcasts: list[Reach]
    subscribers: int

    @property
    def members_new(self) -> int:
        return sum(g.new for g in self.members_by_ward)

    @property
    def members_total(self) -> int:
        return sum(g.total for g in self.members_by_ward)

    @property
    def pledges(self) -> PledgeGroup:
        groups = self.pledges_by_fund
        return PledgeGroup(
            None,
            None,
            sum(g.count for g in groups),
            sum(g.pledged for g in groups),
            sum(g.received for g in groups),
        )

    def models_with(self, status: str) -> int:
        return sum(g.by_status.get(status, 0) for g in self.models)


async def member_groups(
    db: Database, ward: int | None, start: datetime, end: datetime
) -> tuple[list[MemberGroup], list[MemberGroup]]:
    """Members by ward and by category: who joined in [start, end), and how many there were
    at `end`. One pass along the (ward_code, category, created_at) index into at most
    wards x categories groups, then rolled up both ways."""
    where, params = _ward_filter("ward_code", ward)
    rows = await db.fetchall(
        "WITH g AS MATERIALIZED (SELECT ward_code, category,"
        " COALESCE(SUM(created_at >= ?), 0) AS new, COUNT(*) AS total"
        f" FROM members WHERE created_at < ?{where} GROUP BY ward_code, category)"
        " SELECT 'ward' AS axis, ward_code AS key, SUM(new) AS new, SUM(total) AS total,"
        " (SELECT n.ward_name FROM members n WHERE n.ward_code = g.ward_code"
        " ORDER BY n.id DESC LIMIT 1) AS name FROM g GROUP BY ward_code"
        " UNION ALL SELECT 'category', category, SUM(new), SUM(total), NULL FROM g"
        " GROUP BY category",
        (to_db(start), to_db(end), *params),
    )
    wards = [
        MemberGroup(int(r["key"]), r["name"], int(r["new"]), int(r["total"]))
        for r in rows
        if r["axis"] == "ward"
    ]
    wards.sort(key=lambda g: (-g.total, g.key))
    categories = [
        MemberGroup(r["key"], None, int(r["new"]), int(r["total"]))
        for r in rows
        if r["axis"] == "category"
    ]
    return wards, categories


# How a period's pledges are grouped: a column, or the week from the start (?1: the start).
_PLEDGE_AXES = {
    "fund": "fund_kind",
    "purpose": "purpose",
    "ward": "fund_ward_code",
    "week": "CAST((julianday(created_at) - julianday(?1)) / 7 AS INTEGER)",
    "source": "source",
}


async def pledge_groups(
    db: Database, ward: int | None, start: datetime, end: datetime
) -> dict[str, list[PledgeGroup]]:
    """Pledges made in [start, end), pending or received, grouped by 'fund' (kind), 'purpose',
    'ward' (of the fund), 'week' (0: the first seven days from `start`) and 'source'.

    Each grouping walks the (status, created_at, ...) index, which holds every column needed:
    one small GROUP BY each is faster than one pass grouped by all of them at once."""
    where = " AND fund_ward_code = ?3" if ward is not None else ""
    params = (to_db(start), to_db(end), *((ward,) if ward is not None else ()))
    found: dict[str, list[PledgeGroup]] = {}
    for axis, column in _PLEDGE_AXES.items():
        # A ward's name, from its latest pledge (along the fund_ward_code index).
        name = (
            "(SELECT n.fund_name FROM pledges n WHERE n.fund_ward_code = g.key"
            " ORDER BY n.id DESC LIMIT 1)"
            if axis == "ward"
            else "NULL"
        )
        rows = await db.fetchall(
            f"SELECT g.key, g.n, g.pledged, g.received, {name} AS name FROM ("
            f" SELECT {column} AS key, COUNT(*) AS n, SUM(amount) AS pledged,"
            " SUM(received_amount) AS received FROM pledges"
            f" WHERE created_at >= ?1 AND created_at < ?2 AND status IN {_COUNTED_SQL}{where}"
            " GROUP BY 1) g",
            params,
        )
        found[axis] = [
            PledgeGroup(r["key"], r["name"], int(r["n"]), int(r["pledged"]), int(r["received"]))
            for r in rows
        ]
    found["ward"].sort(key=lambda g: (g.key is None, -g.pledged, g.key or 0))
    found["source"].sort(key=lambda g: (g.key is None, -g.count, str(g.key)))
    found["week"].sort(key=lambda g: int(g.key or 0))
    return found


async def models_by_ward(
    db: Database, ward: int | None, start: datetime, end: datetime
) -> list[ModelGroup]:
    """Learning models registered in [start, end), per ward and kind, counted by status."""
    where, params = _ward_filter("ward_code", ward)
    rows = await db.fetchall(
        "SELECT ward_code, MAX(ward_name) AS ward_name, kind, status, COUNT(*) AS n"
        f" FROM learning_models WHERE created_at >= ? AND created_at < ?{where}"
        " GROUP BY ward_code, kind, status ORDER BY ward_code, kind",
        (to_db(start), to_db(end), *params),
    )
    found: dict[tuple[int, str], ModelGroup] = {}
    for r in rows:
        key = (int(r["ward_code"]), r["kind"])
        group = found.setdefault(key, ModelGroup(key[0], r["ward_name"], key[1], {}))
        group.by_status[r["status"]] = int(r["n"])
    order = {kind: i for i, kind in enumerate(MODEL_KINDS)}
    return sorted(
        found.values(), key=lambda g: (-g.total, g.ward_code, order.get(g.kind, len(order)))
    )


async def broadcasts_in(
    db: Database, ward: int | None, start: datetime, end: datetime
) -> list[Reach]:
    """Announcements started (or, not yet started, scheduled) in [start, end), with reach."""
    where, params = _segment_filter(ward)
    return await _reaches(
        db,
        "COALESCE(b.started_at, b.scheduled_at) >= ?"
        f" AND COALESCE(b.started_at, b.scheduled_at) < ?{where}",
        (to_db(start), to_db(end), *params),
    )


async def report_data(db: Database, ward: int | None, start: datetime, end: datetime) -> ReportData:
    """Every table of the report over [start, end), for the city or one commune or ward."""
    pledges = await pledge_groups(db, ward, start, end)
    wards, categories = await member_groups(db, ward, start, end)
    return ReportData(
        start=start,
        end=end,
        ward=ward,
        members_by_ward=wards,
        members_by_category=categories,
        pledges_by_fund=pledges["fund"],
        pledges_by_purpose=pledges["purpose"],
        pledges_by_ward=pledges["ward"],
        pledges_by_source=pledges["source"],
        pledges_by_week=pledges["week"],
        models=await models_by_ward(db, ward, start, end),
        broadcasts=await broadcasts_in(db, ward, start, end),
        subscribers=await subscriber_count(db, ward),
    )
