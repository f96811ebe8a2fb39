"""Schema versions and migrations for every SQLite file a unit keeps.

Units upgrade in place (``git pull``, provision again) while their databases stay, so each
store declares its schema as an ordered list of migrations and the file records how many it
has had, per store name, in its ``schema_versions`` table: one file may hold several stores
(the SMS daemon's messages and the last known statuses share ``[smsd] database``), each
upgraded on its own. Opening a store applies the missing ones, each in its own transaction
together with the new version number, so a crash mid-upgrade leaves the file at the last
complete version. Migration 1 of every store is the schema of release 0.1.0, which
wrote no version: its statements use ``IF NOT EXISTS``, so a 0.1.0 file is adopted as it is.

A file written by a newer release than the running code is refused with a clear message
rather than half-understood.

Exceptions::

    Exception
    └── SchemaError   the file's schema is newer than this program, or a migration failed
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

Migration = str | Callable[[sqlite3.Connection], None]
"""A migration: an SQL script, or a function for changes SQL alone cannot express."""


class SchemaError(Exception):
    """The database cannot be brought to the schema this program needs."""


_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions (store TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


def schema_version(db: sqlite3.Connection, name: str) -> int:
    """How many migrations the store ``name`` has had in this file (0: none yet)."""
    db.execute(_VERSIONS)
    row = db.execute("SELECT version FROM schema_versions WHERE store = ?", (name,)).fetchone()
    return 0 if row is None else int(row[0])


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration], *, name: str) -> int:
    """Apply the migrations ``db`` has not had yet; returns the version it is at now.

    ``db`` must be in autocommit mode (``isolation_level=None``), as every store here opens
    it, so that each migration runs in the explicit transaction opened here.
    """
    current = schema_version(db, name)
    target = len(migrations)
    if current > target:
        raise SchemaError(
            f"{name}: the database is at schema version {current}, but this program knows only "
            f"up to version {target}; it was written by a newer release (upgrade this unit)"
        )
    for version in range(current + 1, target + 1):
        step = migrations[version - 1]
        try:
            db.execute("BEGIN IMMEDIATE")
            if isinstance(step, str):
                for statement in _statements(step):
                    db.execute(statement)
            else:
                step(db)
            db.execute(
                "INSERT OR REPLACE INTO schema_versions (store, version) VALUES (?, ?)",
                (name, version),
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise SchemaError(
                f"{name}: migration to schema version {version} failed: {exc}"
            ) from exc
    return target


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (``executescript`` would commit on its own)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
