"""The lookup page on a real HTTP server (uvicorn on 127.0.0.1), for HTTP, browser and text
browser tests alike; the codes below lead to each of the page's answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from dossier import ICT, CodeQuery
from gateway.web import (
    Found,
    KeyNeeded,
    Limited,
    LookupPages,
    NotFound,
    Outcome,
    Retired,
    Unavailable,
)
from onestop.demo_api import bundled_records
from tests.gateway.web.page_server import serve

RECORDS = {record.dossier.code: record for record in bundled_records()}
PROCESSING = "000.00.20.H30-261126-0001"  # has lookup key 7K2P
READY = "000.00.20.H30-261120-0002"
RETIRED = "000.00.01.H51-250610-0001"
DOWN = "000.00.01.H13-261120-0001"
STALE = "000.00.01.H13-261120-0002"
KEYED = "000.00.01.H29-261120-0003"
KEY = "AB12"
RETIRED_MESSAGE = (
    "Hồ sơ của Sóc Trăng nộp trước 1/7/2025: tra cứu tại Trung tâm Phục vụ hành chính công."
)
AS_OF = dt.datetime(2026, 11, 29, 9, 30, tzinfo=ICT)


async def _lookup(query: CodeQuery, client: str, lang: str) -> Outcome:
    code = str(query.code)
    if code == RETIRED:
        return Retired(RETIRED_MESSAGE)
    if code == STALE:
        return Found(RECORDS[READY].dossier.without_applicant(), as_of=AS_OF)
    if code == DOWN:
        return Unavailable()
    if code == KEYED:
        if query.lookup_key is None or query.lookup_key != KEY:
            return KeyNeeded(wrong=query.lookup_key is not None)
        return Found(RECORDS[PROCESSING].dossier)
    if code.endswith("-9998"):
        return Limited(90)
    record = RECORDS.get(code)
    if record is None:
        return NotFound()
    keyed = record.lookup_key is not None and query.lookup_key == record.lookup_key
    return Found(record.dossier if keyed else record.dossier.without_applicant())


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """The root URL of a server with the lookup page."""
    with serve(list(LookupPages(_lookup, client_address=_client).routes())) as url:
        yield url
