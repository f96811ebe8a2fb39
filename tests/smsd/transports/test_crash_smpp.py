"""SIGKILL on ``[smsd] transport = smpp`` at the two moments that mirror the modem's
(``tests/smsd/test_crash.py``): a ``submit_sm`` the SMSC took but whose response never came
is a reply cut off inside its send (sent once more, counted as ``resent``: the only way a
citizen gets it twice); a part the SMSC held back (asked to slow down) is no send at all
(the reply waits as pending, nothing is counted, the citizen gets it once)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd.smsc_sim import SmscSimulator
from tests.smsd.conftest import Daemon, wait_until
from tests.smsd.soak import query

CITIZEN = "+84912000701"
TIMEOUT = 15.0


@pytest.fixture
def smsc() -> Iterator[SmscSimulator]:
    with SmscSimulator() as simulator:
        yield simulator


def _config(tmp_path: Path, smsc: SmscSimulator, api_url: str) -> Path:
    path = tmp_path / "onestop.conf"
    path.write_text(
        f"[backend]\nurl = {api_url}\nretries = 0\n"
        f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\ntransport = smpp\n"
        "send_backoff = 0.05\nsend_retries = 1\n"
        f"[smpp]\nhost = 127.0.0.1\nport = {smsc.port}\nsystem_id = {smsc.system_id}\n"
        f"password = {smsc.password}\nsource_addr = {smsc.short_code}\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def _daemon(config: Path) -> Iterator[Daemon]:
    """A daemon that is killed if a failed assertion leaves it running."""
    daemon = Daemon(config)
    try:
        yield daemon
    finally:
        if daemon.process.poll() is None:
            daemon.kill()


def _outcomes(database: Path) -> list[object]:
    return [outcome for (outcome,) in query(database, "SELECT outcome FROM events")]


def test_killed_before_the_submit_response_is_resent_once_and_counted(
    tmp_path: Path, smsc: SmscSimulator, demo_api: DemoStatusServer, records: list[DemoRecord]
) -> None:
    config = _config(tmp_path, smsc, demo_api.url)
    database = tmp_path / "smsd.sqlite3"
    smsc.faults.response_delay = 60.0  # taken, never answered in time
    with _daemon(config) as first:
        first.wait_ready()
        smsc.deliver(CITIZEN, f"HS {records[0].dossier.code}")
        assert len(smsc.wait_replies(1, TIMEOUT)) == 1
        first.kill()
    assert query(database, "SELECT state FROM outbox") == [("sending",)]
    smsc.faults.response_delay = 0.0
    with _daemon(config) as second:
        second.wait_ready()
        assert len(smsc.wait_replies(2, TIMEOUT)) == 2  # the one duplicate: killed in the send
        assert wait_until(lambda: query(database, "SELECT state FROM outbox") == [("sent",)])
        assert second.terminate() == 0
    assert _outcomes(database).count("resent") == 1
    assert "unsent" not in _outcomes(database)


def test_killed_while_the_smsc_holds_a_part_back_sends_it_once_uncounted(
    tmp_path: Path, smsc: SmscSimulator, demo_api: DemoStatusServer, records: list[DemoRecord]
) -> None:
    config = _config(tmp_path, smsc, demo_api.url)
    database = tmp_path / "smsd.sqlite3"
    smsc.faults.throttle = 1000
    with _daemon(config) as first:
        first.wait_ready()
        smsc.deliver(CITIZEN, f"HS {records[1].dossier.code}")
        # Three times asked to slow down: the third pause is 4 s, time enough to kill in it.
        assert wait_until(lambda: len(smsc.submits) >= 3, TIMEOUT)
        assert wait_until(lambda: query(database, "SELECT state FROM outbox") == [("pending",)])
        first.kill()
    assert query(database, "SELECT state, attempts FROM outbox") == [("pending", 0)]
    smsc.faults.throttle = 0
    with _daemon(config) as second:
        second.wait_ready()
        assert len(smsc.wait_replies(1, TIMEOUT)) == 1
        assert wait_until(lambda: query(database, "SELECT state FROM outbox") == [("sent",)])
        assert second.terminate() == 0
    assert smsc.replies[0].destination == CITIZEN.lstrip("+")
    assert "resent" not in _outcomes(database)
    assert "unsent" not in _outcomes(database)
