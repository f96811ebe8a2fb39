"""The soak (``tests/smsd/soak.py``) on ``[smsd] transport = smpp``, with the contract's
window of 10: random SIGKILLs of ``onestop-smsd`` while a burst flows from the SMSC
simulator, which asks to slow down on about one submit in five (``ESME_RTHROTTLED`` or
``ESME_RMSGQFUL``), answers each after ``RESPONSE_DELAY`` and keeps delivering again every
MO it did not hear acknowledged. One retry only is allowed: being asked to slow down must
never count as a failed send (a reply given up leaves a citizen unanswered), and a part
held back in a pause is no part cut off by a kill."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd.smsc_sim import SmscSimulator, Status
from tests.smsd.conftest import Daemon
from tests.smsd.soak import KILLS, MESSAGES, Soak

NUMBERS = max(1, MESSAGES // 3)
RESPONSE_DELAY = 0.25
SLOW_DOWN = 0.2


def test_random_kills_on_smpp_lose_nothing_and_double_only_what_was_cut_off(
    tmp_path: Path,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    record_property: Callable[[str, object], None],
) -> None:
    chance = random.Random(20261129)  # noqa: S311 - a repeatable test, not a secret
    with SmscSimulator() as smsc:
        smsc.faults.response_delay = RESPONSE_DELAY

        def refuse_some(kind: str, _text: str) -> None:
            if kind == "submit" and chance.random() < SLOW_DOWN:
                # The next submit is held back.
                smsc.faults.errors.append(chance.choice([Status.RTHROTTLED, Status.RMSGQFUL]))

        smsc.add_listener(refuse_some)
        config = tmp_path / "onestop.conf"
        config.write_text(
            f"[backend]\nurl = {demo_api.url}\nretries = 0\ncache_ttl = 0\n"
            f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\ntransport = smpp\n"
            "send_backoff = 0.05\nsend_retries = 1\nhourly_send_cap = 10000\n"
            "sender_limit = 100\n"
            f"[smpp]\nhost = 127.0.0.1\nport = {smsc.port}\nsystem_id = {smsc.system_id}\n"
            f"password = {smsc.password}\nsource_addr = {smsc.short_code}\n"
            # A contract's pace and window, so that the kills land while the burst flows.
            "submit_rate = 10\nwindow = 10\n",
            encoding="utf-8",
        )
        soak = Soak(config, tmp_path / "smsd.sqlite3", chance)
        senders = [f"+849140{index % NUMBERS:05d}" for index in range(MESSAGES)]
        daemon = Daemon(config)
        daemon.wait_ready()
        for index, sender in enumerate(senders):
            smsc.deliver(sender, f"HS {records[index % len(records)].dossier.code}")
        daemon, cut_off = soak.kill_randomly(daemon)
        assert soak.wait_settled(MESSAGES)
        assert daemon.terminate() == 0
        got = Counter("+" + reply.destination for reply in smsc.replies)
    soak.judge(Counter(senders), got, cut_off, KILLS, record_property)
