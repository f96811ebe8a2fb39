"""A status API that answers too slowly or wrongly never holds the daemon past a lookup's
deadline: other citizens still get answers, SIGTERM still stops it, bad answers get a reply."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from dossier import EXAMPLE_CODE
from smsd import MessageState, Store
from tests.backend_client.fault_server import FaultServer, Reply, fault_server
from tests.smsd.conftest import SmsService, wait_until

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


def test_a_hostile_answer_gets_a_reply_instead_of_endless_retries(
    service_factory: Callable[..., SmsService],
) -> None:
    with fault_server() as api:
        api.script = [Reply(body=b"[" * 200_000)]
        service = service_factory(api_url=api.url, backend_patience=0.5)
        reply = service.ask("+84912008888", f"HS {EXAMPLE_CODE}", timeout=20)
    assert "gian doan" in reply
