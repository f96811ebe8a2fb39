"""Gateways on 127.0.0.1 for the tests, and a minimal HTTP upstream adapter to put behind them.

``ProbeUpstream`` speaks the simplest possible system: ``GET {url}/dossiers/{code}`` answers a
status record in the contract's JSON (404 not found, 203 wrong key, 403 key required, 429 and
5xx unavailable). Behind it the tests put ``FaultServer``, which misbehaves on cue, so that
what is tested is the gateway around an adapter: its client's size cap, time-outs, breaker,
cache and single-flight, over real sockets.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from dossier import DossierCode, DossierFormatError, OfficeGuide, dossier_from_json, dossier_to_json
from gateway import ClientRegistry, Gateway, GatewayServer
from gateway.upstreams import (
    ADAPTERS,
    Answer,
    BadAnswer,
    KeyRejected,
    KeyRequired,
    NotFound,
    Unavailable,
    Upstream,
    UpstreamFactory,
)
from onestop.config import GatewaySection, UpstreamSection
from onestop.demo_api import DemoRecord, bundled_records
from tests.backend_client.fault_server import Reply

RECORDS = bundled_records()
SAMPLE = RECORDS[0].dossier
"""A dossier with an applicant and a lookup key (``RECORDS[0].lookup_key``)."""


class ProbeUpstream(Upstream):
    kind = "probe"

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        params = {"key": lookup_key} if lookup_key else {}
        reply = await self.http.exchange(
            "GET", f"{self.settings.url}/dossiers/{code}", what="probe", params=params
        )
        if reply.status == 404:
            raise NotFound(f"no dossier {code}")
        if reply.status == 203:
            raise KeyRejected("wrong key")
        if reply.status == 403:
            raise KeyRequired("key required")
        if reply.status == 429:
            wait = reply.headers.get("Retry-After", "")
            raise Unavailable("asked to wait", retry_after=float(wait) if wait.isdigit() else None)
        if reply.status >= 500:
            raise Unavailable(f"HTTP {reply.status}")
        try:
            data = json.loads(reply.body)
            dossier = dossier_from_json(data)
        except (ValueError, DossierFormatError) as exc:
            raise BadAnswer(f"not a status record: {exc}") from exc
        return Answer(dossier, key_verified="applicant" in data)


TEST_ADAPTERS: dict[str, UpstreamFactory] = {**ADAPTERS, ProbeUpstream.kind: ProbeUpstream}


def probe(url: str, **settings: Any) -> UpstreamSection:
    return UpstreamSection(type="probe", url=url, **settings)


def record_reply(record: DemoRecord = RECORDS[0], **kwargs: Any) -> Reply:
    """The upstream's answer for ``record``, without the applicant."""
    return Reply.json(dossier_to_json(record.dossier.without_applicant()), **kwargs)


def settings(**values: Any) -> GatewaySection:
    """Test settings: no limits unless asked for, short time-outs."""
    base = GatewaySection(
        host="127.0.0.1",
        port=0,
        rate_limit=0,
        anonymous_rate_limit=0,
        not_found_limit=0,
        anonymous_not_found_limit=0,
        key_failure_limit=0,
        breaker_cooldown=60.0,
    )
    return replace(base, **values)


@contextlib.contextmanager
def serving(
    upstreams: Mapping[str, UpstreamSection],
    gateway_settings: GatewaySection | None = None,
    *,
    clients: ClientRegistry | None = None,
    database: Path | None = None,
    adapters: Mapping[str, UpstreamFactory] = TEST_ADAPTERS,
    rating_retry: float = 300.0,
    guide: OfficeGuide | None = None,
) -> Iterator[tuple[GatewayServer, Gateway]]:
    """A gateway with ``upstreams`` on a free port, served from a thread."""
    gateway = Gateway(
        gateway_settings or settings(),
        upstreams,
        clients=clients,
        adapters=adapters,
        database=database,
        rating_retry=rating_retry,
        guide=guide,
    )
    with gateway.server(graceful_shutdown=1.0).start() as server:
        yield server, gateway


def get(
    server: GatewayServer, path: str, *, token: str | None = None, **params: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server.url}{path}", params=params, headers=headers, timeout=30)


def error_code(response: httpx.Response) -> str:
    body = json.loads(response.content)
    return str(body["error"]["code"])
