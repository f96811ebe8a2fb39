"""The daemon on a pool of emulated modems (``[smsd] transport = modem-pool``), each over its
own pty: replies leave from the SIM that was texted, spill over when it is capped or down,
a failing SIM is set aside and reported, and a pool whose every modem died makes the daemon
exit for systemd to restart it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from hardware.modem_sim import ModemEmulator
from onestop.config import Config, PoolModemSection, SmsdSection
from onestop.demo_api import DemoRecord, DemoStatusServer, bundled_records
from smsd import EXIT_MODEM, SmsDaemon
from smsd._fleet import SmsFigures
from smsd.transports import RouteState, TransportKind
from tests.smsd.conftest import backend, free_port, running, wait_until

TIMEOUT = 20.0


def pool_config(
    api_url: str,
    database: Path,
    modems: dict[str, ModemEmulator | str],
    sims: dict[str, dict[str, Any]] | None = None,
    **smsd: Any,
) -> Config:
    sections = {
        name: PoolModemSection(
            port=str(modem.path) if isinstance(modem, ModemEmulator) else modem,
            command_timeout=2.0,
            send_timeout=10.0,
            reopen_window=1.0,
            reset_wait=1.0,
            **(sims or {}).get(name, {}),
        )
        for name, modem in modems.items()
    }
    return Config(
        backend=backend(api_url),
        smsd=dataclasses.replace(
            SmsdSection(
                database=database,
                transport="modem-pool",
                send_backoff=0.05,
                multipart_timeout=1.0,
                backend_patience=0.0,
            ),
            **smsd,
        ),
        modems=sections,
    )


@pytest.fixture
def emulators() -> Iterator[Callable[[int], list[ModemEmulator]]]:
    with ExitStack() as stack:

        def make(count: int) -> list[ModemEmulator]:
            profiles = ["quectel-ec25", "simcom-sim7600", "huawei-e3372", "generic"]
            return [
                stack.enter_context(ModemEmulator(profiles[index % len(profiles)]))
                for index in range(count)
            ]

        yield make


def citizen(index: int) -> str:
    return f"+8491200{index:04d}"


def test_each_reply_leaves_from_the_sim_that_was_texted(
    emulators: Callable[[int], list[ModemEmulator]],
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
) -> None:
    modems = emulators(3)
    config = pool_config(
        demo_api.url, tmp_path / "smsd.sqlite3", {f"sim{i + 1}": m for i, m in enumerate(modems)}
    )
    with running(config) as daemon:
        for index, modem in enumerate(modems * 2):
            modem.deliver(citizen(index), f"HS {records[index % len(records)].dossier.code}")
        for modem in modems:
            assert len(modem.wait_replies(2, TIMEOUT)) == 2
        events = daemon.store.events()
        assert "sim1 ready" in daemon.status_text() and "sim3 ready" in daemon.status_text()
    for index, modem in enumerate(modems):
        assert {reply.destination for reply in modem.replies} == {
            citizen(index),
            citizen(index + 3),
        }
    assert sorted(event[6] for event in events) == ["sim1", "sim1", "sim2", "sim2", "sim3", "sim3"]


def test_a_capped_sim_spills_to_the_one_with_room(
    emulators: Callable[[int], list[ModemEmulator]],
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
) -> None:
    first, second = emulators(2)
    config = pool_config(
        demo_api.url,
        tmp_path / "smsd.sqlite3",
        {"sim1": first, "sim2": second},
        {"sim1": {"hourly_cap": 1}},
    )
    with running(config) as daemon:
        first.deliver(citizen(1), f"HS {records[0].dossier.code}")
        assert len(first.wait_replies(1, TIMEOUT)) == 1
        first.deliver(citizen(2), f"HS {records[1].dossier.code}")
        (spilled,) = second.wait_replies(1, TIMEOUT)
        assert spilled.destination == citizen(2)
        usage = {"sim1": (1, 1), "sim2": (1, 1)}  # each part counts against its SIM's caps
        assert wait_until(lambda: daemon.store.sim_usage() == usage)
        # What the fleet heartbeat says of the pool: each SIM against its own caps.
        beat = SmsFigures(
            daemon.store, daemon.transport, kind=TransportKind.MODEM_POOL, hourly_cap=lambda: 600
        )()
    assert len(first.replies) == 1
    assert beat["transport"] == "modem-pool"
    assert [(m.name, m.state) for m in beat["modems"]] == [("sim1", "ready"), ("sim2", "ready")]
    assert [(s.name, s.sent_hour, s.cap_hour, s.sent_day, s.cap_day) for s in beat["sims"]] == [
        ("sim1", 1, 1, 1, 600),
        ("sim2", 1, 60, 1, 600),
    ]


def test_a_sim_that_is_down_when_its_reply_is_due_spills_over(
    emulators: Callable[[int], list[ModemEmulator]], tmp_path: Path
) -> None:
    """The status API answers only once sim2's modem is gone: the reply sim2's citizen is
    owed leaves from sim1 rather than waiting for sim2."""
    first, second = emulators(2)
    api_port = free_port()
    config = pool_config(
        f"http://127.0.0.1:{api_port}",
        tmp_path / "smsd.sqlite3",
        {"sim1": first, "sim2": second},
        backend_patience=60.0,
    )
    config = dataclasses.replace(
        config,
        modems={
            "sim1": config.modems["sim1"],
            "sim2": dataclasses.replace(config.modems["sim2"], reopen_window=60.0),
        },
    )
    records = bundled_records()
    with running(config) as daemon:
        second.deliver(citizen(5), f"HS {records[0].dossier.code}")
        assert wait_until(lambda: daemon.store.counts().get("messages_new") == 1, TIMEOUT)
        second.drop_port(down_for=60)
        states = {route.name: route.state for route in daemon.transport.routes()}
        assert wait_until(
            lambda: {r.name: r.state for r in daemon.transport.routes()}["sim2"] is RouteState.DOWN,
            TIMEOUT,
        ), states
        with DemoStatusServer(records, port=api_port).start():
            (reply,) = first.wait_replies(1, TIMEOUT)
    assert reply.destination == citizen(5)
    assert second.replies == []


def test_a_sim_that_keeps_failing_is_set_aside_and_reported(
    emulators: Callable[[int], list[ModemEmulator]],
    demo_api: DemoStatusServer,
    records: list[DemoRecord],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = emulators(2)
    first.faults.send_errors.extend([500, 500, 500])  # the network refuses this SIM's sends
    config = pool_config(demo_api.url, tmp_path / "smsd.sqlite3", {"sim1": first, "sim2": second})
    with running(config) as daemon:
        first.deliver(citizen(7), f"HS {records[2].dossier.code}")
        (reply,) = second.wait_replies(1, TIMEOUT)
        routes = {route.name: route for route in daemon.transport.routes()}
        status = daemon.status_text()
        # Set aside, the next citizen of sim1 is answered from sim2 too.
        first.deliver(citizen(8), f"HS {records[3].dossier.code}")
        assert len(second.wait_replies(2, TIMEOUT)) == 2
    assert reply.destination == citizen(7)
    assert first.replies == []
    aside = routes["sim1"]
    assert aside.state is RouteState.ASIDE
    assert aside.aside_until is not None and "3 sends in a row failed" in aside.detail
    assert routes["sim2"].state is RouteState.READY
    assert "sim1 aside" in status
    assert "SIM sim1 set aside for 60 minutes" in caplog.text


def test_a_pool_whose_every_modem_died_exits_for_a_restart(
    demo_api: DemoStatusServer, tmp_path: Path
) -> None:
    config = pool_config(
        demo_api.url,
        tmp_path / "smsd.sqlite3",
        {"sim1": str(tmp_path / "no-modem-1"), "sim2": str(tmp_path / "no-modem-2")},
    )
    daemon = SmsDaemon(config)
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(daemon.run()))
    runner.start()
    runner.join(TIMEOUT * 2)
    assert codes == [EXIT_MODEM]
    assert daemon.transport.failure is not None
    assert "every modem of the pool" in daemon.transport.failure
