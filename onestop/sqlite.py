"""Schema versions and migrations for every SQLite file a unit keeps.

Units upgrade in place (``git pull``, provision again) while their databases stay, so each
store declares its schema as an ordered list of migrations and the file records how many it
has had in ``PRAGMA user_version``. Opening a store applies the missing ones, each in its own
transaction together with the new version number, so a crash mid-upgrade leaves the file at
the last complete version. Migration 1 of every store is the schema of release 0.1.0, which
wrote no version: its statements use ``IF NOT EXISTS``, so a 0.1.0 file is adopted as it is.

A file written by a newer release than the running code is refused with a clear message
rather than half-understood.

Two stores may share one file (the SMS daemon keeps its messages and the last known statuses
together), but not one ``user_version``: the second passes ``store=``, and its version is kept
in its row of the file's ``schema_versions`` table instead.

Exceptions::

    sqlite3.DatabaseError
    └── SchemaError   the file's schema is newer than this program, or a migration failed
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

Migration = str | Callable[[sqlite3.Connection], None]
"""A migration: an SQL script, or a function for changes SQL alone cannot express."""


class SchemaError(sqlite3.DatabaseError):
    """The database cannot be brought to the schema this program needs (a database error, so
    that programs which report an unusable database report this one too)."""


_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_versions (
    store TEXT PRIMARY KEY,
    version INTEGER NOT NULL
)
"""


def schema_version(db: sqlite3.Connection, store: str | None = None) -> int:
    """The file's ``user_version``, or the version of ``store`` in a shared file."""
    if store is None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        return int(version)
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_versions'").fetchone():
        row = db.execute("SELECT version FROM schema_versions WHERE store = ?", (store,)).fetchone()
        return 0 if row is None else int(row[0])
    return 0


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``db`` (autocommit mode, as every store opens it): taken at
    once (``BEGIN IMMEDIATE``, so that two writers queue instead of failing halfway),
    committed when the block ends, rolled back when it raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrate(
    db: sqlite3.Connection,
    migrations: Sequence[Migration],
    *,
    name: str,
    store: str | None = None,
) -> int:
    """Apply the migrations ``db`` has not had yet; returns the version it is at now.

    ``db`` must be in autocommit mode (``isolation_level=None``), as every store here opens
    it, so that each migration runs in the explicit transaction opened here. ``store`` names
    a store that shares its file with another (see the module's docstring).
    """
    current = schema_version(db, store)
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
            _record_version(db, version, store)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise SchemaError(
                f"{name}: migration to schema version {version} failed: {exc}"
            ) from exc
    return target


def _record_version(db: sqlite3.Connection, version: int, store: str | None) -> None:
    if store is None:
        db.execute(f"PRAGMA user_version = {version}")
        return
    db.execute(_VERSIONS)
    db.execute(
        "INSERT INTO schema_versions (store, version) VALUES (?, ?)"
        " ON CONFLICT (store) DO UPDATE SET version = excluded.version",
        (store, version),
    )


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
