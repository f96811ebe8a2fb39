"""The fleet inside the status gateway, as ``onestop-gateway`` serves it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend_client import FleetOutbox, FleetReporter, StatusClient
from backend_client.check_cli import main as check
from dossier import parse_code
from gateway import ClientRegistry, Gateway
from gateway.fleet import Fleet, mount_fleet
from gateway.fleet._auth import hash_password
from onestop.config import Config, UpstreamSection, parse_config
from onestop.demo_api import bundled_records
from onestop.fleet import HEARTBEAT_PATH, Role

PASSWORD = "a good password"
TOKENS = {"vithuy-sms": "token-sms", "icinga": "token-icinga"}


def config(tmp_path: Path, **fleet: str) -> Config:
    return parse_config(
        {
            "gateway": {"database": f"{tmp_path}/gateway.sqlite3"},
            "fleet_gateway": {
                "enabled": "yes",
                "database": f"sqlite:///{tmp_path}/fleet.sqlite3",
                "login.thu": hash_password(PASSWORD, cost=2**10),
                "cookie_secure": "no",
                "readers": "icinga",
            }
            | fleet,
        }
    )


def started(settings: Config, clients: ClientRegistry | None) -> tuple[Gateway, Fleet, str, object]:
    gateway = Gateway(settings.gateway, {"demo": UpstreamSection(type="demo")}, clients=clients)
    fleet = mount_fleet(gateway, settings)
    assert fleet is not None
    server = gateway.server(host="127.0.0.1", port=0, extra_routes=fleet.routes).start()
    return gateway, fleet, server.url, server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Fleet, str]]:
    _, fleet, url, server = started(config(tmp_path), ClientRegistry.from_tokens(TOKENS))
    try:
        yield fleet, url
    finally:
        server.stop()  # type: ignore[attr-defined]
        fleet.close()


def test_a_unit_looks_up_and_reports_to_the_same_gateway(
    served: tuple[Fleet, str], tmp_path: Path
) -> None:
    fleet, url = served
    code = parse_code(bundled_records()[0].dossier.code)
    with StatusClient(base_url=url, token="token-sms", cache_ttl=0) as client:
        client.lookup(code)
        unit = FleetReporter(
            url=url,
            token="token-sms",
            role=Role.SMS,
            outbox=FleetOutbox(tmp_path / "outbox.sqlite3"),
            collect=lambda: {"transport": "modem"},
            api_figures=client.stats.figures,
        )
        unit.beat()
        assert unit.flush()
    [seen] = fleet.store.units()
    assert seen.client == "vithuy-sms"
    assert seen.heartbeat is not None and seen.heartbeat.api_requests == 1
    browser = requests.Session()
    browser.post(f"{url}/fleet/login", data={"name": "thu", "password": PASSWORD}, timeout=10)
    page = browser.get(f"{url}/fleet", timeout=10)  # without the slash: redirected
    assert page.status_code == 200 and 'data-unit="vithuy-sms"' in page.text
    answer = requests.get(
        f"{url}/fleet/report.csv", headers={"Authorization": "Bearer token-icinga"}, timeout=30
    )
    assert answer.status_code == 200 and answer.text.startswith("level,")


def test_a_heartbeat_without_a_client_token_is_refused_by_the_gateway(
    served: tuple[Fleet, str],
) -> None:
    _, url = served
    assert requests.post(url + HEARTBEAT_PATH, data=b"{}", timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    refused = requests.post(url + HEARTBEAT_PATH, data=b"{}", headers=wrong, timeout=10)
    assert refused.status_code == 401


def test_an_open_gateway_takes_no_heartbeats(tmp_path: Path) -> None:
    _, fleet, url, server = started(config(tmp_path), None)
    try:
        answer = requests.post(url + HEARTBEAT_PATH, data=b"{}", timeout=10)
        assert answer.status_code == 401  # lookups are open; the fleet is not
        assert fleet.store.units() == []
    finally:
        server.stop()  # type: ignore[attr-defined]
        fleet.close()


def test_onestop_check_against_the_gateway(
    served: tuple[Fleet, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = served
    token = tmp_path / "token"
    token.write_text("token-icinga")
    token.chmod(0o600)
    assert check(["--url", url, "--token-file", str(token)]) == 0
    assert capsys.readouterr().out.startswith("ONESTOP GATEWAY OK - gateway ok; 0 units")


def test_the_fleet_is_left_out_unless_enabled(tmp_path: Path) -> None:
    settings = parse_config({"gateway": {"database": f"{tmp_path}/g.sqlite3"}})
    gateway = Gateway(settings.gateway, {"demo": UpstreamSection(type="demo")})
    assert mount_fleet(gateway, settings) is None
