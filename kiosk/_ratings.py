"""Satisfaction ratings: kept on the kiosk until the status API takes them.

A citizen rates a lookup with one touch (Rất hài lòng, Hài lòng, Không hài lòng, as Hậu
Giang's own rating tablet asks) and walks away; the kiosk must never make them wait for the
network, nor for the SD card. So a rating is handed to a thread of its own, which writes it
to a small SQLite queue in ``[kiosk] state_dir`` at once (a commit waits for the card) and
sends the queue through ``StatusClient.rate``: kept while the API is
unreachable, dropped (with a log line) when the API refuses it for good, removed once taken or
already known (each rating carries the lookup's own id, so a resend after an outage is never
counted twice).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from backend_client import BackendError, BackendUnavailable
from dossier import Channel, CodeError, CodeFamilies, Rating, parse_code
from onestop.sqlite import migrate

logger = logging.getLogger(__name__)

MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS ratings (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL,
        rating TEXT NOT NULL,
        lookup_id TEXT NOT NULL UNIQUE,
        rated_at REAL NOT NULL
    )
    """
]
"""Migration 1 is the first released schema."""

Send = Callable[[str, Rating, str], bool]
"""Sends one rating (code, rating, lookup id): True taken, False already known; raises
:class:`BackendError` like ``StatusClient.rate``."""


class RatingQueue:
    """Ratings not yet taken by the status API, in the order they were given."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        migrate(self._db, MIGRATIONS, name=f"kiosk ratings ({path})")

    def add(self, code: str, rating: Rating, lookup_id: str, at: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO ratings (code, rating, lookup_id, rated_at)"
                " VALUES (?, ?, ?, ?)",
                (code, str(rating), lookup_id, at),
            )

    def pending(self) -> list[tuple[int, str, Rating, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, code, rating, lookup_id FROM ratings ORDER BY id"
            ).fetchall()
        return [(row[0], row[1], Rating(row[2]), row[3]) for row in rows]

    def remove(self, row: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM ratings WHERE id = ?", (row,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RatingSender:
    """Keeps and sends the queue on a thread of its own: at once after a new rating, else
    every ``interval`` seconds while some are left."""

    def __init__(self, queue: RatingQueue, send: Send, *, interval: float = 60.0) -> None:
        self.queue = queue
        self._send = send
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._given: deque[tuple[str, Rating, str, float]] = deque()
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="ratings", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def give(self, code: str, rating: Rating, lookup_id: str, at: float) -> None:
        """A citizen's rating, for the queue (as :meth:`RatingQueue.add`); returns at once,
        and the thread writes it."""
        self._given.append((code, rating, lookup_id, at))
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread; a rating given just before is still written to the queue."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self._keep_given()

    def _keep_given(self) -> None:
        while self._given:
            self.queue.add(*self._given.popleft())

    def _run(self) -> None:
        while not self._stop.is_set():
            self._keep_given()
            self.send_pending()
            self._wake.wait(self._interval)
            self._wake.clear()

    def send_pending(self) -> None:
        """One pass over the queue; stops at the first rating the API cannot take now."""
        for row, code, rating, lookup_id in self.queue.pending():
            try:
                self._send(code, rating, lookup_id)
            except BackendUnavailable as exc:
                logger.info("ratings kept for later, the status API is unavailable: %s", exc)
                return
            except BackendError as exc:
                logger.warning("a rating of %s was refused and dropped: %s", code, exc)
            self.queue.remove(row)
            self.sent += 1


def client_sender(rate: Callable[..., bool], families: CodeFamilies) -> Send:
    """:data:`Send` through ``StatusClient.rate`` (the code parsed again, as the kiosk read it)."""

    def send(code: str, rating: Rating, lookup_id: str) -> bool:
        try:
            parsed = parse_code(code, families=families)
        except CodeError:
            logger.warning("a rating for %r, which is no code, was dropped", code)
            return False
        return rate(parsed, rating, channel=Channel.KIOSK, lookup_id=lookup_id)

    return send
