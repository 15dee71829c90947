"""Learning models in SQLite: one registration per confirmed draft, a fix replaces the
registration it corrects in one transaction, decisions only from the right status and ward,
and the counts for reports."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from storage import Database
from storage.learning import (
    ModelInput,
    SizeProblem,
    Stale,
    approve_model,
    check_size,
    consent_on_file,
    get_model,
    list_models,
    models_of,
    rate_model,
    request_changes,
    school_year,
    submit_model,
)
from storage.members import record_consent

AT = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)
NGO_QUYEN, LE_CHAN = 11341, 11383


def family(name: str = "Gia đình ông Nguyễn Văn Hùng", **changes: object) -> ModelInput:
    fields: dict[str, object] = {
        "kind": "family",
        "name": name,
        "ward_code": NGO_QUYEN,
        "ward_name": "Phường Ngô Quyền",
        "contact_name": "Nguyễn Thị Lan",
        "contact_phone": "+84912345678",
        "size": 5,
        "period": "2026-2027",
    }
    fields.update(changes)
    return ModelInput(**fields)  # type: ignore[arg-type]


async def consent(db: Database, user: int) -> int:
    return await record_consent(db, user, "learning_model", "2026-11", True, AT)


async def rows(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM learning_models ORDER BY id")]


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 11, 15), "2026-2027"),
        (date(2026, 9, 1), "2026-2027"),
        (date(2026, 8, 31), "2025-2026"),
        (date(2027, 1, 1), "2026-2027"),
        (date(2027, 5, 31), "2026-2027"),
    ],
)
def test_the_school_year_starts_in_september(day: date, period: str) -> None:
    assert school_year(day) == period


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5", 5),
        (" 12 ", 12),
        ("1.200", 1200),
        ("1 200", 1200),
        ("5 người", 5),
        ("120 cán bộ", 120),
        ("100000", 100_000),
        ("1", 1),
        ("abc", SizeProblem.NOT_A_NUMBER),
        ("", SizeProblem.NOT_A_NUMBER),
        ("😀", SizeProblem.NOT_A_NUMBER),
        ("1,5", SizeProblem.NOT_A_NUMBER),
        ("5 hay 6", SizeProblem.NOT_A_NUMBER),
        ("5 " + "người " * 100, SizeProblem.NOT_A_NUMBER),
        ("0", SizeProblem.TOO_SMALL),
        ("-5", SizeProblem.TOO_SMALL),
        ("100001", SizeProblem.TOO_LARGE),
        ("1000000", SizeProblem.TOO_LARGE),
        ("1.000.000", SizeProblem.TOO_LARGE),
        ("9" * 40, SizeProblem.NOT_A_NUMBER),
    ],
)
def test_sizes(typed: str, expected: int | SizeProblem) -> None:
    assert check_size(typed) == expected


# --- registering ----------------------------------------------------------------------------


async def test_a_registration_is_stored_with_every_field(db: Database) -> None:
    consent_id = await consent(db, 7001)
    done = await submit_model(db, 7001, family(), consent_id, AT)
    assert done.created and done.replaced is None
    (row,) = await rows(db)
    assert row == {
        **row,
        "id": 1,
        "kind": "family",
        "name": "Gia đình ông Nguyễn Văn Hùng",
        "ward_code": NGO_QUYEN,
        "ward_name": "Phường Ngô Quyền",
        "contact_name": "Nguyễn Thị Lan",
        "contact_phone": "+84912345678",
        "size": 5,
        "period": "2026-2027",
        "person_id": 7001,
        "consent_id": consent_id,
        "status": "submitted",
        "review_note": None,
        "rating": None,
        "erased_at": None,
        "created_at": "2026-11-15 03:00:00",
        "updated_at": "2026-11-15 03:00:00",
    }
    assert done.model == await get_model(db, 1)


async def test_the_same_registration_twice_is_stored_once(db: Database) -> None:
    consent_id = await consent(db, 7002)
    first = await submit_model(db, 7002, family(), consent_id, AT)
    again = await submit_model(db, 7002, family(size=6), consent_id, AT + timedelta(seconds=1))
    assert not again.created and again.model.id == first.model.id
    other = await submit_model(db, 7002, family("Gia đình bà Trần Thị Mai"), consent_id, AT)
    assert other.created
    assert [r["size"] for r in await rows(db)] == [5, 5]


async def test_bad_input_never_reaches_the_table(db: Database) -> None:
    consent_id = await consent(db, 7003)
    for bad in (
        family(kind="school"),
        family(""),
        family("x" * 201),
        family(size=0),
        family(size=100_001),
        family(size=True),
        family(contact_phone=""),
    ):
        with pytest.raises(ValueError):
            await submit_model(db, 7003, bad, consent_id, AT)
    assert await rows(db) == []
    with pytest.raises(sqlite3.IntegrityError):  # the table's own checks hold too
        await db.execute(
            "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
            " contact_phone, size, period, created_at, updated_at)"
            " VALUES ('family', 'A', 1, 'W', 'N', 'P', 0, '2026-2027', 'x', 'x')"
        )


async def test_a_fix_replaces_the_registration_whose_changes_were_requested(
    db: Database,
) -> None:
    consent_id = await consent(db, 7004)
    first = (await submit_model(db, 7004, family(), consent_id, AT)).model
    asked = await request_changes(db, first.id, "Ghi rõ họ tên chủ hộ", "officer:1", AT)
    assert asked is not None and asked.status == "changes_requested"
    fixed = family("Gia đình ông Nguyễn Văn Hùng (chủ hộ)", size=6)
    done = await submit_model(db, 7004, fixed, consent_id, AT, replaces=first.id)
    assert done.created and done.replaced is not None and done.replaced.id == first.id
    assert [(r["status"], r["name"]) for r in await rows(db)] == [
        ("withdrawn", "Gia đình ông Nguyễn Văn Hùng"),
        ("submitted", "Gia đình ông Nguyễn Văn Hùng (chủ hộ)"),
    ]
    assert [m.id for m in await models_of(db, 7004)] == [2]
    # Submitting the fix again (a double tap) changes nothing more.
    again = await submit_model(db, 7004, fixed, consent_id, AT, replaces=first.id)
    assert not again.created and again.model.id == 2
    assert len(await rows(db)) == 2


async def test_registering_the_same_model_again_replaces_the_one_to_change(db: Database) -> None:
    consent_id = await consent(db, 7005)
    first = (await submit_model(db, 7005, family(), consent_id, AT)).model
    await request_changes(db, first.id, "Sai số thành viên", "officer:1", AT)
    done = await submit_model(db, 7005, family(size=7), consent_id, AT)
    assert done.created and done.replaced is not None and done.replaced.id == first.id
    assert [r["status"] for r in await rows(db)] == ["withdrawn", "submitted"]


async def test_a_fix_of_a_registration_decided_meanwhile_saves_nothing(db: Database) -> None:
    consent_id = await consent(db, 7006)
    first = (await submit_model(db, 7006, family(), consent_id, AT)).model
    await request_changes(db, first.id, "Sai tên", "officer:1", AT)
    assert await approve_model(db, first.id, "officer:1", AT) is not None
    with pytest.raises(Stale) as raised:
        await submit_model(db, 7006, family("Tên khác"), consent_id, AT, replaces=first.id)
    assert raised.value.current is not None and raised.value.current.status == "approved"
    # Someone else's registration cannot be replaced either.
    other = await consent(db, 7007)
    with pytest.raises(Stale):
        await submit_model(db, 7007, family("Tên khác"), other, AT, replaces=first.id)
    assert [r["status"] for r in await rows(db)] == ["approved"]


async def test_consent_on_file(db: Database) -> None:
    assert await consent_on_file(db, 7008, "learning_model", "2026-11") is None
    await record_consent(db, 7008, "learning_model", "2026-11", False, AT)
    assert await consent_on_file(db, 7008, "learning_model", "2026-11") is None
    granted = await consent(db, 7008)
    assert await consent_on_file(db, 7008, "learning_model", "2026-11") == granted
    assert await consent_on_file(db, 7008, "learning_model", "2027-01") is None
    assert await consent_on_file(db, 7008, "membership", "2026-11") is None
    await db.execute("UPDATE consents SET withdrawn_at = 'x' WHERE id = ?", (granted,))
    assert await consent_on_file(db, 7008, "learning_model", "2026-11") is None


# --- officers -------------------------------------------------------------------------------


async def test_decisions_only_from_the_right_status_and_ward(db: Database) -> None:
    consent_id = await consent(db, 7010)
    here = (await submit_model(db, 7010, family(), consent_id, AT)).model
    there = (
        await submit_model(db, 7010, family("Gia đình Lê Chân", ward_code=LE_CHAN), consent_id, AT)
    ).model
    # A ward's officer cannot decide another ward's model.
    assert await approve_model(db, there.id, "officer:2", AT, ward=NGO_QUYEN) is None
    assert await request_changes(db, there.id, "Ghi chú", "officer:2", AT, ward=NGO_QUYEN) is None
    # Only approved models are rated; rating can be corrected.
    assert await rate_model(db, here.id, "good", "officer:1", AT) is None
    approved = await approve_model(db, here.id, "officer:2", AT, ward=NGO_QUYEN)
    assert approved is not None and approved.reviewed_by == "officer:2"
    assert await approve_model(db, here.id, "officer:1", AT) is None
    assert await request_changes(db, here.id, "Muộn quá", "officer:1", AT) is None
    rated = await rate_model(db, here.id, "good", "officer:1", AT)
    assert rated is not None and rated.rating == "good" and rated.rated_by == "officer:1"
    later = AT + timedelta(days=200)
    rated = await rate_model(db, here.id, "excellent", "officer:1", later)
    assert rated is not None and rated.rating == "excellent" and rated.rated_at == later
    with pytest.raises(ValueError):
        await rate_model(db, here.id, "perfect", "officer:1", AT)
    with pytest.raises(ValueError):
        await request_changes(db, there.id, "", "officer:1", AT)
    assert [r["status"] for r in await rows(db)] == ["approved", "submitted"]


async def test_lists_by_status_and_ward_a_page_at_a_time(db: Database) -> None:
    consent_id = await consent(db, 7011)
    for n in range(10):
        ward = NGO_QUYEN if n % 2 == 0 else LE_CHAN
        await submit_model(db, 7011, family(f"Gia đình {n}", ward_code=ward), consent_id, AT)
    await approve_model(db, 1, "officer:1", AT)
    await request_changes(db, 2, "Sửa", "officer:1", AT)
    waiting, total = await list_models(db, "submitted", None, 0, 4)
    assert total == 8 and [m.id for m in waiting] == [3, 4, 5, 6]
    page, total = await list_models(db, "submitted", None, 4, 4)
    assert total == 8 and [m.id for m in page] == [7, 8, 9, 10]
    approved, total = await list_models(db, "approved", None, 0, 8)
    assert total == 1 and approved[0].id == 1
    ward_all, total = await list_models(db, "all", NGO_QUYEN, 0, 8)
    assert total == 5 and {m.ward_code for m in ward_all} == {NGO_QUYEN}
    with pytest.raises(ValueError):
        await list_models(db, "withdrawn", None, 0, 8)
