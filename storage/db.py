"""SQLite for the application: one writer connection, reader connections, pragmas, migrations.

Reads go to reader connections, so that they only ever see committed data: on one shared
connection a read could see another task's write that is later rolled back. The files are the
owner's alone (0600, in a 0700 folder when we create it), whatever the umask.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
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


READERS = 2
# Another process (a long command-line job) may hold the write lock for a while: wait for it
# in SQLite's busy handler, and start again on a busy error, rather than fail a chat update.
BUSY_TIMEOUT_MS = 30_000
LOCKED_RETRY_FOR = 120.0  # seconds


def secure_file(path: Path) -> None:
    """Create `path` (and a missing folder, 0700) readable by its owner only, or tighten it."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def is_busy(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


class Database:
    """Owns the connections. Writes go through `transaction()` (or `execute`), one at a time,
    on the writer; reads go to the readers and see committed data only."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = itertools.count()
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
            secure_file(self.path)
            self._conn = conn = await self._connect()
            try:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
                # Erased values are overwritten, not left in free pages.
                await conn.execute("PRAGMA secure_delete=ON")
                await self._migrate()
                for _ in range(READERS):
                    reader = await self._connect()
                    await reader.execute("PRAGMA query_only=ON")
                    self._readers.append(reader)
            except BaseException:
                await self._close_all()
                raise
            return self

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys=ON")
        return conn

    async def close(self) -> None:
        async with self._open_lock:
            await self._close_all()

    async def _close_all(self) -> None:
        readers, self._readers = self._readers, []
        for reader in readers:
            await reader.close()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _reader(self) -> aiosqlite.Connection:
        if not self._readers:
            return self.conn  # while migrating
        return self._readers[next(self._next_reader) % len(self._readers)]

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the database and empty it (after an erasure: the
        erased values must not survive in the -wal file)."""
        async with self._write_lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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

    async def _retry_busy(self, call: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`call(*args)`, started again while another process holds the write lock (beyond
        the busy timeout), for up to two minutes in all."""
        deadline = time.monotonic() + LOCKED_RETRY_FOR
        delay = 0.05
        while True:
            try:
                return await call(*args)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _begin(self) -> None:
        await self._retry_busy(self.conn.execute, "BEGIN IMMEDIATE")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        async with self._write_lock:
            await self._begin()
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
        rows = await self._reader().execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        return list(await self._reader().execute_fetchall(sql, params))

    async def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """One statement, atomic on its own (autocommit); returns the rows it changed.

        It still takes the write lock, so that it never lands inside another task's open
        transaction on this shared connection."""
        async with self._write_lock:
            cursor = await self._retry_busy(self.conn.execute, sql, params)
            return cursor.rowcount

    async def write_returning(
        self, sql: str, params: tuple[object, ...] = ()
    ) -> list[aiosqlite.Row]:
        """One statement with a RETURNING clause, atomic on its own."""
        async with self._write_lock:
            rows = await self._retry_busy(self.conn.execute_fetchall, sql, params)
            return list(rows)
