"""The demo status API: the gateway with one demo upstream (``onestop-demo-api``, tests, and
the kiosk's and SMS daemon's ``--demo``).

It is the same server as a province's gateway, not a second one: only its upstream is the
bundled dossiers (or the records given), and its limits are the demo API's flags.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import httpx

from dossier import DEFAULT_FAMILIES, CodeFamilies, DossierCode, parse_query
from gateway.assembly import Gateway
from gateway.clients import ClientRegistry
from gateway.server import GatewayServer
from gateway.upstreams import DemoUpstream
from gateway.upstreams.demo import DemoRecord
from onestop.config import GatewaySection, UpstreamSection


def demo_settings(
    *, host: str, port: int, rate_limit: int = 0, tls: tuple[Path, Path] | None = None
) -> GatewaySection:
    """The gateway's settings for the demo API: the rate limit of ``--rate-limit`` for every
    caller, no not-found limit (demos and tests look up unknown codes on purpose)."""
    return GatewaySection(
        host=host,
        port=port,
        rate_limit=rate_limit,
        anonymous_rate_limit=rate_limit,
        not_found_limit=0,
        anonymous_not_found_limit=0,
        tls_cert=tls[0] if tls else None,
        tls_key=tls[1] if tls else None,
    )


class DemoStatusServer(GatewayServer):
    """Serves ``records`` under the API contract; ``token`` and ``rate_limit`` are optional,
    ``families`` the code families it reads.

    ``records`` holds them by code (an OpenCPS record also by ``D-{id}``), as the demo
    upstream does; ``dossier_count`` says how many there are.
    """

    def __init__(
        self,
        records: Iterable[DemoRecord],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        token: str | None = None,
        rate_limit: int = 0,
        tls: tuple[Path, Path] | None = None,
        families: CodeFamilies = DEFAULT_FAMILIES,
    ) -> None:
        given = list(records)
        made: list[DemoUpstream] = []

        def demo(name: str, section: UpstreamSection, http: httpx.AsyncClient) -> DemoUpstream:
            made.append(DemoUpstream(name, section, http, records=given))
            return made[-1]

        settings = demo_settings(host=host, port=port, rate_limit=rate_limit, tls=tls)
        self.gateway = Gateway(
            settings,
            {"demo": UpstreamSection(type="demo")},
            clients=ClientRegistry.from_tokens({"demo": token}) if token else None,
            adapters={"demo": demo},
            parse=functools.partial(parse_query, families=families),
        )
        self.records: dict[DossierCode, DemoRecord] = made[0].records
        self.dossier_count = made[0].dossier_count
        super().__init__(
            self.gateway.app(),
            settings,
            limits=self.gateway.connection_limits(),
            graceful_shutdown=1.0,
        )
