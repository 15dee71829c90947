"""A database made by an earlier version upgrades with every row kept: production databases at
schema 3 (pledges) exist before roles, erasure and the report totals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.db import Database, migrations

V3_ROWS = """
INSERT INTO users (telegram_id, language, first_seen_at, last_seen_at)
    VALUES (1, 'vi', '2026-10-01 00:00:00', '2026-10-01 00:00:00');
INSERT INTO consents (telegram_id, purpose, notice_version, granted, created_at)
    VALUES (1, 'membership', '2026-11', 1, '2026-10-01 00:00:00');
INSERT INTO members (member_no, telegram_id, full_name, phone, birth_year, ward_code, ward_name,
                     category, consent_id, created_at, updated_at)
    VALUES ('HP-2026-000001', 1, 'An', '+84912345678', 1990, 11341, 'Phường Ngô Quyền',
            'teacher', 1, '2026-10-01 00:00:00', '2026-10-01 00:00:00');
INSERT INTO consents (telegram_id, purpose, notice_version, granted, created_at)
    VALUES (2, 'donation', '2026-11', 1, '2026-10-01 00:00:00');
INSERT INTO donors (telegram_id, full_name, phone, consent_id, created_at, updated_at)
    VALUES (2, 'Bình', '+84912345679', 2, '2026-10-01 00:00:00', '2026-10-01 00:00:00');
INSERT INTO pledges (reference, campaign_year, telegram_id, member_id, donor_name, fund_kind,
                     purpose, amount, method, public_name, created_at, updated_at)
    VALUES ('KH2026 P000001', 2026, 1, 1, 'An', 'city', 'general', 500000, 'cash', 1,
            '2026-10-01 00:00:00', '2026-10-01 00:00:00');
INSERT INTO pledges (reference, campaign_year, telegram_id, donor_id, donor_name, fund_kind,
                     fund_ward_code, fund_name, purpose, amount, method, public_name, status,
                     received_amount, created_at, updated_at)
    VALUES ('KH2026 P000002', 2026, 2, 1, 'Bình', 'ward', 11341, 'Phường Ngô Quyền', 'general',
            200000, 'cash', 0, 'received', 200000, '2026-10-01 00:00:00', '2026-10-01 00:00:00');
INSERT INTO officers (telegram_id, added_by, added_at) VALUES (9, 'cli', '2026-10-01 00:00:00');
"""


def version_3_database(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    for version, _name, sql in migrations():
        if version > 3:
            break
        conn.executescript(f"BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;")
    conn.executescript(V3_ROWS)
    before = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        for table in ("users", "consents", "members", "donors", "pledges", "officers")
    }
    conn.close()
    return before


async def test_a_version_3_database_upgrades_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    before = version_3_database(path)
    db = await Database(path).open()
    try:
        assert await db.schema_version() == len(migrations())
        for table, rows in before.items():
            after = [tuple(r) for r in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1")]
            # New columns come last, empty or at their default; the old ones are untouched.
            assert [row[: len(rows[0])] for row in after] == rows, table
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        integrity = await db.fetchone("PRAGMA integrity_check")
        assert integrity is not None and integrity[0] == "ok"
        officer = await db.fetchone("SELECT role, ward_code FROM officers")
        assert officer is not None and tuple(officer) == ("officer", None)
        # The running totals of /stats start from the rows already there.
        tally = await db.fetchone(
            "SELECT SUM(n), SUM(amount), SUM(received) FROM report_tally WHERE topic = 'pledge'"
        )
        assert tally is not None and tuple(tally) == (2, 700_000, 200_000)
    finally:
        await db.close()
