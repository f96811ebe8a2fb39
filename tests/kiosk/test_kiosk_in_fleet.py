"""The kiosk app in the fleet: a real kiosk (X window, real input) reports its heartbeat and
an anonymous usage event for each lookup to a fleet gateway on 127.0.0.1."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop.demo_api import DemoStatusServer
from onestop.fleet import Outcome, Role
from tests.gateway.fleet.conftest import RunningFleet, fleet_config, running_fleet
from tests.kiosk.kiosk_support import KioskProcess, dossiers_by_status, start_kiosk, write_config
from tests.smsd.conftest import wait_until


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[RunningFleet]:
    with running_fleet(fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")) as running:
        yield running


@pytest.fixture
def kiosk(
    demo_api: DemoStatusServer, fleet: RunningFleet, tmp_path: Path, xdisplay: str
) -> Iterator[KioskProcess]:
    config = write_config(tmp_path, demo_api.url)
    text = config.read_text(encoding="utf-8").replace(
        "[backend]\n", "[backend]\ntoken = token-kiosk-1\n"
    )
    text += f"\n[fleet]\nenabled = yes\nurl = {fleet.url}\nheartbeat_interval = 5\noffice = Tỉnh\n"
    # The camera the kiosk is set up with cannot be opened (unplugged).
    text += "\n[camera]\nsource = opencv\ndevice = /dev/onestop-no-such-camera\n"
    config.write_text(text, encoding="utf-8")
    app = start_kiosk(xdisplay, config, "1024x600")
    yield app
    app.close()


def test_the_kiosk_reports_its_screen_and_its_lookups(
    kiosk: KioskProcess, fleet: RunningFleet, demo_api: DemoStatusServer, tmp_path: Path
) -> None:
    dossier = dossiers_by_status(demo_api)["processing"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    kiosk.wait("result")

    def reported() -> bool:
        units = fleet.store.units()
        return bool(units) and sum(fleet.store.lookups_by_hour(units[0].id, 0).values()) == 1

    # The reporter sends every 5 s on its own thread: wait for the lookup to arrive.
    assert wait_until(reported, timeout=60)
    [unit] = fleet.store.units()
    assert (unit.client, unit.role, unit.office) == ("kiosk-1", Role.KIOSK, "Tỉnh")
    beat = unit.heartbeat
    assert beat is not None
    # The camera it was set up with shows nothing: named, at 0 frames a second (an alert
    # once the kiosk's first minutes are over).
    assert (beat.camera, beat.camera_fps) == ("opencv", 0.0)
    assert beat.screen in ("idle", "result") and beat.ui_stalled_s is not None
    assert beat.ui_stalled_s < 30
    assert beat.api_requests >= 1
    with fleet.store.engine.connect() as db:
        outcome = db.exec_driver_sql("SELECT outcome, status FROM usage_events").one()
    assert tuple(outcome) == (Outcome.FOUND.value, dossier.status.value)
    # The code the citizen typed is nowhere in what the gateway keeps.
    with contextlib.closing(sqlite3.connect(tmp_path / "fleet.sqlite3")) as kept:
        assert dossier.code not in "\n".join(kept.iterdump())
