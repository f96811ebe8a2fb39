"""The last status each code had, kept on disk so that an answer survives an API outage.

Without it a kiosk or an SMS box can only say "try later" while the central API is down;
with it, it can say "as of 10:42 12/11 the dossier was in progress". Applicant details are
never stored.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from dossier import (
    ICT,
    Dossier,
    DossierCode,
    dossier_from_json,
    dossier_to_json,
)
from onestop.sqlite import Migration, migrate

MIGRATIONS: list[Migration] = [
    # 1: release 0.1.0, which wrote no version.
    """
    CREATE TABLE IF NOT EXISTS last_known (
        code TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    )
    """,
    # 2: pruning finds the stale statuses without reading the whole table.
    "CREATE INDEX IF NOT EXISTS last_known_fetched_at ON last_known (fetched_at)",
]
"""The store's schema, one migration a release that changed it (``onestop.sqlite``)."""

STORE = "last_known"
"""The store's name in a file it shares (the SMS daemon's), where ``user_version`` is not its."""

PRUNE_EVERY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class KnownStatus:
    """A status as the API gave it at ``fetched_at``."""

    dossier: Dossier
    fetched_at: dt.datetime


class LastKnownStore:
    """An SQLite file of code to last status; safe to share between threads."""

    def __init__(self, path: str | Path, *, max_age: float = 7 * 86400.0) -> None:
        self.path = Path(path)
        self._max_age = dt.timedelta(seconds=max_age)
        self._lock = threading.Lock()
        self._next_prune: dt.datetime | None = None
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            migrate(self._db, MIGRATIONS, name=f"last known statuses ({self.path})", store=STORE)
        except BaseException:
            self._db.close()
            raise

    def put(self, code: DossierCode, dossier: Dossier, fetched_at: dt.datetime) -> None:
        """Keep ``dossier`` as the last status of ``code``; at the first write and then once a
        day, forget the statuses too old to be shown, so that every unit's file stays small
        (a kiosk runs for months)."""
        record = json.dumps(dossier_to_json(dossier.without_applicant()), ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO last_known (code, record, fetched_at) VALUES (?, ?, ?)",
                (str(code), record, fetched_at.astimezone(dt.UTC).isoformat()),
            )
            due = self._next_prune is None or fetched_at >= self._next_prune
            if due:
                self._next_prune = fetched_at + PRUNE_EVERY
        if due:
            self.prune(fetched_at)

    def get(self, code: DossierCode, now: dt.datetime) -> KnownStatus | None:
        """The stored status of ``code`` unless it is older than the configured age."""
        with self._lock:
            row = self._db.execute(
                "SELECT record, fetched_at FROM last_known WHERE code = ?", (str(code),)
            ).fetchone()
        if row is None:
            return None
        fetched_at = dt.datetime.fromisoformat(row[1]).astimezone(ICT)
        if now - fetched_at > self._max_age:
            return None
        try:
            dossier = dossier_from_json(json.loads(row[0]))
        except ValueError:  # bad JSON, or a record that no longer validates (DossierFormatError)
            return None
        return KnownStatus(dossier, fetched_at)

    def prune(self, now: dt.datetime) -> int:
        """Forget statuses too old to be shown; returns how many went."""
        cutoff = (now - self._max_age).astimezone(dt.UTC).isoformat()
        with self._lock:
            cursor = self._db.execute("DELETE FROM last_known WHERE fetched_at < ?", (cutoff,))
        return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
