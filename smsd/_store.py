"""The daemon's SQLite database: every received message, part, reply and usage event.

A message is committed here (WAL, ``synchronous=FULL``) before it is deleted from the modem,
and a reply is committed in the same transaction that marks its message answered. So a
crash at any point leaves either a message to answer or a reply to send, never both and
never neither; on restart the daemon simply continues with what is pending. The unique keys
make a re-delivered message or part (same sender, service-centre time stamp and text) a
no-op.

Sending is journalled the same way, by the thread that submits each part (see
:class:`hardware.modem.SendJournal`): a reply is marked ``sending`` (committed) before the
part goes to the network, and the network's answer is committed by that same thread as
soon as it is read. A reply still ``sending`` when the daemon starts was cut off inside its
send; it is sent again once, from the part that was in flight, with the same concatenation
reference, and counted as :attr:`Outcome.RESENT` (the citizen may get that part twice); cut
off a second time it is not sent again (:attr:`Outcome.UNSENT`), so that a crash loop can
never flood a citizen.

The schema is versioned (``onestop.sqlite.migrate``, the file's own ``user_version``; the last
known statuses that share the file keep theirs apart): migration 1 is the schema of release
0.1.0, which wrote no version.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hardware.modem import Incoming, join_units
from onestop.sqlite import Migration, migrate

_SCHEMA_1 = """
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
"""Release 0.1.0's schema, exactly as it created it."""

_SCHEMA_2 = """
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN concat_ref INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET concat_ref = id % 256;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) SELECT 'concat_ref', COALESCE(MAX(id), 0) FROM outbox;
"""
"""Sends journalled part by part, and concatenation references that survive restarts."""

_SCHEMA_3 = """
CREATE TABLE IF NOT EXISTS fleet_alerts (id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL);
"""
"""Alert SMS the gateway handed over for technicians, each put in the outbox once."""

MIGRATIONS: tuple[Migration, ...] = (_SCHEMA_1, _SCHEMA_2, _SCHEMA_3)
SCHEMA_NAME = "sms messages"


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
    SENDING = "sending"
    """A part is with the network; the outcome is not written down yet."""
    SENT = "sent"
    FAILED = "failed"


class Note(enum.StrEnum):
    """Why an answered message got the reply it got (``messages.note``)."""

    LOOKUP = "lookup"
    HELP = "help"
    UNKNOWN = "unknown"
    """Nothing that looked like a code: answered with the instructions."""
    LIMIT_NOTICE = "limit notice"
    """The one notice a number gets when it reaches the lookup limit."""
    INCOMPLETE = "incomplete"
    """A long message whose part with the code never came: asked to send it again."""


class Reason(enum.StrEnum):
    """Why a message gets no reply (``messages.note`` of an ignored one)."""

    ALPHANUMERIC = "alphanumeric sender"
    NOT_A_SUBSCRIBER = "not a subscriber number"
    """More than the 15 digits of any phone number (ITU-T E.164)."""
    SHORT_CODE = "short code"
    OWN_NUMBER = "own number"
    DENY_LIST = "deny list"
    LOOP = "loop"
    OVER_LIMIT = "over limit"
    BINARY = "binary message"
    """8-bit data or an application port (WAP push, MMS notification): for a program."""


class Outcome(enum.StrEnum):
    """What a usage event records; the usage report counts each one in its own column."""

    FOUND = "found"
    LAST_KNOWN = "last_known"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    """The status API refused the code: reported with the invalid codes."""
    INVALID_CODE = "invalid_code"
    UNAVAILABLE = "unavailable"
    HELP = "help"
    UNKNOWN = "unknown"
    INCOMPLETE = "incomplete"
    """A long message arrived without its code: asked to send it again."""
    RESENT = "resent"
    """A reply cut off inside its send went out again: the citizen may have it twice."""
    UNSENT = "unsent"
    """A reply was given up: refused by the network, or cut off twice inside its send."""

    @property
    def is_lookup(self) -> bool:
        """Counted as a lookup in the report (help and send events are not)."""
        return self in _LOOKUPS


_LOOKUPS = frozenset(
    {
        Outcome.FOUND,
        Outcome.LAST_KNOWN,
        Outcome.NOT_FOUND,
        Outcome.REJECTED,
        Outcome.INVALID_CODE,
        Outcome.UNAVAILABLE,
        Outcome.INCOMPLETE,
    }
)


