"""The rights of the Law on Personal Data Protection (91/2025/QH15) and Decree 356/2025, in SQL:
everything kept about one person, withdrawing a consent, erasure, and the retention purge.

Erasure keeps what the Association must account for (a member's ward and category for the
counts; a pledge's amount, fund, date and reference for the books) and removes everything that
identifies the person: names, phones, year of birth, guardian, organisation, and the messenger
accounts that led to them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.db import Database
from storage.timefmt import to_db

HONOUR_PURPOSE = "honour_roll"
ERASE_ACTION = "data.delete"
ERASED_NAME = "—"  # an erased learning model's name (the column may not be empty)

Row = dict[str, Any]


class OfficerDataKept(Exception):
    """An officer's data is not erased: their actions are accountable in the audit trail.
    An administrator revokes the role first."""


@dataclass(frozen=True)
class PersonalData:
    """Everything the bot keeps about one person, table by table, as stored
    (times are UTC, 'YYYY-MM-DD HH:MM:SS')."""

    person_id: int
    accounts: list[Row]
    user: Row | None
    officer: Row | None
    member: Row | None
    donor: Row | None
    pledges: list[Row]
    consents: list[Row]
    learning_models: list[Row]
    draft: Row | None
    conversations: list[Row]
    deliveries: list[Row]
    audit: list[Row]

    @property
    def language(self) -> str | None:
        return str(self.user["language"]) if self.user else None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Purged:
    """Someone the retention purge deleted, and their Telegram ids for the bot to forget."""

    person_id: int
    telegram_ids: tuple[int, ...]


@dataclass(frozen=True)
class Erasure:
    """What an erasure changed, for the reply to the person."""

    member: bool
    donor: bool
    pledges: int
    consents: int
    learning_models: int


def _row(row: aiosqlite.Row | None) -> Row | None:
    return dict(row) if row is not None else None


def _rows(rows: Iterable[aiosqlite.Row]) -> list[Row]:
    return [dict(r) for r in rows]


_DECIDERS = ("decided_by", "reviewed_by", "rated_by", "added_by")


def _roles_only(row: Row) -> Row:
    """Who decided, as a role ('officer', 'admin'): never another person's account id."""
    for key in _DECIDERS:
        value = row.get(key)
        if isinstance(value, str) and value.startswith(("officer:", "admin:")):
            row[key] = value.split(":", 1)[0]
    return row


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


# Pledges belong to a person through their account, or through their member or donor record.
_PLEDGES_OF = (
    "person_id = :id"
    " OR member_id IN (SELECT id FROM members WHERE person_id = :id)"
    " OR donor_id IN (SELECT id FROM donors WHERE person_id = :id)"
)


async def personal_data(db: Database, person_id: int) -> PersonalData:
    """Everything kept about this account (the right to access and to data portability)."""
    one = (person_id,)

    async def first(sql: str) -> Row | None:
        return _row(await db.fetchone(sql, one))

    async def every(sql: str, params: tuple[object, ...] = one) -> list[Row]:
        return _rows(await db.fetchall(sql, params))

    draft = await first("SELECT data, updated_at FROM user_drafts WHERE person_id = ?")
    if draft is not None:
        draft["data"] = _decoded(draft["data"])
    officer = await first("SELECT * FROM officers WHERE person_id = ?")
    conversations = [
        {"name": r["name"], "state": _decoded(r["state"])}
        for r in await db.fetchall(
            "SELECT name, state FROM conversations WHERE person_id = ? ORDER BY name", one
        )
    ]
    return PersonalData(
        person_id=person_id,
        accounts=await every(
            "SELECT channel, external_id, created_at FROM accounts WHERE person_id = ?"
            " ORDER BY channel, external_id"
        ),
        user=await first(
            "SELECT language, first_seen_at, last_seen_at, subscribed, reachable,"
            " unreachable_reason FROM users WHERE person_id = ?"
        ),
        officer=_roles_only(officer) if officer else None,
        member=await first("SELECT * FROM members WHERE person_id = ?"),
        donor=await first("SELECT * FROM donors WHERE person_id = ?"),
        pledges=[
            _roles_only(row)
            for row in await every(
                "SELECT * FROM pledges WHERE person_id = ?"
                " OR member_id IN (SELECT id FROM members WHERE person_id = ?)"
                " OR donor_id IN (SELECT id FROM donors WHERE person_id = ?) ORDER BY id",
                one * 3,
            )
        ],
        consents=await every("SELECT * FROM consents WHERE person_id = ? ORDER BY id"),
        learning_models=[
            _roles_only(row)
            for row in await every("SELECT * FROM learning_models WHERE person_id = ? ORDER BY id")
        ],
        draft=draft,
        conversations=conversations,
        deliveries=await every(
            "SELECT broadcast_id, language, status, attempts, last_error, sent_at"
            " FROM deliveries WHERE person_id = ? ORDER BY broadcast_id"
        ),
        audit=await every(
            "SELECT at, action, target, outcome, detail FROM audit"
            " WHERE actor = ? OR target = 'person:' || ? ORDER BY id",
            one * 2,
        ),
    )


