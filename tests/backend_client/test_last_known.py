"""The last-known store's file: upgraded in place from the first release, shared with the SMS
daemon's store, and kept small by the store itself (the kiosk never pruned it)."""

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from backend_client import LastKnownStore, StatusClient
from backend_client._last_known import MIGRATIONS, STORE
from dossier import ICT, dossier_to_json, parse_code
from onestop.demo_api import DemoStatusServer, bundled_records
from onestop.sqlite import SchemaError, schema_version

RECORDS = [record.dossier for record in bundled_records()]
THEN = dt.datetime(2024, 1, 1, 9, 0, tzinfo=ICT)

RELEASE_0_1_0 = """
CREATE TABLE IF NOT EXISTS last_known (
    code TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    fetched_at TEXT NOT NULL
)
"""
"""The store's schema as release 0.1.0 created it, without a version."""


def old_file(path: Path, fetched_at: dt.datetime, count: int = 3) -> None:
    db = sqlite3.connect(path)
    db.execute(RELEASE_0_1_0)
    for dossier in RECORDS[:count]:
        record = json.dumps(dossier_to_json(dossier.without_applicant()), ensure_ascii=False)
        stamp = fetched_at.astimezone(dt.UTC).isoformat()
        db.execute("INSERT INTO last_known VALUES (?, ?, ?)", (dossier.code, record, stamp))
    db.commit()
    db.close()


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM last_known").fetchone()[0])


def test_a_file_of_the_first_release_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "last_known.sqlite3"
    old_file(path, THEN)
    store = LastKnownStore(path)
    for dossier in RECORDS[:3]:
        known = store.get(parse_code(dossier.code), THEN + dt.timedelta(hours=1))
        assert known is not None and known.dossier == dossier.without_applicant()
        assert known.fetched_at == THEN
    store.close()
    with sqlite3.connect(path) as db:
        assert schema_version(db, STORE) == len(MIGRATIONS) == 2
        assert schema_version(db) == 0  # user_version is left to the file's other store
        indexes = db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        assert ("last_known_fetched_at",) in indexes


def test_shares_a_file_whose_user_version_belongs_to_another_store(tmp_path: Path) -> None:
    path = tmp_path / "smsd.sqlite3"
    with sqlite3.connect(path) as db:  # the SMS store, some releases later
        db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY)")
        db.execute("PRAGMA user_version = 7")
    for _ in range(2):
        store = LastKnownStore(path)
        store.put(parse_code(RECORDS[0].code), RECORDS[0], THEN)
        store.close()
    with sqlite3.connect(path) as db:
        assert (schema_version(db), schema_version(db, STORE)) == (7, 2)


def test_a_file_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "last_known.sqlite3"
    LastKnownStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_versions SET version = 3 WHERE store = ?", (STORE,))
    with pytest.raises(SchemaError, match=r"last known statuses .* newer release"):
        LastKnownStore(path)


def test_stale_statuses_are_forgotten_at_the_first_write_then_daily(tmp_path: Path) -> None:
    path = tmp_path / "last_known.sqlite3"
    old_file(path, THEN - dt.timedelta(days=30), count=2)
    store = LastKnownStore(path, max_age=86400)
    store.put(parse_code(RECORDS[5].code), RECORDS[5], THEN)
    assert rows(path) == 1  # the two stale ones went at the first write
    store.put(parse_code(RECORDS[6].code), RECORDS[6], THEN + dt.timedelta(hours=23))
    assert rows(path) == 2  # not a day yet since the last pruning
    store.put(parse_code(RECORDS[7].code), RECORDS[7], THEN + dt.timedelta(hours=48))
    assert rows(path) == 1  # a day later: the two older than max_age went
    store.close()


def test_a_kiosk_store_used_only_through_lookups_stays_small(
    tmp_path: Path, demo_api: DemoStatusServer
) -> None:
    """The kiosk opens the store and hands it to its client, nothing more: that is enough."""
    path = tmp_path / "state" / "last_known.sqlite3"
    path.parent.mkdir()
    old_file(path, dt.datetime.now(ICT) - dt.timedelta(days=30))
    store = LastKnownStore(path)
    with StatusClient(base_url=demo_api.url, cache_ttl=0, last_known=store) as api:
        api.lookup(parse_code(RECORDS[10].code))
    store.close()
    assert rows(path) == 1
