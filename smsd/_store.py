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
from onestop.fleet import Outcome
from onestop.sqlite import Migration, immediate, migrate

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

_SCHEMA_4 = """
ALTER TABLE messages ADD COLUMN transport TEXT NOT NULL DEFAULT 'modem';
ALTER TABLE messages ADD COLUMN sim TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN gateway_id TEXT;
ALTER TABLE messages ADD COLUMN acked_at REAL;
UPDATE messages SET acked_at = received_at;
CREATE INDEX IF NOT EXISTS messages_gateway ON messages (transport, gateway_id)
    WHERE gateway_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_unacked ON messages (sender, text) WHERE acked_at IS NULL;
ALTER TABLE parts ADD COLUMN transport TEXT NOT NULL DEFAULT 'modem';
ALTER TABLE parts ADD COLUMN sim TEXT NOT NULL DEFAULT '';
ALTER TABLE parts ADD COLUMN acked_at REAL;
UPDATE parts SET acked_at = received_at;
CREATE INDEX IF NOT EXISTS parts_unacked ON parts (sender, reference, total, number)
    WHERE acked_at IS NULL;
ALTER TABLE outbox ADD COLUMN transport TEXT NOT NULL DEFAULT 'modem';
ALTER TABLE outbox ADD COLUMN via TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sim TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN transport TEXT NOT NULL DEFAULT 'modem';
ALTER TABLE events ADD COLUMN sim TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS sent_parts (
    id INTEGER PRIMARY KEY,
    reply_id INTEGER NOT NULL,
    part INTEGER NOT NULL,
    transport TEXT NOT NULL,
    sim TEXT NOT NULL,
    network_id TEXT NOT NULL,
    sent_at REAL NOT NULL,
    receipt TEXT,
    receipt_at REAL
);
CREATE INDEX IF NOT EXISTS sent_parts_sim ON sent_parts (sent_at, sim);
CREATE INDEX IF NOT EXISTS sent_parts_network ON sent_parts (transport, network_id);
INSERT OR IGNORE INTO counters (name, value) VALUES ('running', 0);
"""
"""Transports: which one and which SIM (or SMSC, or short code) each message came in on and
each reply left from, for the report and for sticky replies; when a message was acknowledged
to whoever delivered it (an SMPP SMSC delivers again what it did not hear acknowledged) and
a gateway's own id of it (Kannel's); every SMS part sent with the network's id for it, its
delivery receipt, and the SIM it counts against."""

MIGRATIONS: tuple[Migration, ...] = (_SCHEMA_1, _SCHEMA_2, _SCHEMA_3, _SCHEMA_4)
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


EventRow = tuple[int, str, str, str | None, int, str]
"""A usage event as the store keeps it, with its number: id, UTC hour, outcome, status,
latency, transport."""


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
    """A reply to send; ``parts_sent`` parts already went out under ``concat_ref``. ``via``
    is the route its message came in on (a SIM of a pool, a Kannel SMSC, the short code
    texted), where it should leave from too."""

    id: int
    recipient: str
    text: str
    attempts: int
    parts_sent: int = 0
    concat_ref: int = 0
    via: str = ""
    transport: str = "modem"


REDELIVERY_WINDOW = 6 * 3600.0
"""Seconds during which a message kept but not acknowledged may come again as a re-delivery
(an SMPP SMSC sends again what it did not hear acknowledged, after the daemon restarts or the
link comes back) rather than as the citizen's own second message."""

ACK_DOUBT = 2.0
"""Seconds of acknowledgements before a broken link (or a crash) that may never have reached
the SMSC: they are taken back, so that the SMSC's re-delivery is recognised."""


@dataclass(frozen=True, slots=True)
class Origin:
    """How a message came in: the transport, the route (a SIM of a pool, a Kannel SMSC id, the
    short code texted), and how a second delivery of the same message is told apart from the
    citizen's own second message.

    A modem's message carries the service centre's time stamp: the same sender, time stamp
    and text is the same message. A gateway's ``key`` (Kannel's message id) identifies it
    outright. A message that is ``acknowledged_later`` (an SMPP ``deliver_sm``, answered only
    after it is kept) carries neither: it is the same as a message kept earlier with the same
    sender and text that was never acknowledged (:meth:`Store.acknowledge`).
    """

    transport: str = "modem"
    sim: str = ""
    key: str | None = None
    acknowledged_later: bool = False


MODEM = Origin()
"""A message read from the one modem of ``[smsd] transport = modem``."""


class Holder(enum.StrEnum):
    """The table a received SMS is kept in: a whole message, or a part of a long one."""

    MESSAGES = "messages"
    PARTS = "parts"


