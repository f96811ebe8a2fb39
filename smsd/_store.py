"""The daemon's SQLite database: every received message, part, reply and usage event.

A message is committed here (WAL, ``synchronous=FULL``) before it is deleted from the modem,
and a reply is committed in the same transaction that marks its message answered. So a
crash at any point leaves either a message to answer or a reply to send, never both and
never neither; on restart the daemon simply continues with what is pending. The unique keys
make a re-delivered message or part (same sender, service-centre time stamp and text) a
no-op.
"""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hardware.modem import Incoming, join_units

_SCHEMA = """
CREATE TABLE IF NOT EXISTS parts (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    reference INTEGER NOT NULL,
    total INTEGER NOT NULL,
    number INTEGER NOT NULL,
    units BLOB NOT NULL,
    received_at REAL NOT NULL,
    message_id INTEGER,
    UNIQUE (sender, sent_at, reference, total, number, units)
);
CREATE INDEX IF NOT EXISTS parts_pending ON parts (message_id, sender, reference, total);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    text TEXT NOT NULL,
    pdu TEXT,
    parts INTEGER NOT NULL DEFAULT 1,
    missing_parts INTEGER NOT NULL DEFAULT 0,
    received_at REAL NOT NULL,
    state TEXT NOT NULL,
    retry_at REAL NOT NULL DEFAULT 0,
    note TEXT,
    UNIQUE (sender, sent_at, text)
);
CREATE INDEX IF NOT EXISTS messages_state ON messages (state, retry_at);
CREATE INDEX IF NOT EXISTS messages_sender ON messages (sender, received_at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    message_id INTEGER UNIQUE,
    recipient TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_at);
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox (sent_at);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status TEXT,
    latency_ms INTEGER NOT NULL
);
"""


