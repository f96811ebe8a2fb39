"""SIGKILL at the worst moments, then a restart: every message gets exactly one reply.

The daemon runs as a real ``onestop-smsd`` process with a config file, reports readiness over
a real ``NOTIFY_SOCKET``, and is killed with SIGKILL while the modem emulator holds it at a
chosen command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.modem_sim import ModemEmulator
from onestop.demo_api import DemoRecord, DemoStatusServer
from tests.smsd.conftest import Daemon, free_port, wait_until

CITIZEN = "+84912000001"
MARKER = "+84912000002"


@pytest.fixture
def api_port() -> int:
    return free_port()


@pytest.fixture
def emulator() -> Iterator[ModemEmulator]:
    with ModemEmulator("generic") as emulator:
        yield emulator


def _config(tmp_path: Path, emulator: ModemEmulator, api_port: int) -> Path:
    path = tmp_path / "onestop.conf"
    path.write_text(
        f"""
[backend]
url = http://127.0.0.1:{api_port}
retries = 0
cache_ttl = 0
connect_timeout = 0.5
[modem]
port = {emulator.path}
command_timeout = 2
[smsd]
database = {tmp_path / "smsd.sqlite3"}
backend_patience = 60
send_backoff = 0.05
""",
        encoding="utf-8",
    )
    return path


def _exactly_one_reply(emulator: ModemEmulator) -> None:
    assert wait_until(lambda: any(r.destination == CITIZEN for r in emulator.replies), 20)
    emulator.deliver(MARKER, "?")  # answered after anything still queued for the citizen
    assert wait_until(lambda: any(r.destination == MARKER for r in emulator.replies), 20)
    assert [r.destination for r in emulator.replies].count(CITIZEN) == 1


def test_killed_between_receive_and_reply(
    tmp_path: Path, emulator: ModemEmulator, api_port: int, records: list[DemoRecord]
) -> None:
    config = _config(tmp_path, emulator, api_port)
    first = Daemon(config)
    first.wait_ready()
    emulator.deliver(CITIZEN, f"HS {records[0].dossier.code}")  # the API is down: no reply yet
    assert emulator.wait_empty()  # stored by the daemon, then deleted from the modem
    first.kill()
    with DemoStatusServer(records, port=api_port).start():
        second = Daemon(config)
        second.wait_ready()
        _exactly_one_reply(emulator)
        assert emulator.replies[0].text.startswith(records[0].dossier.code)
        assert second.terminate() == 0


def _kill_at(command: str, config: Path, emulator: ModemEmulator, code: str) -> None:
    """Start a daemon, text it ``code``, and SIGKILL it while the modem holds ``command``."""
    first = Daemon(config)
    first.wait_ready()
    gate = emulator.gate(command)
    emulator.deliver(CITIZEN, f"HS {code}")
    assert gate.reached.wait(10)
    first.kill()
    gate.release(respond=False)


def test_killed_while_deleting_from_the_modem(
    tmp_path: Path, emulator: ModemEmulator, api_port: int, records: list[DemoRecord]
) -> None:
    config = _config(tmp_path, emulator, api_port)
    with DemoStatusServer(records, port=api_port).start():
        _kill_at("AT+CMGD", config, emulator, records[1].dossier.code)
        assert sum(emulator.stored().values()) == 1  # still in the modem, and in the database
        second = Daemon(config)
        second.wait_ready()
        _exactly_one_reply(emulator)
        assert emulator.wait_empty()
        assert second.terminate() == 0


def test_killed_between_storing_the_reply_and_sending_it(
    tmp_path: Path, emulator: ModemEmulator, api_port: int, records: list[DemoRecord]
) -> None:
    config = _config(tmp_path, emulator, api_port)
    with DemoStatusServer(records, port=api_port).start():
        _kill_at("AT+CMGS", config, emulator, records[2].dossier.code)
        assert emulator.replies == []
        second = Daemon(config)
        status = second.wait_ready()
        assert "STATUS=modem ready" in status
        _exactly_one_reply(emulator)
        assert second.terminate() == 0