@dataclass(frozen=True, slots=True)
class Kept:
    """What :meth:`Store.receive` did: ``fresh`` when the SMS was new (False: a re-delivery),
    and the row that holds it, to :meth:`Store.acknowledge` once the deliverer heard."""

    fresh: bool
    holder: Holder
    row: int


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


def _add_events(
    db: sqlite3.Connection, now: float, events: list[UsageEvent], transport: str, sim: str
) -> None:
    db.executemany(
        "INSERT INTO events (at, channel, outcome, status, latency_ms, transport, sim)"
        " VALUES (?, 'sms', ?, ?, ?, ?, ?)",
        [(_hour(now), str(e.outcome), e.status, e.latency_ms, transport, sim) for e in events],
    )


def _reply_events(
    db: sqlite3.Connection, now: float, reply_id: int, events: list[UsageEvent]
) -> None:
    """Events about a reply's sending, under the route it left from (or was meant to)."""
    row = db.execute(
        "SELECT transport, CASE WHEN sim != '' THEN sim ELSE via END FROM outbox WHERE id = ?",
        (reply_id,),
    ).fetchone()
    transport, sim = row if row is not None else ("modem", "")
    _add_events(db, now, events, transport, sim)


class Store:
    """One SQLite file shared by the modem thread, the lookup workers and the pipeline."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._batched = False
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
            if self._batched:
                # Inside batch(): a savepoint, so that one step can fail alone.
                self._db.execute("SAVEPOINT step")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK TO step")
                    self._db.execute("RELEASE step")
                    raise
                self._db.execute("RELEASE step")
                return
            with immediate(self._db) as db:
                yield db

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make everything the calling thread writes in here one commit (a group commit).

        A transport that reads or sends many messages at once (an SMPP link under load) keeps
        each, marks each part ``sending`` or writes down each outcome inside one batch, and
        acts on none of them (no acknowledgement, no submit) before the batch has returned:
        the promises hold as for single commits, at the cost of one disk flush for the lot.
        A step that raises is undone alone; other threads wait for the batch to end.
        """
        with self._lock:
            if self._batched:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._batched = True
            try:
                yield
            except BaseException:
                self._batched = False
                self._db.execute("ROLLBACK")
                raise
            self._batched = False
            try:
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- receiving ---------------------------------------------------------------------------

    def receive(
        self, incoming: Incoming, now: float | None = None, *, origin: Origin = MODEM
    ) -> Kept:
        """Keep a received SMS or part for good; ``fresh`` is False for a re-delivery of one
        already kept (see :class:`Origin` for how one is recognised)."""
        now = time.time() if now is None else now
        acked = None if origin.acknowledged_later else now
        with self._transaction() as db:
            if origin.key is not None:
                row = db.execute(
                    "SELECT id FROM messages WHERE transport = ? AND gateway_id = ?",
                    (origin.transport, origin.key),
                ).fetchone()
                if row is not None:
                    return Kept(False, Holder.MESSAGES, int(row[0]))
            columns = (origin.transport, origin.sim, origin.key, acked)
            if incoming.error is not None or incoming.binary:
                # Kept for the record, never answered (binary: for a program on the phone;
                # undecodable: for a technician), and never joined: no part of it is text.
                state, note = (
                    (MessageState.UNDECODABLE, incoming.error)
                    if incoming.error is not None
                    else (MessageState.IGNORED, Reason.BINARY)
                )
                return self._keep_message(
                    db,
                    (incoming.sender, "pdu:" + incoming.pdu, "", incoming.pdu, now, state, note),
                    columns,
                )
            sent_at = _stamp(incoming.sent_at)
            if origin.key is not None or origin.acknowledged_later:
                # No time stamp from the network: when it arrived tells messages apart.
                sent_at = sent_at or _stamp(dt.datetime.fromtimestamp(now, dt.UTC))
            if incoming.part is None:
                if origin.acknowledged_later:
                    row = db.execute(
                        "SELECT id FROM messages WHERE sender = ? AND text = ? AND acked_at IS NULL"
                        " AND transport = ? AND sim = ? AND received_at >= ? ORDER BY id LIMIT 1",
                        (
                            incoming.sender,
                            incoming.text,
                            origin.transport,
                            origin.sim,
                            now - REDELIVERY_WINDOW,
                        ),
                    ).fetchone()
                    if row is not None:
                        return Kept(False, Holder.MESSAGES, int(row[0]))
                return self._keep_message(
                    db,
                    (
                        incoming.sender,
                        sent_at,
                        incoming.text,
                        incoming.pdu,
                        now,
                        MessageState.NEW,
                        None,
                    ),
                    columns,
                )
            part = incoming.part
            identity = (incoming.sender, part.reference, part.total, part.number, incoming.units)
            if origin.acknowledged_later:
                row = db.execute(
                    "SELECT id FROM parts WHERE sender = ? AND reference = ? AND total = ?"
                    " AND number = ? AND units = ? AND acked_at IS NULL AND transport = ?"
                    " AND sim = ? AND received_at >= ? ORDER BY id LIMIT 1",
                    (*identity, origin.transport, origin.sim, now - REDELIVERY_WINDOW),
                ).fetchone()
                if row is not None:
                    return Kept(False, Holder.PARTS, int(row[0]))
            cursor = db.execute(
                "INSERT OR IGNORE INTO parts (sender, sent_at, reference, total, number, units,"
                " received_at, transport, sim, acked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    incoming.sender,
                    sent_at,
                    part.reference,
                    part.total,
                    part.number,
                    incoming.units,
                    now,
                    origin.transport,
                    origin.sim,
                    acked,
                ),
            )
            if cursor.rowcount == 0:
                row = db.execute(
                    "SELECT id FROM parts WHERE sender = ? AND sent_at = ? AND reference = ?"
                    " AND total = ? AND number = ? AND units = ?",
                    (incoming.sender, sent_at, *identity[1:]),
                ).fetchone()
                return Kept(False, Holder.PARTS, int(row[0]))
            kept = Kept(True, Holder.PARTS, int(cursor.lastrowid or 0))
            self._assemble(db, incoming.sender, part.reference, part.total, now, timeout=None)
            return kept

    @staticmethod
    def _keep_message(
        db: sqlite3.Connection,
        values: tuple[object, ...],
        columns: tuple[str, str, str | None, float | None],
    ) -> Kept:
        """Insert a message row unless its sender, time stamp and text are kept already."""
        cursor = db.execute(
            "INSERT OR IGNORE INTO messages (sender, sent_at, text, pdu, received_at, state, note,"
            " transport, sim, gateway_id, acked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, *columns),
        )
        if cursor.rowcount:
            return Kept(True, Holder.MESSAGES, int(cursor.lastrowid or 0))
        row = db.execute(
            "SELECT id FROM messages WHERE sender = ? AND sent_at = ? AND text = ?", values[:3]
        ).fetchone()
        return Kept(False, Holder.MESSAGES, int(row[0]))

    def acknowledge(self, kept: Kept, now: float | None = None) -> None:
        """The deliverer heard that ``kept`` is safe (an SMPP ``deliver_sm_resp`` went out):
        a later identical message is the citizen's own, not a re-delivery."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            db.execute(
                f"UPDATE {kept.holder} SET acked_at = ? WHERE id = ? AND acked_at IS NULL",  # noqa: S608 - a Holder
                (now, kept.row),
            )

    def doubt_acknowledgements(self, transport: str, since: float) -> int:
        """Take back the acknowledgements of ``transport`` written since ``since``: the link
        broke (or the daemon died) right after, and the SMSC may never have read them, so it
        may deliver those messages again. Returns how many were taken back."""
        with self._transaction() as db:
            taken = 0
            for holder in Holder:
                taken += db.execute(
                    f"UPDATE {holder} SET acked_at = NULL WHERE transport = ? AND acked_at >= ?",  # noqa: S608 - a Holder
                    (transport, since),
                ).rowcount
        return taken

    def last_acknowledgement(self, transport: str) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MAX(acked_at) FROM messages WHERE transport = ?", (transport,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def started(self) -> bool:
        """Note that a daemon runs on this file; whether the last one stopped cleanly."""
        with self._transaction() as db:
            running = db.execute("SELECT value FROM counters WHERE name = 'running'").fetchone()
            db.execute(
                "INSERT INTO counters (name, value) VALUES ('running', 1)"
                " ON CONFLICT (name) DO UPDATE SET value = 1"
            )
        return running is None or not running[0]

    def stopped(self) -> None:
        """The daemon stops cleanly: nothing it acknowledged is in doubt."""
        with self._transaction() as db:
            db.execute("UPDATE counters SET value = 0 WHERE name = 'running'")

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
        first = min(by_number.values(), key=lambda entry: entry[3])
        transport, sim = db.execute(
            "SELECT transport, sim FROM parts WHERE id = ?", (first[0],)
        ).fetchone()
        cursor = db.execute(
            "INSERT OR IGNORE INTO messages (sender, sent_at, text, parts, missing_parts,"
            " received_at, state, transport, sim, gateway_id, acked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sender,
                sent_at,
                text,
                total,
                missing,
                received_at,
                MessageState.NEW,
                transport,
                sim,
                None,
                received_at,  # its parts are acknowledged one by one
            ),
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
            transport, sim = db.execute(
                "SELECT transport, sim FROM messages WHERE id = ?", (message.id,)
            ).fetchone()
            db.execute(
                "INSERT INTO outbox (message_id, recipient, text, state, next_at, created_at,"
                " concat_ref, transport, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message.id,
                    message.sender,
                    reply,
                    OutboxState.PENDING,
                    now,
                    now,
                    reference % 256,
                    transport,
                    sim,
                ),
            )
            _add_events(db, now, events, transport, sim)
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
                "SELECT id, recipient, text, attempts, parts_sent, concat_ref, via, transport"
                " FROM outbox WHERE state = ? AND next_at <= ? ORDER BY id LIMIT ?",
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

    def sending(self, reply_id: int, part: int, route: str = "") -> None:
        """Part ``part`` is about to go to the network through ``route`` (a SIM, a link):
        committed before it does."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, parts_sent = ?, sim = ? WHERE id = ?",
                (OutboxState.SENDING, part - 1, route, reply_id),
            )

    def accepted(
        self,
        reply_id: int,
        part: int,
        total: int,
        now: float | None = None,
        *,
        route: str = "",
        network_id: str = "",
    ) -> None:
        """The network took part ``part`` of ``total`` through ``route`` and called it
        ``network_id``; the reply is sent with the last one. The part counts against the
        route's caps (:meth:`sim_usage`) in this same transaction."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sent_parts (reply_id, part, transport, sim, network_id, sent_at)"
                " SELECT id, ?, transport, ?, ?, ? FROM outbox WHERE id = ?",
                (part, route, network_id, now, reply_id),
            )
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
                _reply_events(db, now, reply_id, [UsageEvent(Outcome.UNSENT, None, 0)])
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
            _reply_events(db, now, reply_id, [UsageEvent(outcome, None, 0)])
        return again

    def sim_usage(self, now: float | None = None) -> dict[str, tuple[int, int]]:
        """SMS parts each route sent in the last hour and in the last day (what its caps
        count), by route."""
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT sim, SUM(sent_at >= ?), COUNT(*) FROM sent_parts WHERE sent_at >= ?"
                " GROUP BY sim",
                (now - 3600, now - 86400),
            ).fetchall()
        return {sim: (int(hour), int(day)) for sim, hour, day in rows}

    def receipt(
        self, transport: str, network_id: str, state: str, now: float | None = None
    ) -> bool:
        """A delivery receipt for the part the network called ``network_id``; False when no
        part sent has that id (a receipt for something pruned, or not ours)."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE sent_parts SET receipt = ?, receipt_at = ? WHERE id = (SELECT id FROM"
                " sent_parts WHERE transport = ? AND network_id = ? ORDER BY id DESC LIMIT 1)",
                (state, now, transport, network_id),
            )
        return cursor.rowcount > 0

    def receipts(self) -> dict[str, int]:
        """Parts sent by their delivery receipt's state ("" while none came)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT COALESCE(receipt, ''), COUNT(*) FROM sent_parts GROUP BY 1"
            ).fetchall()
        return {state: int(count) for state, count in rows}

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
            # The caps look back one day; keep_days is at least that.
            removed += db.execute(
                "DELETE FROM sent_parts WHERE sent_at < ?", (older_than,)
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

    def events(self) -> list[UsageRow]:
        with self._lock:
            return read_events(self._db)

    # -- the fleet (heartbeats, usage events and alert SMS for the gateway) --------------------

    def events_after(self, position: int, limit: int = 5000) -> list[EventRow]:
        """Usage events numbered above ``position``, in order: (id, UTC hour as ISO text,
        outcome, status, latency, transport)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, outcome, status, latency_ms, transport FROM events WHERE id > ?"
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


UsageRow = tuple[str, str, str, "str | None", int, str, str]
"""A usage event for the report: UTC hour (ISO), channel, outcome, status, latency (ms),
transport, SIM."""


def read_events(db: sqlite3.Connection) -> list[UsageRow]:
    """Every usage event, oldest first (see :data:`UsageRow`).

    A function of the connection, so that the usage report can read a database it opened
    read-only, without the schema set-up :class:`Store` does: a file no daemon of this release
    has opened yet has no transport or SIM columns, and its events were all a modem's.
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
    where = (
        "transport, sim" if {"transport", "sim"} <= columns else "'modem' AS transport, '' AS sim"
    )
    rows = db.execute(
        f"SELECT at, channel, outcome, status, latency_ms, {where} FROM events ORDER BY id"  # noqa: S608 - fixed text
    ).fetchall()
    return [tuple(row) for row in rows]
