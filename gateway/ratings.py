"""Citizens' satisfaction ratings: kept in SQLite, passed on to the upstream when it can take them.

A kiosk rates a lookup once, and resends a rating it could not deliver when it comes back
online; so a rating is identified by the ``lookup_id`` its client made for that lookup, and a
second delivery of it changes nothing. The gateway keeps every rating (for the office's own
figures) and passes it on to the dossier's upstream when the adapter has a rating API
(OpenCPS's votings); an upstream that is down is asked again every ``retry_interval`` until
the rating is a day old.

The database holds no personal data: the dossier code, the rating, the channel, and which
client (kiosk, SMS box) sent it; never an address or a phone number.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dossier import ICT, Channel, DossierCode, Rating, format_time
from gateway.service import LookupService
from gateway.upstreams import UpstreamError
from onestop.sqlite import migrate

logger = logging.getLogger(__name__)

MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS ratings (
        lookup_id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        upstream TEXT NOT NULL,
        rating TEXT NOT NULL,
        channel TEXT NOT NULL,
        client TEXT NOT NULL,
        received_at TEXT NOT NULL,
        forwarding TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS ratings_to_forward ON ratings (forwarding, received_at);
    """,
]


class Forwarding(enum.StrEnum):
    PENDING = "pending"
    """Not yet with the upstream; asked again later."""
    FORWARDED = "forwarded"
    KEPT = "kept"
    """The upstream has no rating API (or is retired): the gateway's copy is the rating."""
    ABANDONED = "abandoned"
    """The upstream did not take it within a day."""


@dataclass(frozen=True, slots=True)
class RatingRecord:
    lookup_id: str
    code: str
    upstream: str
    rating: Rating
    channel: Channel
    client: str
    received_at: dt.datetime

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "rating": str(self.rating),
            "channel": str(self.channel),
            "lookup_id": self.lookup_id,
            "received_at": format_time(self.received_at),
        }


class AlreadyRated(Exception):
    """This lookup was rated before, differently; ``existing`` is the rating kept."""

    def __init__(self, existing: RatingRecord) -> None:
        super().__init__(f"lookup {existing.lookup_id} is already rated {existing.rating}")
        self.existing = existing


class RatingStore:
    """The ratings table; ``None`` keeps it in memory (the demo, tests)."""

    def __init__(self, path: Path | None) -> None:
        self._db = sqlite3.connect(
            ":memory:" if path is None else path, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode = WAL")
            migrate(self._db, MIGRATIONS, name=f"ratings database {path or '(memory)'}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save(self, record: RatingRecord) -> tuple[RatingRecord, bool]:
        """Store ``record`` unless its lookup was rated before; returns the stored record and
        whether it is new. A different rating of the same lookup raises :class:`AlreadyRated`."""
        with self._lock:
            inserted = self._db.execute(
                "INSERT INTO ratings (lookup_id, code, upstream, rating, channel, client, "
                "received_at, forwarding) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (lookup_id) DO NOTHING",
                (
                    record.lookup_id,
                    record.code,
                    record.upstream,
                    str(record.rating),
                    str(record.channel),
                    record.client,
                    format_time(record.received_at),
                    str(Forwarding.PENDING),
                ),
            ).rowcount
            if inserted:
                return record, True
            row = self._db.execute(
                "SELECT lookup_id, code, upstream, rating, channel, client, received_at "
                "FROM ratings WHERE lookup_id = ?",
                (record.lookup_id,),
            ).fetchone()
        existing = _record(row)
        if (existing.code, existing.rating) != (record.code, record.rating):
            raise AlreadyRated(existing)
        return existing, False

    def pending(self, limit: int = 100) -> list[RatingRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT lookup_id, code, upstream, rating, channel, client, received_at "
                "FROM ratings WHERE forwarding = ? ORDER BY received_at LIMIT ?",
                (str(Forwarding.PENDING), limit),
            ).fetchall()
        return [_record(row) for row in rows]

    def mark(self, lookup_id: str, forwarding: Forwarding) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE ratings SET forwarding = ?, attempts = attempts + 1 WHERE lookup_id = ?",
                (str(forwarding), lookup_id),
            )

    def forwarding(self, lookup_id: str) -> Forwarding | None:
        with self._lock:
            row = self._db.execute(
                "SELECT forwarding FROM ratings WHERE lookup_id = ?", (lookup_id,)
            ).fetchone()
        return None if row is None else Forwarding(row[0])


def _record(row: tuple[str, str, str, str, str, str, str]) -> RatingRecord:
    lookup_id, code, upstream, rating, channel, client, received_at = row
    return RatingRecord(
        lookup_id,
        code,
        upstream,
        Rating(rating),
        Channel(channel),
        client,
        dt.datetime.fromisoformat(received_at),
    )


class Ratings:
    """Receives ratings and passes them on, in the background, to their upstreams."""

    def __init__(
        self,
        store: RatingStore,
        service: LookupService,
        parse: Callable[[str], DossierCode],
        *,
        retry_interval: float = 300.0,
        give_up_after: dt.timedelta = dt.timedelta(days=1),
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ICT),
    ) -> None:
        self.store = store
        self.service = service
        self._parse = parse
        self.retry_interval = retry_interval
        self.give_up_after = give_up_after
        self._now = clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(
        self,
        code: DossierCode,
        *,
        upstream: str,
        rating: Rating,
        channel: Channel,
        lookup_id: str,
        client: str,
    ) -> tuple[RatingRecord, bool]:
        """Store a rating (see :meth:`RatingStore.save`) and start passing a new one on."""
        received = self._now().replace(microsecond=0)
        record = RatingRecord(lookup_id, str(code), upstream, rating, channel, client, received)
        stored, new = await asyncio.to_thread(self.store.save, record)
        if new:
            task = asyncio.create_task(self._forward(stored, code))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return stored, new

    async def run(self) -> None:
        """Ask again, every ``retry_interval``, for the ratings an upstream did not take."""
        while True:
            await asyncio.sleep(self.retry_interval)
            await self.retry_pending()

    async def retry_pending(self) -> None:
        for record in await asyncio.to_thread(self.store.pending):
            if self._now() - record.received_at > self.give_up_after:
                logger.warning(
                    "rating of %s not taken by %s within %s; kept here only",
                    record.code,
                    record.upstream,
                    self.give_up_after,
                )
                await asyncio.to_thread(self.store.mark, record.lookup_id, Forwarding.ABANDONED)
            else:
                await self._forward(record, self._parse(record.code))

    async def drain(self) -> None:
        """Wait for the ratings being passed on now (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _forward(self, record: RatingRecord, code: DossierCode) -> None:
        try:
            taken = await self.service.forward_rating(record.upstream, code, record.rating)
        except UpstreamError as exc:
            logger.info("rating of %s not passed on to %s yet: %s", code, record.upstream, exc)
            with contextlib.suppress(sqlite3.Error):
                await asyncio.to_thread(self.store.mark, record.lookup_id, Forwarding.PENDING)
            return
        state = Forwarding.FORWARDED if taken else Forwarding.KEPT
        await asyncio.to_thread(self.store.mark, record.lookup_id, state)
