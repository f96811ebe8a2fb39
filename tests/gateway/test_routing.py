"""Routing over HTTP with the code families: each code reaches the upstream that claims its
family and agency; a code without an agency only reaches ``*``; a code nobody claims is
404; the deployment's ``[codes] families`` decide which spellings are codes at all."""

from __future__ import annotations

from pathlib import Path

from gateway import Gateway
from onestop.config import UpstreamSection, load_config
from tests.gateway.support import RECORDS, error_code, get, serving

OPENCPS = next(r for r in RECORDS if r.dossier_id is not None)
NATIONAL = RECORDS[0].dossier.code  # 000.00.20.H30-...
SHORT = next(r.dossier.code for r in RECORDS if r.dossier.code.startswith("H30.33-"))


def routed(gateway: Gateway, upstream: str) -> float:
    value = gateway.metrics.registry.get_sample_value(
        "onestop_gateway_lookups_total", {"upstream": upstream, "outcome": "found"}
    )
    return value or 0.0


def test_codes_reach_the_upstream_that_claims_their_family_and_agency() -> None:
    upstreams = {
        "cantho": UpstreamSection(type="demo", agencies=("H13", "H30", "H51")),
        "vithanh": UpstreamSection(type="demo", agencies=("H30.33",)),
        "opencps": UpstreamSection(type="demo", families=("opencps", "opencps_id")),
    }
    with serving(upstreams) as (server, gateway):
        assert get(server, f"/api/v1/dossiers/{NATIONAL}").status_code == 200
        assert routed(gateway, "cantho") == 1
        assert get(server, f"/api/v1/dossiers/{SHORT}").status_code == 200
        assert routed(gateway, "vithanh") == 1  # the longer prefix
        by_number = get(server, f"/api/v1/dossiers/{OPENCPS.dossier.code}")
        by_id = get(server, f"/api/v1/dossiers/D-{OPENCPS.dossier_id}")
        assert by_number.status_code == by_id.status_code == 200
        assert by_id.json()["code"] == OPENCPS.dossier.code  # the dossier's own number
        assert routed(gateway, "opencps") == 2
        nobody = get(server, "/api/v1/dossiers/G22.99.09-240114-0001")
    assert nobody.status_code == 404 and error_code(nobody) == "not_found"


def test_a_code_without_an_agency_reaches_only_an_upstream_of_every_agency() -> None:
    upstreams = {"haugiang": UpstreamSection(type="demo", agencies=("H30",))}
    with serving(upstreams) as (server, _):
        assert get(server, f"/api/v1/dossiers/{OPENCPS.dossier.code}").status_code == 404
        assert get(server, f"/api/v1/dossiers/{NATIONAL}").status_code == 200


def test_the_deployments_code_families_decide_what_is_a_code(tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(
        "[codes]\nfamilies = national\n"
        f"[gateway]\ndatabase = {tmp_path / 'gateway.sqlite3'}\n"
        "[upstream.demo]\ntype = demo\n"
    )
    gateway = Gateway.from_config(load_config(config))
    with gateway.server(port=0, graceful_shutdown=1.0).start() as server:
        assert get(server, f"/api/v1/dossiers/{NATIONAL}").status_code == 200
        refused = get(server, f"/api/v1/dossiers/{OPENCPS.dossier.code}")
    assert refused.status_code == 400 and error_code(refused) == "invalid_code"
