"""The unit's fleet outbox: heartbeats and usage events kept on disk until the gateway has them.

A kiosk or SMS box on a provincial network loses its connection for minutes or days. What it
has to report waits here, numbered in order (SQLite ``AUTOINCREMENT``: a number is never
given twice, even after the rows before it are gone), and leaves only when the gateway
answers that it holds everything up to a number. The outbox's random id goes with every
batch, so a unit whose outbox was lost (a new SD card) starts a new numbering the gateway
recognises instead of being taken for a replay.

Usage events are never dropped; heartbeats beyond ``max_backlog`` are, oldest first (a
unit away for months still reports its last weeks of health).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec

from onestop.fleet import Heartbeat, HeartbeatItem, Item, UsageEvent, UsageItem
from onestop.sqlite import immediate, migrate

_MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS items (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS items_kind ON items (kind, seq);
    CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS sent_alerts (id INTEGER PRIMARY KEY);
    """,
]

_HEARTBEAT = "heartbeat"
_USAGE = "usage"
_heartbeat = msgspec.json.Decoder(Heartbeat)
_usage = msgspec.json.Decoder(UsageEvent)


class FleetOutbox:
    """One SQLite file, shared by the unit's threads (it locks around every use)."""

    def __init__(self, path: str | Path, *, max_backlog: int = 100_000) -> None:
        self.path = Path(path)
        self.max_backlog = max_backlog
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        migrate(self._db, _MIGRATIONS, name=f"fleet outbox {self.path}")
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'outbox_id'").fetchone()
            if row is None:
                row = (secrets.token_hex(16),)
                db.execute("INSERT INTO meta (key, value) VALUES ('outbox_id', ?)", row)
        self.outbox_id: str = row[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self._db) as db:
            yield db

    # -- adding --------------------------------------------------------------------------------

    def add_heartbeat(self, heartbeat: Heartbeat, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._transaction() as db:
            db.execute(
                "INSERT INTO items (kind, body, created_at) VALUES (?, ?, ?)",
                (_HEARTBEAT, msgspec.json.encode(heartbeat), now),
            )
            extra = (
                db.execute("SELECT COUNT(*) FROM items WHERE kind = ?", (_HEARTBEAT,)).fetchone()[0]
                - self.max_backlog
            )
            if extra > 0:
                db.execute(
                    "DELETE FROM items WHERE seq IN (SELECT seq FROM items WHERE kind = ?"
                    " ORDER BY seq LIMIT ?)",
                    (_HEARTBEAT, extra),
                )

    def add_usage(self, events: Iterable[UsageEvent], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._transaction() as db:
            _insert_usage(db, events, now)

    def copy_usage(self, source: str, rows: Sequence[tuple[int, UsageEvent]]) -> None:
        """Take events numbered by another store (the SMS daemon's): each is copied once,
        because the position read so far moves in the same transaction."""
        if not rows:
            return
        with self._transaction() as db:
            start = _position(db, source)
            fresh = [(number, event) for number, event in rows if number > start]
            if not fresh:
                return
            _insert_usage(db, (event for _, event in fresh), time.time())
            db.execute(
                "INSERT OR REPLACE INTO cursors (name, position) VALUES (?, ?)",
                (source, max(number for number, _ in fresh)),
            )

    def position(self, source: str) -> int:
        """The highest number of ``source`` copied so far (0 before the first)."""
        with self._lock:
            return _position(self._db, source)

    # -- delivering ------------------------------------------------------------------------------

    def pending(self, limit: int) -> list[Item]:
        """The oldest items not delivered yet, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, kind, body FROM items ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [
            HeartbeatItem(seq, _heartbeat.decode(body))
            if kind == _HEARTBEAT
            else UsageItem(seq, _usage.decode(body))
            for seq, kind, body in rows
        ]

    def delivered(self, upto: int) -> None:
        """The gateway holds every item up to ``upto``: forget them."""
        with self._transaction() as db:
            db.execute("DELETE FROM items WHERE seq <= ?", (upto,))

    def depth(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    # -- alert texts this unit (an SMS box) took over from the gateway -------------------------

    def note_sent_alerts(self, ids: Iterable[int]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO sent_alerts (id) VALUES (?)", [(i,) for i in ids])

    def sent_alerts(self) -> list[int]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM sent_alerts ORDER BY id")]

    def forget_sent_alerts(self, ids: Iterable[int]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM sent_alerts WHERE id = ?", [(i,) for i in ids])


def _insert_usage(db: sqlite3.Connection, events: Iterable[UsageEvent], now: float) -> None:
    db.executemany(
        "INSERT INTO items (kind, body, created_at) VALUES (?, ?, ?)",
        [(_USAGE, msgspec.json.encode(event), now) for event in events],
    )


def _position(db: sqlite3.Connection, source: str) -> int:
    row = db.execute("SELECT position FROM cursors WHERE name = ?", (source,)).fetchone()
    return 0 if row is None else int(row[0])