EventRow = tuple[int, str, str, str | None, int]
"""A usage event as the store keeps it, with its number: id, UTC hour, outcome, status,
latency."""


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
    """A reply to send; ``parts_sent`` parts already went out under ``concat_ref``."""

    id: int
    recipient: str
    text: str
    attempts: int
    parts_sent: int = 0
    concat_ref: int = 0


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One lookup for the six-monthly usage report: no number, no code, no text."""

    outcome: Outcome
    status: str | None
    latency_ms: int


def _stamp(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _hour(now: float) -> str:
    """The UTC hour of ``now``: usage events are kept no finer than that."""
    at = dt.datetime.fromtimestamp(now, dt.UTC).replace(minute=0, second=0, microsecond=0)
    return at.isoformat()


def _next_reference(db: sqlite3.Connection) -> int:
    """The next concatenation reference, from a counter kept in the file."""
    row = db.execute(
        "INSERT INTO counters (name, value) VALUES ('concat_ref', 1) ON CONFLICT (name)"
        " DO UPDATE SET value = value + 1 RETURNING value"
    ).fetchone()
    return int(row[0])


def _add_events(db: sqlite3.Connection, now: float, events: list[UsageEvent]) -> None:
    db.executemany(
        "INSERT INTO events (at, channel, outcome, status, latency_ms) VALUES (?, 'sms', ?, ?, ?)",
        [(_hour(now), str(e.outcome), e.status, e.latency_ms) for e in events],
    )


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
        migrate(self._db, MIGRATIONS, name=SCHEMA_NAME)

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
            if incoming.binary:
                # Kept for the record, never answered, and never joined: no part of it is text.
                cursor = db.execute(
                    "INSERT OR IGNORE INTO messages (sender, sent_at, text, pdu, received_at,"
                    " state, note) VALUES (?, ?, '', ?, ?, ?, ?)",
                    (
                        incoming.sender,
                        "pdu:" + incoming.pdu,
                        incoming.pdu,
                        now,
                        MessageState.IGNORED,
                        Reason.BINARY,
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

    def ignore(self, message_id: int, why: Reason) -> None:
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
        note: Note,
        now: float | None = None,
    ) -> bool:
        """Put the reply in the outbox and mark the message answered, both or neither.

        The reply gets its concatenation reference here, from a counter kept in the file, so
        that no two long replies to a phone share one, whatever restarts happen between them.
        """
        now = time.time() if now is None else now
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET state = ?, note = ? WHERE id = ? AND state = ?",
                (MessageState.ANSWERED, note, message.id, MessageState.NEW),
            )
            if cursor.rowcount == 0:
                return False
            reference = _next_reference(db)
            db.execute(
                "INSERT INTO outbox (message_id, recipient, text, state, next_at, created_at,"
                " concat_ref) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message.id, message.sender, reply, OutboxState.PENDING, now, now, reference % 256),
            )
            _add_events(db, now, events)
        return True

    def answered_since(self, sender: str, since: float) -> int:
        """How many of this sender's messages got a lookup answer since ``since``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM messages WHERE sender = ? AND received_at >= ?"
                " AND state = ? AND (note IS NULL OR note != ?)",
                (sender, since, MessageState.ANSWERED, Note.LIMIT_NOTICE),
            ).fetchone()
        return int(row[0])

    def noted_since(self, sender: str, since: float, note: Note | Reason) -> bool:
        """Whether one of the sender's messages since ``since`` was answered or ignored so
        (the limit's notice, a loop)."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM messages WHERE sender = ? AND received_at >= ? AND note = ?",
                (sender, since, note),
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

    def reply_delays(self, message: Message, since: float) -> list[float | None]:
        """For each of the sender's messages since ``since`` up to ``message``, after the
        first: seconds from the reply to the one before it being sent to this one arriving;
        None where no reply had gone out before it came. Another auto-responder shows a
        steady rhythm here whatever its words."""
        with self._lock:
            rows = self._db.execute(
                "SELECT m.received_at, o.sent_at FROM messages m"
                " LEFT JOIN outbox o ON o.message_id = m.id"
                " WHERE m.sender = ? AND m.received_at >= ? AND m.id <= ? ORDER BY m.id",
                (message.sender, since, message.id),
            ).fetchall()
        delays: list[float | None] = []
        for (_, replied_at), (received_at, _) in itertools.pairwise(rows):
            late = None if replied_at is None else received_at - replied_at
            delays.append(late if late is not None and late >= 0 else None)
        return delays

    # -- sending -----------------------------------------------------------------------------

    def due_replies(self, now: float | None = None, limit: int = 50) -> list[Outgoing]:
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT id, recipient, text, attempts, parts_sent, concat_ref FROM outbox"
                " WHERE state = ? AND next_at <= ? ORDER BY id LIMIT ?",
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

    def sending(self, reply_id: int, part: int) -> None:
        """Part ``part`` is about to go to the network: committed before it does."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, parts_sent = ? WHERE id = ?",
                (OutboxState.SENDING, part - 1, reply_id),
            )

    def accepted(self, reply_id: int, part: int, total: int, now: float | None = None) -> None:
        """The network took part ``part`` of ``total``; the reply is sent with the last one."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            if part < total:
                db.execute(
                    "UPDATE outbox SET state = ?, parts_sent = ? WHERE id = ?",
                    (OutboxState.SENDING, part, reply_id),
                )
            else:
                db.execute(
                    "UPDATE outbox SET state = ?, parts_sent = ?, sent_at = ?,"
                    " attempts = attempts + 1 WHERE id = ?",
                    (OutboxState.SENT, part, now, reply_id),
                )

    def retry_reply(self, reply_id: int, reason: str, at: float) -> None:
        """Try a reply again at ``at`` without counting an attempt (the modem was away, and
        the part in hand certainly did not go out)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_at = ? WHERE id = ?",
                (OutboxState.PENDING, reason, at, reply_id),
            )

    def mark_failed_attempt(
        self, reply_id: int, error: str, retry_at: float | None, now: float | None = None
    ) -> None:
        """Count a refused attempt; ``retry_at`` None means give up on this reply."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            if retry_at is None:
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?"
                    " WHERE id = ?",
                    (OutboxState.FAILED, error, reply_id),
                )
                _add_events(db, now, [UsageEvent(Outcome.UNSENT, None, 0)])
            else:
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                    " next_at = ? WHERE id = ?",
                    (OutboxState.PENDING, error, retry_at, reply_id),
                )

    def interrupted(self, reply_id: int, reason: str, now: float | None = None) -> bool:
        """A part was with the network when its send was cut off (a crash, a modem that went
        silent after the PDU): resend once, counted; the second time, give up, counted.
        Returns whether the reply will be sent again."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            row = db.execute(
                "SELECT interruptions FROM outbox WHERE id = ? AND state = ?",
                (reply_id, OutboxState.SENDING),
            ).fetchone()
            if row is None:
                return False
            again = int(row[0]) == 0
            db.execute(
                "UPDATE outbox SET state = ?, interruptions = interruptions + 1, last_error = ?,"
                " next_at = ? WHERE id = ?",
                (OutboxState.PENDING if again else OutboxState.FAILED, reason, now, reply_id),
            )
            outcome = Outcome.RESENT if again else Outcome.UNSENT
            _add_events(db, now, [UsageEvent(outcome, None, 0)])
        return again

    def cut_off(self) -> list[int]:
        """Replies found ``sending``: the last run stopped inside their send."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM outbox WHERE state = ? ORDER BY id", (OutboxState.SENDING,)
            ).fetchall()
        return [int(row[0]) for row in rows]

    def prune(self, older_than: float) -> int:
        """Forget handled messages, sent or failed replies and used parts from before
        ``older_than``; the usage events stay for the report. Returns the rows removed."""
        with self._transaction() as db:
            removed = db.execute(
                "DELETE FROM outbox WHERE state IN (?, ?) AND created_at < ?",
                (OutboxState.SENT, OutboxState.FAILED, older_than),
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

    # -- the fleet (heartbeats, usage events and alert SMS for the gateway) --------------------

    def events_after(self, position: int, limit: int = 5000) -> list[EventRow]:
        """Usage events numbered above ``position``, in order: (id, UTC hour as ISO text,
        outcome, status, latency)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, outcome, status, latency_ms FROM events WHERE id > ?"
                " ORDER BY id LIMIT ?",
                (position, limit),
            ).fetchall()
        return [tuple(row) for row in rows]

    def oldest_unanswered(self) -> float | None:
        """When the oldest message still waiting for its answer was received."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(received_at) FROM messages WHERE state = ?", (MessageState.NEW,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def reply_times(self, since: float) -> list[float]:
        """Seconds from receiving a message to its reply leaving, for replies sent since
        ``since``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT o.sent_at - m.received_at FROM outbox o JOIN messages m"
                " ON m.id = o.message_id WHERE o.sent_at >= ?",
                (since,),
            ).fetchall()
        return [max(float(row[0]), 0.0) for row in rows]

    def queue_alert(
        self, alert_id: int, recipient: str, text: str, now: float | None = None
    ) -> None:
        """Put an alert SMS for a technician in the outbox, once whatever the retries."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM fleet_alerts WHERE id = ?", (alert_id,)).fetchone():
                return
            reference = _next_reference(db)
            cursor = db.execute(
                "INSERT INTO outbox (recipient, text, state, next_at, created_at, concat_ref)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (recipient, text, OutboxState.PENDING, now, now, reference % 256),
            )
            db.execute(
                "INSERT INTO fleet_alerts (id, outbox_id) VALUES (?, ?)",
                (alert_id, cursor.lastrowid),
            )


def read_events(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, int]]:
    """Every usage event, oldest first: UTC hour (ISO), channel, outcome, status, latency.

    A function of the connection, so that the usage report can read a database it opened
    read-only, without the schema set-up :class:`Store` does.
    """
    rows = db.execute(
        "SELECT at, channel, outcome, status, latency_ms FROM events ORDER BY id"
    ).fetchall()
    return [tuple(row) for row in rows]