async def withdraw_honour_roll(db: Database, person_id: int, at: datetime) -> int:
    """Take the person's name off the honour roll: every pledge of theirs becomes anonymous and
    their consents to be named are withdrawn. Returns how many pledges were named."""
    moment = to_db(at)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pledges SET public_name = 0, updated_at = :at"
            f" WHERE ({_PLEDGES_OF}) AND public_name = 1",
            {"id": person_id, "at": moment},
        )
        named = cursor.rowcount
        await conn.execute(
            "UPDATE consents SET withdrawn_at = ? WHERE person_id = ? AND purpose = ?"
            " AND granted = 1 AND withdrawn_at IS NULL",
            (moment, person_id, HONOUR_PURPOSE),
        )
    return named


async def erase_user(db: Database, person_id: int, at: datetime) -> Erasure:
    """The right to erasure, in one transaction.

    Members, donors and learning models lose every identifying field and get `erased_at`; the
    rows stay for the counts by ward and category. Pledges keep amount, fund, date and reference
    for the accounts, anonymised. Consents stay as a record of what was agreed, unlinked. The
    account's subscription, drafts, conversation states and announcement outbox go. The audit
    keeps only that an erasure happened. Refused for officers (OfficerDataKept)."""
    moment = to_db(at)
    ids = {"id": person_id, "at": moment}
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM officers WHERE person_id = ?", (person_id,)
        ) as cursor:
            if await cursor.fetchone() is not None:
                raise OfficerDataKept
        # Pledges first: they are found through the member and donor records' ids.
        pledges = await conn.execute(
            "UPDATE pledges SET person_id = NULL, donor_name = '', public_name = 0,"
            " anonymised = 1, request_key = NULL, next_reminder_at = NULL, notice_due = NULL,"
            " reject_reason = CASE WHEN reject_reason IS NULL THEN NULL ELSE '' END,"
            f" updated_at = :at WHERE {_PLEDGES_OF}",
            ids,
        )
        members = await conn.execute(
            "UPDATE members SET person_id = NULL, full_name = NULL, phone = NULL,"
            " birth_year = NULL, guardian_name = NULL, guardian_phone = NULL,"
            " organisation = NULL, erased_at = :at, updated_at = :at WHERE person_id = :id",
            ids,
        )
        donors = await conn.execute(
            "UPDATE donors SET person_id = NULL, full_name = NULL, phone = NULL,"
            " erased_at = :at, updated_at = :at WHERE person_id = :id",
            ids,
        )
        models = await conn.execute(
            # The name often names the family ("Gia đình ông ..."); officers' notes may too.
            f"UPDATE learning_models SET person_id = NULL, name = '{ERASED_NAME}',"
            " contact_name = NULL, contact_phone = NULL, review_note = NULL, erased_at = :at,"
            " updated_at = :at WHERE person_id = :id",
            ids,
        )
        # Asking for erasure withdraws every consent; the record of what was agreed stays.
        consents = await conn.execute(
            "UPDATE consents SET person_id = NULL, withdrawn_at = COALESCE(withdrawn_at, :at)"
            " WHERE person_id = :id",
            ids,
        )
        await conn.execute("DELETE FROM deliveries WHERE person_id = :id", ids)
        await conn.execute("DELETE FROM user_drafts WHERE person_id = :id", ids)
        await conn.execute("DELETE FROM conversations WHERE person_id = :id", ids)
        await conn.execute("UPDATE audit SET actor = NULL WHERE actor = :id", ids)
        # A former officer's id also stands in what they decided and wrote.
        officer, admin = f"officer:{person_id}", f"admin:{person_id}"
        await conn.execute(
            "UPDATE pledges SET decided_by = 'officer' WHERE decided_by = ?", (officer,)
        )
        await conn.execute(
            "UPDATE learning_models SET reviewed_by = 'officer' WHERE reviewed_by = ?",
            (officer,),
        )
        await conn.execute(
            "UPDATE learning_models SET rated_by = 'officer' WHERE rated_by = ?", (officer,)
        )
        await conn.execute("UPDATE officers SET added_by = 'admin' WHERE added_by = ?", (admin,))
        await conn.execute("UPDATE broadcasts SET created_by = NULL WHERE created_by = :id", ids)
        await conn.execute(
            "UPDATE broadcasts SET progress_chat = NULL, progress_msg = NULL"
            " WHERE progress_chat IN (SELECT CAST(external_id AS INTEGER) FROM accounts"
            " WHERE person_id = :id AND channel = 'telegram')",
            ids,
        )
        await conn.execute("UPDATE audit SET target = NULL WHERE target = 'person:' || :id", ids)
        await conn.execute("DELETE FROM users WHERE person_id = :id", ids)
        # The messenger accounts no longer lead anywhere: a later message starts a new person.
        await conn.execute("DELETE FROM accounts WHERE person_id = :id", ids)
        await conn.execute("DELETE FROM people WHERE id = :id", ids)
        await conn.execute(
            "INSERT INTO audit (at, actor, action, target, outcome, detail)"
            " VALUES (?, NULL, ?, NULL, 'ok', NULL)",
            (moment, ERASE_ACTION),
        )
    # secure_delete has zeroed the old values in the pages; the WAL still has them until it is
    # folded into the database and emptied.
    await db.checkpoint()
    return Erasure(
        member=members.rowcount > 0,
        donor=donors.rowcount > 0,
        pledges=pledges.rowcount,
        consents=consents.rowcount,
        learning_models=models.rowcount,
    )