class MessageState(enum.StrEnum):
    NEW = "new"
    """Received, not answered yet."""
    ANSWERED = "answered"
    """A reply is in the outbox."""
    IGNORED = "ignored"
    """No reply on purpose (operator sender, deny list, rate limit, loop); ``note`` says why."""
    UNDECODABLE = "undecodable"
    """The PDU could not be read; kept for a technician, never answered."""


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    sender: str
    sent_at: str
    text: str
    received_at: float
    parts: int
    missing_parts: int


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: int
    recipient: str
    text: str
    attempts: int


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One lookup for the six-monthly usage report: no number, no code, no text."""

    outcome: str
    status: str | None
    latency_ms: int


def _stamp(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


class Store:
    """One SQLite file shared by the modem thread, the lookup workers and the pipeline."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, incoming: Incoming, now: float | None = None) -> bool:
        """Keep a received SMS or part for good; False when it was already kept (re-delivery)."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            if incoming.error is not None:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO messages (sender, sent_at, text, pdu, received_at,"
                    " state, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        incoming.sender,
                        "pdu:" + incoming.pdu,
                        "",
                        incoming.pdu,
                        now,
                        MessageState.UNDECODABLE,
                        incoming.error,
                    ),
                )
                return cursor.rowcount > 0
            if incoming.part is None:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO messages (sender, sent_at, text, pdu, received_at,"
                    " state) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        incoming.sender,
                        _stamp(incoming.sent_at),
                        incoming.text,
                        incoming.pdu,
                        now,
                        MessageState.NEW,
                    ),
                )
                return cursor.rowcount > 0
            part = incoming.part
            cursor = db.execute(
                "INSERT OR IGNORE INTO parts (sender, sent_at, reference, total, number, units,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    incoming.sender,
                    _stamp(incoming.sent_at),
                    part.reference,
                    part.total,
                    part.number,
                    incoming.units,
                    now,
                ),
            )
            if cursor.rowcount == 0:
                return False
            self._assemble(db, incoming.sender, part.reference, part.total, now, timeout=None)
            return True

    def expire_parts(self, timeout: float, now: float | None = None) -> int:
        """Assemble long messages whose missing parts did not come within ``timeout``."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            groups = db.execute(
                "SELECT sender, reference, total FROM parts WHERE message_id IS NULL"
                " GROUP BY sender, reference, total HAVING MIN(received_at) <= ?",
                (now - timeout,),
            ).fetchall()
            for sender, reference, total in groups:
                self._assemble(db, sender, reference, total, now, timeout=timeout)
        return len(groups)

    def next_part_deadline(self, timeout: float) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(received_at) FROM parts WHERE message_id IS NULL"
            ).fetchone()
        return None if row[0] is None else float(row[0]) + timeout

    def _assemble(
        self,
        db: sqlite3.Connection,
        sender: str,
        reference: int,
        total: int,
        now: float,
        *,
        timeout: float | None,
    ) -> None:
        rows = db.execute(
            "SELECT id, sent_at, number, units, received_at FROM parts WHERE message_id IS NULL"
            " AND sender = ? AND reference = ? AND total = ? ORDER BY number, id",
            (sender, reference, total),
        ).fetchall()
        by_number: dict[int, tuple[int, str, bytes, float]] = {}
        for row_id, sent_at, number, units, received_at in rows:
            by_number.setdefault(number, (row_id, sent_at, units, received_at))
        complete = all(number in by_number for number in range(1, total + 1))
        if not complete and timeout is None:
            return
        missing = sum(1 for number in range(1, total + 1) if number not in by_number)
        chunks = [by_number[number][2] for number in sorted(by_number)]
        text = join_units(chunks) if not missing else " ".join(join_units([c]) for c in chunks)
        sent_at = min(entry[1] for entry in by_number.values())
        received_at = min(entry[3] for entry in by_number.values())
        cursor = db.execute(
            "INSERT OR IGNORE INTO messages (sender, sent_at, text, parts, missing_parts,"
            " received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sender, sent_at, text, total, missing, received_at, MessageState.NEW),
        )
        message_id = cursor.lastrowid if cursor.rowcount else 0
        db.executemany(
            "UPDATE parts SET message_id = ? WHERE id = ?",
            [(message_id, entry[0]) for entry in by_number.values()],
        )
        db.execute(
            "UPDATE parts SET message_id = 0 WHERE message_id IS NULL AND sender = ?"
            " AND reference = ? AND total = ?",
            (sender, reference, total),
        )

    # -- answering -------------------------------------------------------------------------------

    def due_messages(self, now: float | None = None, limit: int = 200) -> list[Message]:
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT id, sender, sent_at, text, received_at, parts, missing_parts FROM messages"
                " WHERE state = ? AND retry_at <= ? ORDER BY id LIMIT ?",
                (MessageState.NEW, now, limit),
            ).fetchall()
        return [Message(*row) for row in rows]

    def next_message_retry(self) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(retry_at) FROM messages WHERE state = ?", (MessageState.NEW,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def retry_later(self, message_id: int, at: float) -> None:
        with self._transaction() as db:
            db.execute("UPDATE messages SET retry_at = ? WHERE id = ?", (at, message_id))

    def ignore(self, message_id: int, why: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE messages SET state = ?, note = ? WHERE id = ? AND state = ?",
                (MessageState.IGNORED, why, message_id, MessageState.NEW),
            )

    def answer(
        self,
        message: Message,
        reply: str,
        events: list[UsageEvent],
        *,
        note: str = "",
        now: float | None = None,
    ) -> bool:
        """Put the reply in the outbox and mark the message answered, both or neither."""
        now = time.time() if now is None else now
        at = dt.datetime.fromtimestamp(now, dt.UTC).replace(minute=0, second=0, microsecond=0)
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET state = ?, note = ? WHERE id = ? AND state = ?",
                (MessageState.ANSWERED, note, message.id, MessageState.NEW),
            )
            if cursor.rowcount == 0:
                return False
            db.execute(
                "INSERT INTO outbox (message_id, recipient, text, state, next_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (message.id, message.sender, reply, OutboxState.PENDING, now, now),
            )
            db.executemany(
                "INSERT INTO events (at, channel, outcome, status, latency_ms)"
                " VALUES (?, 'sms', ?, ?, ?)",
                [(at.isoformat(), e.outcome, e.status, e.latency_ms) for e in events],
            )
        return True

    def answered_since(self, sender: str, since: float) -> int:
        """How many of this sender's messages got a lookup answer since ``since``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM messages WHERE sender = ? AND received_at >= ?"
                " AND state = ? AND (note IS NULL OR note != 'limit notice')",
                (sender, since, MessageState.ANSWERED),
            ).fetchone()
        return int(row[0])

    def noticed_since(self, sender: str, since: float) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM messages WHERE sender = ? AND received_at >= ? AND note = ?",
                (sender, since, "limit notice"),
            ).fetchone()
        return row is not None

    def same_text_before(self, message: Message, since: float) -> int:
        """Earlier messages with the same sender and text, received since ``since``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM messages WHERE sender = ? AND text = ? AND received_at >= ?"
                " AND id < ?",
                (message.sender, message.text, since, message.id),
            ).fetchone()
        return int(row[0])

    # -- sending -----------------------------------------------------------------------------

    def due_replies(self, now: float | None = None, limit: int = 50) -> list[Outgoing]:
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT id, recipient, text, attempts FROM outbox WHERE state = ? AND next_at <= ?"
                " ORDER BY id LIMIT ?",
                (OutboxState.PENDING, now, limit),
            ).fetchall()
        return [Outgoing(*row) for row in rows]

    def next_reply_at(self) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_at) FROM outbox WHERE state = ?", (OutboxState.PENDING,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def sent_since(self, since: float) -> int:
        """How many replies were sent since ``since``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM outbox WHERE sent_at >= ?", (since,)
            ).fetchone()
        return int(row[0])

    def mark_sent(self, reply_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                (OutboxState.SENT, now, reply_id),
            )

    def retry_reply(self, reply_id: int, reason: str, at: float) -> None:
        """Try a reply again at ``at`` without counting an attempt (the modem was away)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET last_error = ?, next_at = ? WHERE id = ?", (reason, at, reply_id)
            )

    def mark_failed_attempt(self, reply_id: int, error: str, retry_at: float | None) -> None:
        """Count a failed attempt; ``retry_at`` None means give up on this reply."""
        with self._transaction() as db:
            if retry_at is None:
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?"
                    " WHERE id = ?",
                    (OutboxState.FAILED, error, reply_id),
                )
            else:
                db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?"
                    " WHERE id = ?",
                    (error, retry_at, reply_id),
                )

    def prune(self, older_than: float) -> int:
        """Forget handled messages, sent or failed replies and used parts from before
        ``older_than``; the usage events stay for the report. Returns the rows removed."""
        with self._transaction() as db:
            removed = db.execute(
                "DELETE FROM outbox WHERE state != ? AND created_at < ?",
                (OutboxState.PENDING, older_than),
            ).rowcount
            removed += db.execute(
                "DELETE FROM messages WHERE state != ? AND received_at < ?"
                " AND id NOT IN (SELECT message_id FROM outbox WHERE message_id IS NOT NULL)",
                (MessageState.NEW, older_than),
            ).rowcount
            removed += db.execute(
                "DELETE FROM parts WHERE message_id IS NOT NULL AND received_at < ?",
                (older_than,),
            ).rowcount
        return removed

    # -- reporting -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Messages by state and replies by state, for the status line and tests."""
        with self._lock:
            messages = self._db.execute(
                "SELECT state, COUNT(*) FROM messages GROUP BY state"
            ).fetchall()
            replies = self._db.execute(
                "SELECT state, COUNT(*) FROM outbox GROUP BY state"
            ).fetchall()
        result = {f"messages_{state}": count for state, count in messages}
        result.update({f"replies_{state}": count for state, count in replies})
        return result

    def events(self) -> list[tuple[str, str, str, str | None, int]]:
        with self._lock:
            return read_events(self._db)


def read_events(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, int]]:
    """Every usage event, oldest first: UTC hour (ISO), channel, outcome, status, latency.

    A function of the connection, so that the usage report can read a database it opened
    read-only, without the schema set-up :class:`Store` does.
    """
    rows = db.execute(
        "SELECT at, channel, outcome, status, latency_ms FROM events ORDER BY id"
    ).fetchall()
    return [tuple(row) for row in rows]
