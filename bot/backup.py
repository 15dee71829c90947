"""A consistent copy of the live database with SQLite's online backup API.

The bot may keep running: in WAL mode the copy reads one snapshot while writers go on.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path


class BackupError(RuntimeError):
    """The backup could not be made; the message says why."""


def backup_path(dest: str | Path, now: datetime) -> Path:
    """DEST itself, or a time-stamped file inside DEST when it is a directory or is written as
    one ("backups/"; a missing one is created, owner only)."""
    folder = isinstance(dest, str) and dest.endswith(("/", os.sep))
    path = Path(dest)
    if folder and not path.exists():
        try:
            path.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise BackupError(f"cannot create the folder {path}: {exc.strerror}") from exc
    if path.is_dir():
        return path / f"khuyenhoc-{now:%Y%m%d-%H%M%S}.sqlite3"
    if not path.parent.is_dir():
        raise BackupError(
            f"the folder {path.parent} does not exist: create it, or end DEST with / to have"
            " it created"
        )
    return path


def make_backup(source: Path, dest: Path) -> dict[str, int]:
    """Copy `source` to `dest` (never over an existing file); returns rows per table.

    The copy is written next to `dest` and renamed into place only once it is complete and
    passes `PRAGMA integrity_check`, so a half-made backup never looks like a good one."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose another name or a directory")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
        os.chmod(partial, 0o600)  # the copy holds personal data: the owner's alone
    except OSError as exc:
        raise BackupError(f"cannot write {partial}: {exc.strerror}") from exc
    # as_uri() escapes '?', '#' and spaces, which would otherwise change what SQLite opens.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out)  # all pages in one step: one consistent snapshot
            checked = out.execute("PRAGMA integrity_check").fetchone()
            if not checked or checked[0] != "ok":
                raise BackupError(f"the copy failed its integrity check: {checked}")
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            tables = [
                row[0]
                for row in out.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {t: out.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        finally:
            out.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite: {exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(partial, dest)
    return counts
