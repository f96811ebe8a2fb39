import sqlite3
from pathlib import Path

import pytest

from onestop.sqlite import SchemaError, migrate, schema_version

FIRST = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);
"""


def add_author(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT ''")


def open_db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_a_release_without_versions_is_adopted_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    old = open_db(path)
    old.executescript(FIRST)  # what release 0.1.0 did: no version at all
    old.execute("INSERT INTO notes (text) VALUES ('kept')")
    old.close()
    db = open_db(path)
    assert migrate(db, [FIRST, add_author], name="notes") == 2
    assert schema_version(db) == 2
    assert db.execute("SELECT text, author FROM notes").fetchall() == [("kept", "")]
    assert migrate(db, [FIRST, add_author], name="notes") == 2  # nothing left to do


def test_a_failed_migration_leaves_the_last_complete_version(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.sqlite3")
    broken = "CREATE TABLE later (x);\nINSERT INTO missing VALUES (1);"
    with pytest.raises(SchemaError, match="notes: migration to schema version 2 failed"):
        migrate(db, [FIRST, broken], name="notes")
    assert schema_version(db) == 1
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'later'").fetchone() is None


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.sqlite3")
    migrate(db, [FIRST, add_author], name="notes")
    with pytest.raises(SchemaError, match="written by a newer release"):
        migrate(db, [FIRST], name="notes")


def test_two_stores_share_a_file_each_with_its_own_version(tmp_path: Path) -> None:
    db = open_db(tmp_path / "shared.sqlite3")
    other = "CREATE TABLE IF NOT EXISTS tags (name TEXT PRIMARY KEY)"
    assert migrate(db, [FIRST, add_author], name="notes") == 2
    assert migrate(db, [other], name="tags", store="tags") == 1
    assert (schema_version(db), schema_version(db, "tags")) == (2, 1)
    assert migrate(db, [FIRST, add_author, "SELECT 1"], name="notes") == 3
    assert migrate(db, [other, "ALTER TABLE tags ADD COLUMN n"], name="tags", store="tags") == 2
    assert (schema_version(db), schema_version(db, "tags")) == (3, 2)
    with pytest.raises(SchemaError, match=r"tags: .* newer release"):
        migrate(db, [other], name="tags", store="tags")


def test_a_schema_error_is_a_database_error(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.sqlite3")
    migrate(db, [FIRST, add_author], name="notes")
    with pytest.raises(sqlite3.DatabaseError):
        migrate(db, [FIRST], name="notes")
