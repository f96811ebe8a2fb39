"""The soak (``tests/smsd/soak.py``) on ``[smsd] transport = kannel`` with real Kannel: a
burst from ``fakesmsc`` through bearerbox and smsbox while ``onestop-smsd`` is SIGKILLed at
random; smsbox asks a dead daemon again (``http-queue-delay``), and a reply cut off inside
its ``sendsms`` is sent again once, counted. Its own Kannel (a Kannel start costs seconds)."""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from onestop.demo_api import DemoRecord, DemoStatusServer
from tests.smsd.conftest import Daemon
from tests.smsd.kannel_harness import FAKESMSC, Kannel, free_port
from tests.smsd.soak import KILLS, MESSAGES, Soak, query

SPACING = 0.1

pytestmark = pytest.mark.skipif(
    shutil.which("bearerbox") is None or not FAKESMSC.exists(),
    reason="needs Debian's kannel and kannel-extras",
)


def test_random_kills_on_kannel_lose_nothing_and_double_only_what_was_cut_off(
    tmp_path: Path,
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    record_property: Callable[[str, object], None],
) -> None:
    chance = random.Random(20261130)  # noqa: S311 - a repeatable test, not a secret
    port = free_port()
    database = tmp_path / "smsd.sqlite3"
    with tempfile.TemporaryDirectory(prefix="kannel-") as workdir:
        kannel = Kannel(Path(workdir), daemon_url=f"http://127.0.0.1:{port}").start()
        try:
            layout = kannel.layout
            config = tmp_path / "onestop.conf"
            config.write_text(
                f"[backend]\nurl = {demo_api.url}\nretries = 0\ncache_ttl = 0\n"
                f"[smsd]\ndatabase = {database}\ntransport = kannel\nsend_backoff = 0.05\n"
                "send_retries = 100\nhourly_send_cap = 10000\n"
                f"[kannel]\nlisten = 127.0.0.1:{port}\nsendsms_url = {kannel.sendsms_url}\n"
                f"username = {layout.username}\npassword = {layout.password}\n",
                encoding="utf-8",
            )
            soak = Soak(config, database, chance)
            daemon = Daemon(config)
            daemon.wait_ready()
            # Each message from its own number: fakesmsc puts a random number after +84.
            message = f"+84 8077 text HS {records[0].dossier.code}"
            # A steady flow (one every SPACING s), so that the kills land while it goes on.
            with kannel.phone(message, randomize=1, count=MESSAGES, interval=SPACING) as phone:
                daemon, cut_off = soak.kill_randomly(daemon)
                assert soak.wait_settled(MESSAGES)
                assert daemon.terminate() == 0
                senders = Counter(
                    str(sender) for (sender,) in query(database, "SELECT sender FROM messages")
                )
                replies = phone.wait(MESSAGES, 60)
                while set(senders) - {sms.recipient for sms in replies}:
                    late = phone.wait(1, 30)  # after a doubled one, or never: lost
                    if not late:
                        break
                    replies += late
                replies += phone.wait(MESSAGES, 2)  # any doubled reply still on its way
            logs = kannel.logs()
        finally:
            kannel.stop()
    assert len(senders) == MESSAGES  # every message reached the store, once
    assert "Could not fetch" not in logs
    got = Counter(sms.recipient for sms in replies)
    soak.judge(senders, got, cut_off, KILLS, record_property)
