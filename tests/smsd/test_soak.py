"""A soak: random SIGKILLs while a burst flows, with refused and slow sends; count what the
citizens got.

The daemon runs as a real ``onestop-smsd`` process; the emulator (in this process) refuses
one send in five with ``+CMS ERROR: 500`` and takes ``SEND_DELAY`` per ``AT+CMGS``, and
keeps sending what it was given when the daemon dies, as a network does. After every kill the
database says how many replies were cut off inside their send (``sending``): only those may
reach a citizen twice, and each is counted in the usage events (``resent``, or ``unsent``
when the same reply is cut off a second time and given up rather than sent a third time).
``ONESTOP_SOAK_MESSAGES`` makes it longer on a bench (the default keeps CI in tens of seconds).
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hardware.modem_sim import Heard, ModemEmulator
from onestop.demo_api import DemoRecord, DemoStatusServer
from tests.smsd.conftest import Daemon, wait_until

MESSAGES = int(os.environ.get("ONESTOP_SOAK_MESSAGES", "48"))
NUMBERS = max(1, MESSAGES // 3)
KILLS = max(3, MESSAGES // 8)
SEND_DELAY = 0.25
REFUSED = 0.2


def _query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def _config(tmp_path: Path, emulator: ModemEmulator, api: DemoStatusServer) -> Path:
    path = tmp_path / "onestop.conf"
    path.write_text(
        f"[backend]\nurl = {api.url}\nretries = 0\ncache_ttl = 0\n"
        f"[modem]\nport = {emulator.path}\ncommand_timeout = 2\nsend_timeout = 10\n"
        f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\nsend_backoff = 0.05\n"
        "send_retries = 100\nhourly_send_cap = 10000\nsender_limit = 100\n",
        encoding="utf-8",
    )
    return path


def test_random_kills_lose_nothing_and_double_only_what_was_cut_off(
    tmp_path: Path,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    record_property: Callable[[str, object], None],
) -> None:
    chance = random.Random(20260115)  # noqa: S311 - a repeatable test, not a secret
    database = tmp_path / "smsd.sqlite3"
    with ModemEmulator("generic", capacity={"SM": 400, "ME": 400}) as emulator:
        emulator.faults.send_delay = SEND_DELAY

        def refuse_some(kind: Heard, _text: str) -> None:
            if kind is Heard.SUBMIT and chance.random() < REFUSED:
                emulator.faults.send_errors.append(500)  # this very submit is refused

        emulator.add_listener(refuse_some)
        config = _config(tmp_path, emulator, demo_api)
        senders = [f"+849130{index % NUMBERS:05d}" for index in range(MESSAGES)]
        expected = Counter(senders)
        daemon = Daemon(config)
        daemon.wait_ready()
        for index, sender in enumerate(senders):
            emulator.deliver(sender, f"HS {records[index % len(records)].dossier.code}")
        cut_off = 0
        pause = threading.Event()
        for _ in range(KILLS):
            pause.wait(chance.uniform(0.3, 1.5))
            daemon.kill()
            cut_off += len(_query(database, "SELECT id FROM outbox WHERE state = 'sending'"))
            daemon = Daemon(config)
            daemon.wait_ready()

        def settled() -> bool:
            open_rows = _query(
                database,
                "SELECT (SELECT COUNT(*) FROM messages WHERE state = 'new'),"
                " (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')),"
                " (SELECT COUNT(*) FROM messages)",
            )[0]
            return open_rows[0] == open_rows[1] == 0 and open_rows[2] == MESSAGES

        assert wait_until(settled, 120)
        assert daemon.terminate() == 0
        got = Counter(reply.destination for reply in emulator.replies)
    lost = sum(max(0, count - got[sender]) for sender, count in expected.items())
    doubled = sum(max(0, got[sender] - count) for sender, count in expected.items())
    outcomes = Counter(outcome for (outcome,) in _query(database, "SELECT outcome FROM events"))
    figures = {
        "kills": KILLS,
        "cut_off": cut_off,
        "lost": lost,
        "duplicated": doubled,
        "resent": outcomes["resent"],
        "unsent": outcomes["unsent"],
    }
    for name, value in figures.items():
        record_property(name, value)
    logging.getLogger(__name__).warning("soak of %d messages: %s", MESSAGES, figures)
    assert lost == 0
    # Each cut-off is counted: resent once, or given up when that reply was cut off before.
    assert outcomes["resent"] + outcomes["unsent"] == cut_off
    assert outcomes["unsent"] <= outcomes["resent"]
    assert doubled <= outcomes["resent"]
