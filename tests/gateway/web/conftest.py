"""The lookup page on a real gateway (uvicorn on 127.0.0.1, a free port), for the HTTP, browser
and text browser tests alike.

The gateway has the demo upstream for Hậu Giang (H30), a retired office (H51), and two
in-process upstreams that answer on cue: one whose dossiers need the receipt's lookup key
(H29, as OpenCPS does), and one that goes down (H13), so that a code it answered once is
served stale and a code it never answered is unavailable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from dossier import DossierCode, OfficeGuide
from gateway import GatewayServer
from gateway.upstreams import ADAPTERS, Answer, KeyRejected, KeyRequired, Unavailable, Upstream
from onestop.config import UpstreamSection
from onestop.demo_api import bundled_records
from tests.gateway.support import serving, settings

SAMPLES = bundled_records()  # dated relative to today, as the gateway's demo upstream's
RECORDS = {record.dossier.code: record for record in SAMPLES}
PROCESSING = SAMPLES[0].dossier.code  # 000.00.20.H30-{date}-0001
PROCESSING_DATE = PROCESSING.split("-")[1]
PROCESSING_KEY = str(SAMPLES[0].lookup_key)
READY = SAMPLES[1].dossier.code
RETIRED = "000.00.01.H51-250610-0001"
DOWN = "000.00.01.H13-261120-0001"
STALE = "000.00.01.H13-261120-0002"
KEYED = "000.00.01.H29-261120-0003"
KEY = "AB12"
RETIRED_MESSAGE = (
    "Hồ sơ của Sóc Trăng nộp trước 1/7/2025: tra cứu tại Trung tâm Phục vụ hành chính công."
)


class CueUpstream(Upstream):
    """Answers KEYED only with KEY, STALE once and then never again, DOWN never."""

    kind = "cue"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.answered: set[str] = set()

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        sample = RECORDS[READY].dossier
        if str(code) == KEYED:
            if lookup_key is None:
                raise KeyRequired("the key is required")
            if lookup_key != KEY:
                raise KeyRejected("wrong key")
            return Answer(replace(RECORDS[PROCESSING].dossier, code=KEYED), key_verified=True)
        if str(code) == STALE and STALE not in self.answered:
            self.answered.add(STALE)
            return Answer(replace(sample.without_applicant(), code=STALE))
        raise Unavailable("down on cue")


UPSTREAMS = {
    "haugiang": UpstreamSection(type="demo", agencies=("H30",)),
    "soctrang-old": UpstreamSection(type="demo", agencies=("H51",), retired=RETIRED_MESSAGE),
    "bo": UpstreamSection(type="cue", agencies=("H29",)),
    "cantho": UpstreamSection(type="cue", agencies=("H13",)),
}


ADAPTERS_ON_CUE = {**ADAPTERS, CueUpstream.kind: CueUpstream}


HOTLINE = "0293 3878787"
GUIDE = OfficeGuide(hotline=HOTLINE)


@contextlib.contextmanager
def page_gateway(**values: Any) -> Iterator[GatewayServer]:
    """A gateway of UPSTREAMS, the office's hotline in its guidance, with the test settings
    changed by ``values``."""
    with serving(UPSTREAMS, settings(**values), adapters=ADAPTERS_ON_CUE, guide=GUIDE) as (
        server,
        _gateway,
    ):
        yield server


@pytest.fixture(scope="session")
def gateway_server() -> Iterator[GatewayServer]:
    with page_gateway(cache_ttl=0) as server:
        # The stale code's one good answer, before any test asks for it.
        httpx.get(f"{server.url}/api/v1/dossiers/{STALE}", timeout=30).raise_for_status()
        yield server


@pytest.fixture(scope="session")
def site(gateway_server: GatewayServer) -> str:
    """The root URL of a gateway serving the lookup page."""
    return gateway_server.url
