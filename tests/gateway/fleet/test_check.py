"""``onestop-check`` against a gateway on 127.0.0.1, as Icinga runs it."""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend_client.check_cli import main as check
from backend_client.check_cli import perf
from onestop.fleet import Modem
from tests.gateway.fleet.conftest import RunningFleet, fleet_config, running_fleet
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat

HEALTH = {"status": "ok"}


async def health(_request: Request) -> JSONResponse:
    return JSONResponse(HEALTH)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[RunningFleet]:
    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")
    now = [T0 + 60]
    routes = [Route("/api/v1/health", health)]
    with running_fleet(config, clock=lambda: now[0], routes=routes) as running:
        running.store.ingest("vithuy-sms", batch(sms_beat(T0)), T0)
        running.store.ingest("tinh-kiosk", batch(kiosk_beat(T0)), T0)
        running.store.ingest(
            "cantho-sms", batch(sms_beat(T0, modems=(Modem(name="m1", state="lost"),))), T0
        )
        running.store.ingest(
            "tinh-kiosk", batch(sms_beat(T0 - 900), outbox_id="sms-outbox"), T0 - 900
        )
        running.fleet.book.evaluate(running.store.units(), T0 + 60)
        yield running


@pytest.fixture
def token(tmp_path: Path) -> str:
    path = tmp_path / "icinga-token"
    path.write_text("token-icinga\n")
    path.chmod(0o600)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = check(list(args))
    return status, capsys.readouterr().out.strip()


def test_a_healthy_unit(
    fleet: RunningFleet, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, line = run(capsys, "--url", fleet.url, "--token-file", token, "--unit", "vithuy-sms")
    assert status == 0
    assert line.startswith(
        "ONESTOP UNIT OK - vithuy-sms (sms): last heartbeat 60 s ago, no alerts | "
    )
    assert "'heartbeat_age'=60s;;300;0" in line
    assert "'signal'=18;;;0;31" in line


def test_a_unit_with_an_alert_warns(
    fleet: RunningFleet, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, line = run(capsys, "--url", fleet.url, "--token-file", token, "--unit", "cantho-sms")
    assert status == 1
    assert (
        "ONESTOP UNIT WARNING - cantho-sms (sms): last heartbeat 60 s ago, Modem down: m1: lost"
        in line
    )


def test_a_silent_unit_is_critical_and_roles_are_told_apart(
    fleet: RunningFleet, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # tinh-kiosk is a kiosk and, under the same name, a silent SMS box.
    status, line = run(capsys, "--url", fleet.url, "--token-file", token, "--unit", "tinh-kiosk")
    assert status == 2
    assert "'kiosk_heartbeat_age'=60s" in line and "'sms_heartbeat_age'=960s" in line
    status, line = run(
        capsys, "--url", fleet.url, "--token-file", token, "--unit", "tinh-kiosk", "--role", "kiosk"
    )
    assert status == 0


def test_unknowns(
    fleet: RunningFleet, token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--url", fleet.url, "--token-file", token, "--unit", "nobody")[0] == 3
    stranger = tmp_path / "stranger"
    stranger.write_text("token-kiosk-1")
    stranger.chmod(0o600)
    status, line = run(capsys, "--url", fleet.url, "--token-file", str(stranger), "--unit", "x")
    assert status == 3 and "readers" in line
    assert run(capsys, "--url", fleet.url, "--unit", "vithuy-sms")[0] == 3
    assert run(capsys, "--url", "http://127.0.0.1:9", "--token-file", token, "--unit", "x")[0] == 3
    assert run(capsys, "--bogus")[0] == 3


def test_the_gateway(fleet: RunningFleet, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, line = run(capsys, "--url", fleet.url)
    assert status == 0 and line.startswith("ONESTOP GATEWAY OK - gateway ok | 'health_time'=")
    status, line = run(capsys, "--url", fleet.url, "--token-file", token)
    assert status == 1
    assert "4 units, 1 down, 1 with warnings" in line
    assert "'units_down'=1;;;0" in line
    assert run(capsys, "--url", "http://127.0.0.1:9")[0] == 2


def test_performance_data_format() -> None:
    assert perf("age", 42, "s", 120, 300, 0) == "'age'=42s;120;300;0"
    assert perf("signal", None, "", None, None, 0, 31) == "'signal'=U;;;0;31"
    assert perf("units", 3) == "'units'=3"
    # A unit silent for twelve days, a frame rate: plain numbers, never an exponent.
    assert perf("age", 1_036_800, "s", None, 300.0, 0) == "'age'=1036800s;;300;0"
    assert perf("fps", 12.25) == "'fps'=12.25" and perf("fps", 1 / 3) == "'fps'=0.333"


PLUGIN_LINE = re.compile(
    r"^ONESTOP (GATEWAY|UNIT)? ?(OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+"
    r"( \| ('[^'=]+'=(U|-?[0-9.]+)(s|ms|%|B|KB|MB|c)?(;(-?[0-9.]*)){0,4} ?)+)?$"
)
"""The Monitoring Plugins guidelines' output: one line, a text, then performance data as
``'label'=value[UOM];[warn];[crit];[min];[max]``."""


def test_every_line_follows_the_plugin_guidelines(
    tmp_path: Path, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken_units(_request: Request) -> JSONResponse:
        return JSONResponse({"units": "not a list", "silent_after": 300})

    async def locked_health(_request: Request) -> JSONResponse:
        return JSONResponse({"error": {"code": "unauthorized"}}, status_code=401)

    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")
    routes = [
        Route("/api/v1/health", locked_health),
        Route("/api/v1/fleet/units/broken", broken_units),
    ]
    now = [T0 + 12 * 86400]
    with running_fleet(config, clock=lambda: now[0], routes=routes) as running:
        bad_modem = Modem(name="m1", state="lost | 'signal'=0")  # words a unit chose
        running.store.ingest("box", batch(sms_beat(T0, modems=(bad_modem,))), T0)
        running.fleet.book.evaluate(running.store.units(), now[0])
        unit = ["--url", running.url, "--token-file", token, "--unit"]
        cases = {
            ("--url", running.url): 3,  # the health check wants a token: not a dead gateway
            (*unit, "box"): 2,  # silent for twelve days, its modem's words in the text
            (*unit, "broken"): 3,  # an answer this release cannot read
            ("--url",): 3,  # a command line that is wrong
            ("--url", running.url, "--timeout", "soon"): 3,
        }
        lines = {}
        for args, expected in cases.items():
            status, line = run(capsys, *args)
            assert (status, line.count("\n")) == (expected, 0), line
            assert PLUGIN_LINE.match(line), line
            lines[args] = line
    assert "lost / 'signal'=0" in lines[(*unit, "box")]
    assert "'heartbeat_age'=1036800s;;300;0" in lines[(*unit, "box")]
    assert "wants a client's token" in lines[("--url", running.url)]


def test_the_installed_command_runs(fleet: RunningFleet) -> None:
    script = Path(sys.executable).with_name("onestop-check")
    result = subprocess.run(
        [script, "--url", fleet.url], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "ONESTOP GATEWAY OK" in result.stdout
