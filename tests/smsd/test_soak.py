"""A soak on one modem: random SIGKILLs while a burst flows, with refused and slow sends; count
what the citizens got (see ``tests/smsd/soak.py``).

The emulator (in this process) refuses one send in five with ``+CMS ERROR: 500`` and takes
``SEND_DELAY`` per ``AT+CMGS``, and keeps sending what it was given when the daemon dies, as
a network does.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hardware.modem_sim import Heard, ModemEmulator
from onestop.demo_api import DemoRecord, DemoStatusServer
from tests.smsd.conftest import Daemon
from tests.smsd.soak import KILLS, MESSAGES, Soak

NUMBERS = max(1, MESSAGES // 3)
SEND_DELAY = 0.25
REFUSED = 0.2


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
    with ModemEmulator("generic", capacity={"SM": 400, "ME": 400}) as emulator:
        emulator.faults.send_delay = SEND_DELAY

        def refuse_some(kind: Heard, _text: str) -> None:
            if kind is Heard.SUBMIT and chance.random() < REFUSED:
                emulator.faults.send_errors.append(500)  # this very submit is refused

        emulator.add_listener(refuse_some)
        soak = Soak(_config(tmp_path, emulator, demo_api), tmp_path / "smsd.sqlite3", chance)
        senders = [f"+849130{index % NUMBERS:05d}" for index in range(MESSAGES)]
        daemon = Daemon(soak.config)
        daemon.wait_ready()
        for index, sender in enumerate(senders):
            emulator.deliver(sender, f"HS {records[index % len(records)].dossier.code}")
        daemon, cut_off = soak.kill_randomly(daemon)
        assert soak.wait_settled(MESSAGES)
        assert daemon.terminate() == 0
        got = Counter(reply.destination for reply in emulator.replies)
    soak.judge(Counter(senders), got, cut_off, KILLS, record_property)
