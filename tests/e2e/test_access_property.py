"""A property: whatever a citizen or a ward's officer sends, commands, typed answers, files or
forged callback data in any order, nothing outside their rights ever happens.

Each example starts a fresh world (a real bot on a real SQLite file, driven through the
emulator), plays a random sequence, then checks the database against the rights of the sender.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.devtools.local import LocalBot, local_bot
from bot.domain.vietqr import make_reference
from bot.settings import Settings
from storage import Database
from storage.broadcasts import BroadcastDraft, create_broadcast
from storage.pledges import PledgeInput, create_pledge
from tests.conftest import ADMIN_ID
from tests.e2e.test_pledge import BANK
from tests.support import Chat, FakeClock, fast_pacer, person, seed_member

CITIZEN, WARD_OFFICER = 8001, 8002
NGO_QUYEN, LE_CHAN = 11341, 11338
AT = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
OWN_PLEDGE, OTHER_WARD_PLEDGE, CITY_PLEDGE = 1, 2, 3
OWN_BROADCAST, OTHER_BROADCAST = 1, 2
OWN_MODEL, OTHER_MODEL = 1, 2

COMMANDS = [
    "/pledges",
    "/pledges city",
    "/pledges ward",
    "/stats",
    "/report",
    "/report 2026-10-01 2026-10-31",
    "/broadcast",
    "/broadcasts",
    "/campaign",
    "/officers",
    f"/grant {CITIZEN} admin",
    f"/grant {WARD_OFFICER} officer",
    f"/grant {WARD_OFFICER} admin",
    f"/revoke {ADMIN_ID}",
    f"/revoke {WARD_OFFICER}",
    "/models",
    "/models all",
    "/cancel",
    "/start",
]
TYPED = ["300k", "500000", "Không nhận được tiền", "Ngô Quyền", "Lê Chân", "1", "✅", "x" * 500]
CALLBACKS = [
    f"opl:{action}:{pledge}"
    for action in ("open", "full", "other", "reject")
    for pledge in (OWN_PLEDGE, OTHER_WARD_PLEDGE, CITY_PLEDGE, 99)
] + [
    f"opl:why:{OTHER_WARD_PLEDGE}:nopay",
    f"opl:why:{CITY_PLEDGE}:dup",
    "opl:list:all:0",
    "opl:list:city:0",
    *(
        f"bcc:{b}:{action}"
        for b in (OWN_BROADCAST, OTHER_BROADCAST)
        for action in ("pause", "resume", "cancel", "move")
    ),
    f"myp:{OTHER_WARD_PLEDGE}:cancel-yes",
    f"myp:{CITY_PLEDGE}:cancel-yes",
    "bc:00000000:seg:all",
    "bc:00000000:confirm",
    "menu:pledge",
    *(
        f"oml:{action}:{model}"
        for action in ("open", "approve", "changes", "rate:excellent")
        for model in (OWN_MODEL, OTHER_MODEL)
    ),
    "oml:list:all:0",
    f"mym:{OTHER_MODEL}:fix",
    "priv:delete:yes",
]
STATEMENT = (
    "Nội dung;Số tiền ghi có\n"
    f"{make_reference(2026, OTHER_WARD_PLEDGE)};100000\n"
    f"{make_reference(2026, CITY_PLEDGE)};100000\n"
).encode()

Action = tuple[str, str]
actions = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(COMMANDS + TYPED)),
        st.tuples(st.just("press"), st.sampled_from(CALLBACKS)),
        st.tuples(st.just("file"), st.just("sao-ke.csv")),
    ),
    min_size=1,
    max_size=12,
)


async def seed_world(db: Database) -> None:
    await seed_member(db, 8101, ward_code=NGO_QUYEN, ward_name="Phường Ngô Quyền")
    await seed_member(db, 8102, ward_code=LE_CHAN, ward_name="Phường Lê Chân")
    await seed_member(db, 8103)
    funds = [
        (8101, "ward", NGO_QUYEN, "Phường Ngô Quyền"),
        (8102, "ward", LE_CHAN, "Phường Lê Chân"),
        (8103, "city", None, None),
    ]
    for member_id, (user, kind, code, name) in enumerate(funds, start=1):
        data = PledgeInput(
            f"Hội viên {user}",
            kind,
            "general",
            100_000,
            "cash",
            True,
            member_id,
            fund_ward_code=code,
            fund_name=name,
        )
        await create_pledge(
            db,
            user,
            data,
            request_key=str(user),
            year=2026,
            reference_of=make_reference,
            at=AT,
            first_reminder_at=None,
        )
    for segment in (f"ward:{NGO_QUYEN}", f"ward:{LE_CHAN}"):
        await create_broadcast(
            db,
            BroadcastDraft(
                created_by=ADMIN_ID,
                source="officer",
                text_vi="Thông báo",
                segment=segment,
                scheduled_at=AT + timedelta(days=5),
            ),
            AT,
        )
    for user, code, name in (
        (8101, NGO_QUYEN, "Phường Ngô Quyền"),
        (8102, LE_CHAN, "Phường Lê Chân"),
    ):
        await db.execute(
            "INSERT INTO learning_models (kind, name, ward_code, ward_name, contact_name,"
            " contact_phone, size, period, person_id, status, created_at, updated_at)"
            " VALUES ('family', 'Gia đình Nguyễn', ?, ?, 'Nguyễn An', '+84912345678', 5,"
            " '2026-2027', ?, 'submitted', '2026-10-01 00:00:00', '2026-10-01 00:00:00')",
            (code, name, await person(db, user)),
        )
    await db.execute(
        "INSERT INTO officers (person_id, added_by, added_at, role, ward_code, ward_name)"
        " VALUES (?, 'test', '2026-10-01 00:00:00', 'officer', ?, 'Phường Ngô Quyền')",
        (await person(db, WARD_OFFICER), NGO_QUYEN),
    )


async def snapshot(db: Database, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await db.fetchall(sql)]


PLEDGE_STATE = "SELECT id, status, received_amount, reject_reason FROM pledges ORDER BY id"
BROADCAST_STATE = "SELECT id, status, scheduled_at, segment FROM broadcasts ORDER BY id"
OFFICERS = "SELECT person_id, role, ward_code FROM officers ORDER BY person_id"
MODEL_STATE = "SELECT id, status, rating, review_note FROM learning_models ORDER BY id"


async def play(actor: int, steps: list[Action], settings_: Settings) -> None:
    async with local_bot(settings_, clock=FakeClock(), poll_timeout=1, pacer=fast_pacer()) as local:
        db = local.runtime.db
        await seed_world(db)
        pledges_before = await snapshot(db, PLEDGE_STATE)
        broadcasts_before = await snapshot(db, BROADCAST_STATE)
        officers_before = await snapshot(db, OFFICERS)
        models_before = await snapshot(db, MODEL_STATE)
        for donor in (8101, 8102, 8103):  # they may get a receipt, or a rejection
            local.emulator.add_user(donor, first_name=f"Donor {donor}", language_code="vi")
        chat = Chat(local, actor)
        await chat.send("/start")
        for kind, value in steps:
            await act(local, chat, kind, value)
        await local.settle()

        pledges = await snapshot(db, PLEDGE_STATE)
        broadcasts = await snapshot(db, BROADCAST_STATE)
        # Roles never change, whoever asks.
        assert await snapshot(db, OFFICERS) == officers_before
        # Pledges to other funds, and the other ward's announcement, are never touched.
        assert pledges[1:] == pledges_before[1:]
        assert broadcasts[1] == broadcasts_before[1]
        models = await snapshot(db, MODEL_STATE)
        assert models[1] == models_before[1]
        assert await snapshot(db, "SELECT * FROM statement_lines") == []
        new_segments = {row[3] for row in broadcasts[2:]}
        audit_ok = await snapshot(
            db, f"SELECT action, target FROM audit WHERE actor = {actor} AND outcome = 'ok'"
        )
        if actor == CITIZEN:
            assert pledges == pledges_before
            assert broadcasts == broadcasts_before
            assert models == models_before
            assert audit_ok == []
        else:
            assert new_segments <= {f"ward:{NGO_QUYEN}"}
            allowed = {
                f"pledge:{OWN_PLEDGE}",
                f"broadcast:{OWN_BROADCAST}",
                f"model:{OWN_MODEL}",
            } | {f"broadcast:{row[0]}" for row in broadcasts[2:]}
            exports = {f"ward:{NGO_QUYEN}"}  # a report of their own ward
            assert {target for _, target in audit_ok} <= allowed | exports | {None}
        # Nobody ever got the "something went wrong" apology, and the Bot API was used right.
        sorry = "Xin lỗi, hệ thống vừa gặp sự cố"
        assert not any(sorry in (m.text or "") for m in chat.messages)
        assert local.emulator.api_errors == []


async def act(local: LocalBot, chat: Chat, kind: str, value: str) -> None:
    if kind == "send":
        await chat.send(value)
    elif kind == "file":
        await chat.send_document(value, STATEMENT)
    else:
        await chat.press_data(value, chat.last.message_id)


def world_settings(folder: str) -> Settings:
    return dataclasses.replace(
        Settings(
            database_path=Path(folder) / "khuyenhoc.sqlite3",
            admin_ids=frozenset({ADMIN_ID}),
            province_code=31,
            member_prefix="HP",
        ),
        **BANK,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)
@given(actor=st.sampled_from([CITIZEN, WARD_OFFICER]), steps=actions)
def test_no_action_outside_the_senders_rights_succeeds(actor: int, steps: list[Action]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(actor, steps, world_settings(folder)))