# Accounts that never completed a flow: no member, donor, pledge or learning model, not an
# officer or administrator, and no sign of life since the cutoff. A draft saved or a consent
# given since then counts as a sign of life too.
_INACTIVE = """
SELECT u.person_id FROM users AS u
WHERE u.last_seen_at < :cutoff
  AND NOT EXISTS (SELECT 1 FROM accounts AS a WHERE a.person_id = u.person_id
                  AND a.channel || ':' || a.external_id IN (SELECT value FROM json_each(:keep)))
  AND NOT EXISTS (SELECT 1 FROM members AS m WHERE m.person_id = u.person_id)
  AND NOT EXISTS (SELECT 1 FROM donors AS d WHERE d.person_id = u.person_id)
  AND NOT EXISTS (SELECT 1 FROM pledges AS p WHERE p.person_id = u.person_id)
  AND NOT EXISTS (SELECT 1 FROM learning_models AS l WHERE l.person_id = u.person_id)
  AND NOT EXISTS (SELECT 1 FROM officers AS o WHERE o.person_id = u.person_id)
  AND NOT EXISTS (SELECT 1 FROM user_drafts AS w
                  WHERE w.person_id = u.person_id AND w.updated_at >= :cutoff)
  AND NOT EXISTS (SELECT 1 FROM consents AS c
                  WHERE c.person_id = u.person_id AND c.created_at >= :cutoff)
"""

# A consent some kept record still points to is unlinked rather than deleted.
_REFERENCED_CONSENT = """
id IN (SELECT consent_id FROM members WHERE consent_id IS NOT NULL
       UNION SELECT consent_id FROM donors WHERE consent_id IS NOT NULL
       UNION SELECT public_consent_id FROM pledges WHERE public_consent_id IS NOT NULL
       UNION SELECT consent_id FROM learning_models WHERE consent_id IS NOT NULL)
"""


async def purge_inactive_users(
    db: Database, now: datetime, days: int, keep: Collection[str] = ()
) -> list[Purged]:
    """Delete the data of people who never completed a flow and were last seen more than
    `days` ago (0: never): their users row, drafts, conversation states, outbox rows, consents
    and messenger accounts. `keep`: accounts never purged, as 'channel:external id' (the
    administrators of the settings). Returns who was purged, for the running bot to forget."""
    if days <= 0:
        return []
    params = {"cutoff": to_db(now - timedelta(days=days)), "keep": json.dumps(sorted(keep))}
    async with db.transaction() as conn:
        async with conn.execute(
            f"SELECT i.person_id, a.external_id FROM ({_INACTIVE}) AS i"
            " LEFT JOIN accounts AS a ON a.person_id = i.person_id AND a.channel = 'telegram'",
            params,
        ) as cursor:
            found = await cursor.fetchall()
        telegram: dict[int, list[int]] = {}
        for row in found:
            ids = telegram.setdefault(int(row[0]), [])
            if row[1] is not None:
                ids.append(int(row[1]))
        if not telegram:
            return []
        gone = {"gone": json.dumps(list(telegram))}
        chosen = "person_id IN (SELECT value FROM json_each(:gone))"
        await conn.execute(f"DELETE FROM deliveries WHERE {chosen}", gone)
        await conn.execute(f"DELETE FROM user_drafts WHERE {chosen}", gone)
        await conn.execute(
            f"UPDATE consents SET person_id = NULL WHERE {chosen} AND {_REFERENCED_CONSENT}", gone
        )
        await conn.execute(f"DELETE FROM consents WHERE {chosen}", gone)
        await conn.execute(f"DELETE FROM conversations WHERE {chosen}", gone)
        # Refusals they once ran into keep the fact, not who it was.
        await conn.execute(
            "UPDATE audit SET actor = NULL WHERE actor IN (SELECT value FROM json_each(:gone))",
            gone,
        )
        await conn.execute(f"DELETE FROM users WHERE {chosen}", gone)
        await conn.execute(f"DELETE FROM accounts WHERE {chosen}", gone)
        await conn.execute(
            "DELETE FROM people WHERE id IN (SELECT value FROM json_each(:gone))", gone
        )
    await db.checkpoint()
    return [Purged(person, tuple(ids)) for person, ids in telegram.items()]


async def purge_inactive(db: Database, now: datetime, days: int, keep: Collection[str] = ()) -> int:
    """`purge_inactive_users`, counted."""
    return len(await purge_inactive_users(db, now, days, keep))
