"""``onestop-gateway --demo`` on a configuration that names systems: each is answered by its
simulator, and ``onestop-lookup CODE [KEY]`` finds a dossier of every code family through it,
the key reaching the system that checks it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend_client.cli import main as lookup
from gateway import Gateway, GatewayServer
from gateway.sims import IGateSim, LGSPSim, OpenCPSSim
from onestop.config import load_config

SYSTEMS = """
[upstream.cantho]
type = igate
url = https://apidvc.cantho.gov.vn
token_url = https://ssodvc.cantho.gov.vn/auth/realms/digo/protocol/openid-connect/token
client_id = onestop-gateway
client_secret = not-the-real-one
agencies = H13

[upstream.portal]
type = lgsp
url = https://lgsp.example.gov.vn/api
token_url = https://lgsp.example.gov.vn/login
username = gateway
password = not-the-real-one
unit_code = 000.00.00.H13
agencies = G22

[upstream.haugiang-opencps]
type = opencps
url = https://dichvucong.haugiang.gov.vn
group_id = 35404
families = {opencps_families}

[upstream.haugiang-demo]
type = status-api
url = https://tracuu.haugiang.gov.vn
agencies = H30
families = national national_short
"""


@contextlib.contextmanager
def demo_gateway(config_file: Path) -> Iterator[GatewayServer]:
    gateway = Gateway.from_config(load_config(config_file), demo=True)
    with gateway.server(port=0, graceful_shutdown=1.0).start() as server:
        yield server
    assert all(sim._thread is None for sim in gateway.simulators)  # stopped with the gateway


def looked_up(
    capsys: pytest.CaptureFixture[str], server: GatewayServer, config: Path, *typed: str
) -> dict[str, object]:
    status = lookup([*typed, "--config", str(config), "--url", server.url, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    record: dict[str, object] = json.loads(out)
    return record


def test_every_family_is_found_through_simulated_systems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(SYSTEMS.format(opencps_families="opencps opencps_id"))
    igate = next(code for code, status, _ in IGateSim().listing() if status == "Đang xử lý")
    portal = next(code for code, _, _ in LGSPSim().listing() if code.startswith("G22."))
    opencps = OpenCPSSim()
    number = next(item.number for item in opencps.dossiers.values() if item.number[0] == "1")
    keyed = next(item for item in opencps.dossiers.values() if item.password)
    with demo_gateway(config) as server:
        health = httpx.get(f"{server.url}/api/v1/health", timeout=10).json()
        national = looked_up(capsys, server, config, igate.lower().replace("-", " "))
        short = looked_up(capsys, server, config, portal)
        by_number = looked_up(capsys, server, config, number)
        payload = f"D-{keyed.password}-{keyed.detail['dossierId']}"  # the kiosk's typed form
        by_id = looked_up(capsys, server, config, payload)
        wrong_key = looked_up(capsys, server, config, f"D-ZZZZ-{keyed.detail['dossierId']}")
    assert {name: up["type"] for name, up in health["upstreams"].items()} == {
        "cantho": "igate",
        "portal": "lgsp",
        "haugiang-opencps": "opencps",
        "haugiang-demo": "status-api",
    }
    assert {up["state"] for up in health["upstreams"].values()} == {"up"}
    assert (national["code"], short["code"], by_number["code"]) == (igate, portal, number)
    assert "applicant" not in by_number
    assert by_id["code"] == keyed.number
    assert by_id["applicant"] == {
        "name": keyed.detail["applicantName"],
        "id_number": keyed.detail["applicantIdNo"],
    }  # the key reached OpenCPS, which checked it
    assert wrong_key["code"] == keyed.number and "applicant" not in wrong_key


def test_a_custom_family_is_found_through_its_simulated_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deployment whose OpenCPS numbers follow a pattern of its own reads them with a
    ``custom.NAME`` expression (the built-in opencps family left out), kiosk to gateway."""
    opencps = OpenCPSSim()
    keyed = next(item for item in opencps.dossiers.values() if item.number.startswith("STPHG."))
    config = tmp_path / "onestop.conf"
    config.write_text(
        "[codes]\nfamilies = national national_short opencps_id\n"
        "custom.stphg = STPHG[.][0-9]{6}[.][0-9]{5}\n"
        + SYSTEMS.format(opencps_families="custom.stphg opencps_id")
    )
    with demo_gateway(config) as server:
        record = looked_up(capsys, server, config, keyed.number.lower(), keyed.password)
    assert record["code"] == keyed.number
    assert record["applicant"] == {
        "name": keyed.detail["applicantName"],
        "id_number": keyed.detail["applicantIdNo"],
    }


def test_without_systems_the_demo_serves_the_bundled_dossiers(tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text("")
    gateway = Gateway.from_config(load_config(config), demo=True)
    assert gateway.simulators == []
    assert [slot.settings.type for slot in gateway.service.slots.values()] == ["demo"]
