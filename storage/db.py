"""The one application-owned SQLite connection, its pragmas and its migrations."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every bundled migration, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


class Database:
    """Owns the connection. Writes go through `transaction()`, one at a time."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    async def open(self) -> Database:
        """Open, configure and migrate; calling it again is harmless."""
        async with self._open_lock:
            if self._conn is not None:
                return self
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(self.path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            self._conn = conn
            await self._migrate()
            return self

    async def close(self) -> None:
        async with self._open_lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        for version, name, sql in migrations():
            if version <= current:
                continue
            # A migration that rebuilds tables says so on its first line; SQLite's documented
            # way is to turn foreign keys off outside the transaction and check them before
            # committing.
            rebuilds = sql.lstrip().startswith("-- foreign_keys: off")
            try:
                if rebuilds:
                    await self.conn.execute("PRAGMA foreign_keys=OFF")
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};"
                )
                if rebuilds:
                    broken = await self.conn.execute_fetchall("PRAGMA foreign_key_check")
                    if broken:
                        raise RuntimeError(f"{len(list(broken))} rows break a foreign key")
                await self.conn.execute("COMMIT")
            except Exception as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise RuntimeError(f"migration {name} failed: {exc}") from exc
            finally:
                if rebuilds:
                    await self.conn.execute("PRAGMA foreign_keys=ON")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    # Each call below is one round trip to aiosqlite's thread; under load those hops, not
    # SQLite, are what a request waits for.

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)  # type: ignore[arg-type]

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))  # type: ignore[arg-type]

    async def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """One statement, atomic on its own (autocommit); returns the rows it changed.

        It still takes the write lock, so that it never lands inside another task's open
        transaction on this shared connection."""
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.rowcount

    async def write_returning(
        self, sql: str, params: tuple[object, ...] = ()
    ) -> list[aiosqlite.Row]:
        """One statement with a RETURNING clause, atomic on its own."""
        async with self._write_lock:
            return list(await self.conn.execute_fetchall(sql, params))  # type: ignore[arg-type]
