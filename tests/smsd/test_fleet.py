"""The SMS box in the fleet: its heartbeat and usage events reach the gateway, and an alert
SMS the gateway hands it goes out through its modem, once."""

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dossier import Status
from gateway.fleet._database import transaction
from gateway.fleet._schema import alerts, notices, units
from hardware.modem_sim import ModemEmulator
from onestop.config import FleetSection
from onestop.demo_api import DemoRecord, DemoStatusServer
from onestop.fleet import Outcome
from smsd._fleet import usage_event
from tests.gateway.fleet.conftest import RunningFleet, fleet_config, running_fleet
from tests.smsd.conftest import SmsService, fast_config, wait_until

TECHNICIAN = "+84911111111"
CITIZEN = "0912345678"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[RunningFleet]:
    with running_fleet(fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")) as running:
        yield running


@pytest.fixture
def service(
    tmp_path: Path, demo_api: DemoStatusServer, fleet: RunningFleet
) -> Iterator[SmsService]:
    emulator = ModemEmulator("generic").start()
    config = fast_config(demo_api.url, str(emulator.path), tmp_path / "smsd.sqlite3")
    config = dataclasses.replace(
        config,
        backend=dataclasses.replace(config.backend, token="token-vithuy-sms"),
        fleet=FleetSection(enabled=True, url=fleet.url, heartbeat_interval=3600, office="Vị Thủy"),
    )
    running = SmsService(emulator, config).start()
    try:
        yield running
    finally:
        running.stop()
        emulator.stop()


def report(service: SmsService) -> None:
    """Make the daemon's reporter send now, and wait until the gateway has its batch."""
    reporter = service.daemon.fleet
    assert reporter is not None
    before = reporter.last_acked
    reporter.wake()
    with reporter.delivered:
        assert reporter.delivered.wait_for(lambda: reporter.last_acked > before, timeout=30)


def test_the_box_reports_its_modem_its_replies_and_its_lookups(
    service: SmsService, fleet: RunningFleet, records: list[DemoRecord]
) -> None:
    assert service.ask(CITIZEN, records[0].dossier.code)
    assert wait_until(lambda: service.daemon.store.counts().get("replies_sent", 0) == 1)
    report(service)
    [unit] = fleet.store.units()
    assert (unit.client, unit.office) == ("vithuy-sms", "Vị Thủy")
    beat = unit.heartbeat
    assert beat is not None
    assert [(modem.name, modem.state) for modem in beat.modems] == [("modem", "ready")]
    assert beat.replies_hour == 1 and beat.reply_median_ms is not None
    assert beat.sims[0].sent_hour == 1 and beat.sims[0].cap_hour == 600
    assert beat.api_requests >= 1
    assert sum(fleet.store.lookups_by_hour(unit.id, 0).values()) == 1
    report(service)  # sent again: nothing counted twice
    assert sum(fleet.store.lookups_by_hour(unit.id, 0).values()) == 1


def test_an_alert_sms_goes_out_through_the_box_once(
    service: SmsService, fleet: RunningFleet, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    report(service)  # the box is known to the gateway, its modem ready
    with transaction(fleet.store.engine, write=True) as db:
        unit_id = db.execute(sa.select(units.c.id)).scalar_one()
        alert = db.execute(
            sa.insert(alerts)
            .values(unit_id=unit_id, kind="silent", opened_at=0)
            .returning(alerts.c.id)
        ).scalar_one()
        db.execute(
            sa.insert(notices).values(
                alert_id=alert,
                event="opened",
                channel="sms",
                recipient=TECHNICIAN,
                text="Canh bao: kiosk-1 mat lien lac",
                state="pending",
                next_at=0,
                created_at=0,
            )
        )
    report(service)
    assert wait_until(lambda: len(service.replies_to(TECHNICIAN)) == 1, 30)
    assert service.replies_to(TECHNICIAN)[0].text == "Canh bao: kiosk-1 mat lien lac"
    report(service)  # confirms it
    with transaction(fleet.store.engine) as db:
        assert db.execute(sa.select(notices.c.state)).scalar_one() == "done"
    # The daemon's own lines are masked by its log handler (smsd.setup_logging); the fleet's
    # lines never hold the number at all.
    fleet_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("smsd._send")]
    assert not any("911111111" in line for line in fleet_lines)
    assert "alert SMS for +8491****111 queued" in fleet_lines


def test_stored_events_in_the_fleet_terms() -> None:
    found = usage_event((7, "2026-05-28T02:00:00+00:00", "found", "processing", 420, "modem"))
    assert found is not None
    assert (found.hour, found.outcome, found.status, found.latency_ms, found.transport) == (
        1_779_933_600,
        Outcome.FOUND,
        Status.PROCESSING,
        420,
        "modem",
    )
    assert usage_event((8, "2026-05-28T02:00:00+00:00", "help", None, 3, "smpp")) is not None
    assert (
        usage_event((9, "2026-05-28T02:00:00+00:00", "from a future release", None, 3, "modem"))
        is None
    )
