"""SQLite storage: the connection, migrations and every SQL statement of the project."""

from storage.db import Database

__all__ = ["Database"]
