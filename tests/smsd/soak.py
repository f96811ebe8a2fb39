"""The soak every transport goes through: random SIGKILLs of a real ``onestop-smsd`` while a
burst flows, then count what the citizens got.

After every kill the database says how many replies were cut off inside their send
(``sending``): only those may reach a citizen twice, and each is counted in the usage events
(``resent``, or ``unsent`` when the same reply is cut off a second time and given up rather
than sent a third time). Nobody may be left unanswered. ``ONESTOP_SOAK_MESSAGES`` makes it
longer on a bench (the default keeps CI in tens of seconds).
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.smsd.conftest import Daemon, wait_until

MESSAGES = int(os.environ.get("ONESTOP_SOAK_MESSAGES", "48"))
KILLS = max(3, MESSAGES // 8)


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


@dataclass
class Soak:
    """One soak: its config file, its database and its dice."""

    config: Path
    database: Path
    chance: random.Random

    def kill_randomly(self, daemon: Daemon, kills: int = KILLS) -> tuple[Daemon, int]:
        """SIGKILL and restart ``kills`` times at random moments; the last daemon running,
        and how many replies the kills cut off inside their send."""
        cut_off = 0
        pause = threading.Event()
        for _ in range(kills):
            pause.wait(self.chance.uniform(0.3, 1.5))
            daemon.kill()
            cut_off += len(query(self.database, "SELECT id FROM outbox WHERE state = 'sending'"))
            daemon = Daemon(self.config)
            daemon.wait_ready()
        return daemon, cut_off

    def settled(self, messages: int) -> bool:
        """Every message kept and answered, every reply sent or given up."""
        new, open_replies, kept = query(
            self.database,
            "SELECT (SELECT COUNT(*) FROM messages WHERE state = 'new'),"
            " (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')),"
            " (SELECT COUNT(*) FROM messages)",
        )[0]
        return new == open_replies == 0 and kept == messages

    def wait_settled(self, messages: int, timeout: float = 120) -> bool:
        return wait_until(lambda: self.settled(messages), timeout)

    def judge(
        self,
        expected: Counter[str],
        got: Counter[str],
        cut_off: int,
        kills: int,
        record: Callable[[str, object], None],
    ) -> None:
        """Count lost and doubled replies and check them against the cut-offs."""
        lost = sum(max(0, count - got[sender]) for sender, count in expected.items())
        doubled = sum(max(0, got[sender] - count) for sender, count in expected.items())
        outcomes = Counter(
            outcome for (outcome,) in query(self.database, "SELECT outcome FROM events")
        )
        figures = {
            "kills": kills,
            "cut_off": cut_off,
            "lost": lost,
            "duplicated": doubled,
            "resent": outcomes["resent"],
            "unsent": outcomes["unsent"],
        }
        for name, value in figures.items():
            record(name, value)
        logging.getLogger(__name__).warning(
            "soak of %d messages: %s", sum(expected.values()), figures
        )
        assert lost == 0, figures
        # Each cut-off is counted: resent once, or given up when that reply was cut off before.
        assert outcomes["resent"] + outcomes["unsent"] == cut_off, figures
        assert outcomes["unsent"] <= outcomes["resent"], figures
        assert doubled <= outcomes["resent"], figures
