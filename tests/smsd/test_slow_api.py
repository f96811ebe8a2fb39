"""A status API that answers too slowly or wrongly never holds the daemon past a lookup's
deadline: other citizens still get answers, SIGTERM still stops it, bad answers get a reply."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dossier import EXAMPLE_CODE, dossier_to_json
from hardware.modem_sim import ModemEmulator
from onestop.demo_api import DemoRecord
from smsd import MessageState, Store
from tests.backend_client.fault_server import FaultServer, Reply, fault_server
from tests.smsd.conftest import SmsService, fast_config, wait_until

TRICKLE = Reply(trickle_head=0.2)
"""Headers at five bytes a second: about a minute for one answer, each byte within any timeout."""


@pytest.fixture
def slow_api() -> Iterator[FaultServer]:
    with fault_server() as server:
        server.script = [TRICKLE]
        yield server


def test_slow_lookups_do_not_hold_other_citizens_or_sigterm(
    service_factory: Callable[..., SmsService], slow_api: FaultServer
) -> None:
    service = service_factory(api_url=slow_api.url, lookup_workers=4)
    total = service.config.backend.total_timeout
    for index in range(4):
        service.text(f"+8491200{index:04d}", f"HS {EXAMPLE_CODE}")
    assert wait_until(lambda: len(slow_api.requests) >= 4, 15)
    # All four workers are held; the fifth message waits for one of them, no longer.
    assert "HS" in service.ask("+84912009999", "?", timeout=total + 10)
    for index in range(4, 20):
        service.text(f"+8491200{index:04d}", f"HS {EXAMPLE_CODE}")
    assert wait_until(lambda: len(slow_api.requests) >= 8, 15)  # 4 in flight, 12 waiting
    stopping = time.monotonic()
    service.stop()
    assert service.exit_code == 0
    # The lookups in flight end by their deadline; those not started wait for the next start.
    assert time.monotonic() - stopping < total + 4
    store = Store(service.config.smsd.database)
    assert store.counts()[f"messages_{MessageState.NEW}"] >= 12
    store.close()


def test_instructions_are_sent_while_every_worker_waits_for_the_api(
    tmp_path: Path, records: list[DemoRecord]
) -> None:
    # Help went through the lookup workers: behind four stuck lookups a "?" waited for one
    # of them to reach its deadline (15 s by default).
    release = threading.Event()
    with fault_server() as api, ModemEmulator("generic") as emulator:
        api.script = [Reply.json(dossier_to_json(records[0].dossier), hold=release)]
        config = fast_config(api.url, str(emulator.path), tmp_path / "db.sqlite3")
        patient = dataclasses.replace(config.backend, read_timeout=120.0, total_timeout=120.0)
        service = SmsService(emulator, dataclasses.replace(config, backend=patient)).start()
        try:
            senders = [f"+8491200{index:04d}" for index in range(config.smsd.lookup_workers)]
            for sender in senders:
                service.text(sender, f"HS {records[0].dossier.code}")
            assert wait_until(lambda: len(api.requests) == len(senders), 15)
            assert "HS" in service.ask("+84912009999", "?", timeout=30)
            assert "khong dung" in service.ask("+84912009998", "HS 000.00.20.H30-240230-0001")
            assert not any(service.replies_to(sender) for sender in senders)  # still waiting
        finally:
            release.set()
            service.stop()
            emulator.stop()


def test_a_hostile_answer_gets_a_reply_instead_of_endless_retries(
    service_factory: Callable[..., SmsService],
) -> None:
    with fault_server() as api:
        api.script = [Reply(body=b"[" * 200_000)]
        service = service_factory(api_url=api.url, backend_patience=0.5)
        reply = service.ask("+84912008888", f"HS {EXAMPLE_CODE}", timeout=20)
    assert "gian doan" in reply
