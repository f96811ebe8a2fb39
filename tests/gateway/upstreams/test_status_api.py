"""The status-api adapter (a gateway in front of a gateway) against a contract server."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from dossier import Status, dossier_to_json, parse_code
from gateway.sims import Fault, SimServer, StatusAPISim
from gateway.upstreams import Answer, BadAnswer, NotFound, StatusAPI, Unavailable
from onestop.demo_api import DemoRecord

pytestmark = pytest.mark.anyio


async def look(
    server: SimServer, code: str, key: str | None = None, *, timeout: float = 5.0, **settings: Any
) -> Answer:
    async with httpx.AsyncClient(timeout=timeout) as http:
        upstream = StatusAPI("neighbour", server.settings(**settings), http)
        return await upstream.lookup(parse_code(code), key)


def keyed(sim: StatusAPISim) -> DemoRecord:
    return next(record for record in sim.records.values() if record.lookup_key)


def with_status(sim: StatusAPISim, status: Status) -> DemoRecord:
    return next(record for record in sim.records.values() if record.dossier.status is status)


@pytest.mark.parametrize("status", list(Status))
async def test_every_status_passes_through(
    status_api: SimServer, status_api_sim: StatusAPISim, status: Status
) -> None:
    record = with_status(status_api_sim, status)
    answer = await look(status_api, record.dossier.code)
    assert answer.dossier == record.dossier.without_applicant()
    assert answer.key_verified is False


async def test_right_key_reveals_the_applicant(
    status_api: SimServer, status_api_sim: StatusAPISim
) -> None:
    record = keyed(status_api_sim)
    assert record.lookup_key is not None
    answer = await look(status_api, record.dossier.code, record.lookup_key.lower())
    assert answer.key_verified is True
    assert answer.dossier.applicant == record.dossier.applicant
    assert f"lookup_key={record.lookup_key.lower()}" in status_api_sim.seen[-1].query


async def test_wrong_key_shows_status_only(
    status_api: SimServer, status_api_sim: StatusAPISim
) -> None:
    record = keyed(status_api_sim)
    answer = await look(status_api, record.dossier.code, "ZZZZ")
    assert answer.key_verified is False
    assert answer.dossier.applicant is None


async def test_applicant_sent_without_a_key_is_dropped(
    status_api: SimServer, status_api_sim: StatusAPISim
) -> None:
    record = keyed(status_api_sim)
    leaky = json.dumps(dossier_to_json(record.dossier)).encode()
    status_api_sim.faults.set(Fault.ANSWER, status=200, body=leaky)
    answer = await look(status_api, record.dossier.code)
    assert answer.dossier.applicant is None
    assert answer.key_verified is False
    assert record.dossier.applicant is not None
    shown = json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)
    assert record.dossier.applicant.name not in shown


async def test_token_is_sent_and_a_refused_one_is_unavailable(
    status_api: SimServer, status_api_sim: StatusAPISim
) -> None:
    record = with_status(status_api_sim, Status.PROCESSING)
    await look(status_api, record.dossier.code)
    assert status_api_sim.seen[-1].headers["authorization"] == "Bearer t0ken-of-the-other-gateway"
    with pytest.raises(Unavailable, match="token is refused"):
        await look(status_api, record.dossier.code, token="stolen")
    with pytest.raises(Unavailable, match="HTTP 401"):
        await look(status_api, record.dossier.code, token="")


async def test_unknown_code_is_not_found(
    status_api: SimServer, status_api_sim: StatusAPISim
) -> None:
    with pytest.raises(NotFound):
        await look(status_api, "000.00.20.H30-240115-9999")


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        ((400, {"error": {"code": "invalid_code", "message": "x"}}), NotFound, "does not take"),
        ((404, {"error": {"code": "no_such_endpoint", "message": "x"}}), Unavailable, "check url"),
        ((404, "<html>Not Found</html>"), Unavailable, "check url"),
        ((405, {"error": {"code": "method_not_allowed", "message": "x"}}), BadAnswer, "HTTP 405"),
    ],
)
async def test_contract_errors(
    status_api: SimServer,
    status_api_sim: StatusAPISim,
    answer: tuple[int, object],
    error: type[Exception],
    message: str,
) -> None:
    status, body = answer
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    status_api_sim.faults.set(Fault.ANSWER, status=status, body=raw)
    with pytest.raises(error, match=message):
        await look(status_api, with_status(status_api_sim, Status.PROCESSING).dossier.code)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "archived"}, "status"),
        ({"status_code": 9}, "status_code"),
        ({"due_at": "2024-01-25 16:30"}, "due_at"),
        ({"history": [{"at": "2024-01-25T16:30:00+07:00"}]}, r"history\[0\]"),
        ({"code": "000.00.20.H30-240115-0002"}, "asked for"),
    ],
)
async def test_hostile_records_are_bad_answers(
    status_api: SimServer, status_api_sim: StatusAPISim, changes: dict[str, Any], message: str
) -> None:
    record = with_status(status_api_sim, Status.PROCESSING)
    body = {**dossier_to_json(record.dossier.without_applicant()), **changes}
    status_api_sim.faults.set(Fault.ANSWER, status=200, body=json.dumps(body).encode())
    with pytest.raises(BadAnswer, match=message):
        await look(status_api, record.dossier.code)


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ((Fault.HANG, {}), Unavailable, "no answer in time"),
        ((Fault.RESET, {}), Unavailable, "connection failed"),
        ((Fault.SERVER_ERROR, {"status": 502}), Unavailable, "HTTP 502"),
        ((Fault.RATE_LIMITED, {"retry_after": "4"}), Unavailable, "HTTP 429"),
        ((Fault.NOT_JSON, {}), BadAnswer, "not JSON"),
        ((Fault.WRONG_SHAPE, {}), BadAnswer, "field"),
        ((Fault.HUGE, {"declare_length": False}), BadAnswer, "over the limit"),
    ],
)
async def test_faults(
    status_api: SimServer,
    status_api_sim: StatusAPISim,
    fault: tuple[Fault, dict[str, Any]],
    error: type[Exception],
    message: str,
) -> None:
    status_api_sim.faults.set(fault[0], **fault[1])
    with pytest.raises(error, match=message) as caught:
        await look(
            status_api, with_status(status_api_sim, Status.PROCESSING).dossier.code, timeout=0.5
        )
    if fault[0] is Fault.RATE_LIMITED:
        assert isinstance(caught.value, Unavailable)
        assert caught.value.retry_after == 4


async def test_lookup_key_never_reaches_the_log(
    status_api: SimServer, status_api_sim: StatusAPISim, caplog: pytest.LogCaptureFixture
) -> None:
    record = keyed(status_api_sim)
    assert record.lookup_key is not None
    caplog.set_level(logging.DEBUG)
    answer = await look(status_api, record.dossier.code, record.lookup_key)
    assert answer.key_verified is True
    assert "lookup_key=***" in caplog.text
    assert record.lookup_key not in caplog.text
