"""The VNPT iGate adapter against the iGate simulator (Keycloak and search), over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any

import httpx
import pytest

from dossier import Status, dossier_to_json, parse_code
from gateway.sims import Fault, IGateSim, SimServer
from gateway.sims.igate import TOKEN_PATH
from gateway.upstreams import Answer, BadAnswer, IGate, NotFound, Unavailable

pytestmark = pytest.mark.anyio


async def look(
    server: SimServer, code: str, key: str | None = None, *, timeout: float = 5.0, **settings: Any
) -> Answer:
    async with httpx.AsyncClient(timeout=timeout) as http:
        upstream = IGate("cantho", server.settings(**settings), http)
        return await upstream.lookup(parse_code(code), key)


def named(sim: IGateSim, status_name: str) -> dict[str, Any]:
    return next(item for item in sim.dossiers if item["dossierStatus"]["name"] == status_name)


def iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Chờ tiếp nhận", Status.SUBMITTED),
        ("Đã tiếp nhận", Status.RECEIVED),
        ("Đang xử lý", Status.PROCESSING),
        ("Yêu cầu bổ sung hồ sơ", Status.SUPPLEMENT_REQUIRED),
        ("Chờ thực hiện nghĩa vụ tài chính", Status.AWAITING_PAYMENT),
        ("Có kết quả", Status.RESULT_READY),
        ("Đã trả kết quả", Status.DELIVERED),
        ("Dừng xử lý", Status.STOPPED),
        ("Đã rút hồ sơ", Status.WITHDRAWN),
        ("Từ chối tiếp nhận", Status.REFUSED),
    ],
)
async def test_every_status_name_maps(
    igate: SimServer, igate_sim: IGateSim, name: str, expected: Status
) -> None:
    item = named(igate_sim, name)
    answer = await look(igate, item["code"])
    dossier = answer.dossier
    assert dossier.status is expected
    assert dossier.code == item["code"]
    assert dossier.agency == item["agency"]["name"]
    assert dossier.procedure == item["procedure"]["translate"][0]["name"]
    assert name in dossier.history[-1].note
    assert dossier.history[-1].status is expected
    if expected.finished:
        assert dossier.current_unit is None
        assert dossier.completed_at == iso(item["completedDate"])
    else:
        assert dossier.completed_at is None


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("DANG XU LY", Status.PROCESSING),
        ("  đang   xử lý ", Status.PROCESSING),
        ("Đã có kết quả, chờ trả", Status.RESULT_READY),
        ("Mới đăng ký", Status.SUBMITTED),
        ("Chờ bổ sung", Status.SUPPLEMENT_REQUIRED),
    ],
)
async def test_names_match_without_diacritics_case_or_spacing(
    igate: SimServer, igate_sim: IGateSim, spelling: str, expected: Status
) -> None:
    item = named(igate_sim, "Đang xử lý")
    item["dossierStatus"]["name"] = spelling
    assert (await look(igate, item["code"])).dossier.status is expected


async def test_unknown_name_is_processing_counted_and_logged_once(
    igate: SimServer, igate_sim: IGateSim, caplog: pytest.LogCaptureFixture
) -> None:
    item = named(igate_sim, "Đã trả kết quả")
    item["dossierStatus"]["name"] = "Đã hoàn thành hồ sơ liên thông"
    caplog.set_level(logging.WARNING, logger="gateway.upstreams._names")
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = IGate("cantho", igate.settings(), http)
        for _ in range(3):
            dossier = (await upstream.lookup(parse_code(item["code"]), None)).dossier
            assert dossier.status is Status.PROCESSING
            assert not dossier.status.finished
            assert "Đã hoàn thành hồ sơ liên thông" in dossier.history[-1].note
        assert upstream.unmapped_statuses == {"da hoan thanh ho so lien thong": 3}
    warnings = [record for record in caplog.records if "not in the table" in record.message]
    assert len(warnings) == 1


async def test_dates_and_units(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Yêu cầu bổ sung hồ sơ")
    dossier = (await look(igate, item["code"])).dossier
    assert item["acceptedDate"].endswith("+0700")
    assert dossier.received_at == iso(item["acceptedDate"])
    assert dossier.received_at.utcoffset() == dt.timedelta(hours=7)
    assert dossier.due_at == iso(item["appointmentDate"])
    assert dossier.current_unit == item["currentTask"][0]["agency"]["name"]
    # The tasks, then the status as iGate names it (the tasks carry no status of their own).
    assert [entry.note for entry in dossier.history] == [
        *(task["name"] for task in item["task"]),
        "Yêu cầu bổ sung hồ sơ",
    ]
    assert [entry.status for entry in dossier.history] == [
        Status.RECEIVED,
        Status.PROCESSING,
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUIRED,
    ]
    assert dossier.history[0].unit == "Trung tâm Phục vụ hành chính công thành phố Cần Thơ"


async def test_applied_date_when_not_yet_accepted(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Chờ tiếp nhận")
    assert item["acceptedDate"] is None
    dossier = (await look(igate, item["code"])).dossier
    assert dossier.received_at == iso(item["appliedDate"])


async def test_due_date_when_no_appointment(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    item["appointmentDate"] = None
    item["dueDate"] = "2031-01-02T16:30:00.000+0700"
    dossier = (await look(igate, item["code"])).dossier
    assert dossier.due_at == iso("2031-01-02T16:30:00+07:00")


async def test_no_appointment_in_progress_is_a_bad_answer(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    item = named(igate_sim, "Đang xử lý")
    item["appointmentDate"] = item["dueDate"] = None
    with pytest.raises(BadAnswer, match="appointmentDate"):
        await look(igate, item["code"])


async def test_national_portal_code_finds_the_dossier(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    item = named(igate_sim, "Đã tiếp nhận")
    dossier = (await look(igate, item["nationCode"])).dossier
    assert dossier.code == item["nationCode"]
    assert dossier.status is Status.RECEIVED


async def test_exact_code_is_picked_from_a_contains_search(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    short = next(item for item in igate_sim.dossiers if item["code"].endswith("-0030"))
    longer = next(item for item in igate_sim.dossiers if item["code"].endswith("-00301"))
    assert longer["code"].startswith(short["code"])
    assert (await look(igate, short["code"])).dossier.code == short["code"]
    assert (await look(igate, longer["code"])).dossier.code == longer["code"]


async def test_unknown_code_is_not_found(igate: SimServer, igate_sim: IGateSim) -> None:
    with pytest.raises(NotFound):
        await look(igate, "000.00.20.H13-250905-9999")


async def test_two_dossiers_with_one_code_is_a_bad_answer(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    item = named(igate_sim, "Đang xử lý")
    twin = {**item, "id": "twin"}
    igate_sim.dossiers.append(twin)
    with pytest.raises(BadAnswer, match="2 dossiers carry this code"):
        await look(igate, item["code"])


async def test_applicant_data_never_leaves_even_with_a_key(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    item = named(igate_sim, "Đang xử lý")
    answer = await look(igate, item["code"], "7K2P")
    assert answer.key_verified is False
    assert answer.dossier.applicant is None
    shown = json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)
    assert "applicant" not in shown
    for value in item["applicant"]["data"].values():
        if isinstance(value, str) and value:
            assert value not in shown
    assert "7K2P" not in igate_sim.seen[-1].query


# Tokens ------------------------------------------------------------------------------------


async def test_one_token_serves_many_lookups(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = IGate("cantho", igate.settings(), http)
        await asyncio.gather(*(upstream.lookup(parse_code(item["code"]), None) for _ in range(20)))
        await upstream.lookup(parse_code(item["code"]), None)
    assert igate_sim.calls == {"token": 1, "search": 21}
    token_request = next(seen for seen in igate_sim.seen if seen.path == TOKEN_PATH)
    assert token_request.headers["authorization"].startswith("Basic ")
    search = next(seen for seen in igate_sim.seen if seen.path != TOKEN_PATH)
    assert "spec=slice" in search.query
    assert "page=0" in search.query
    assert "size=10" in search.query


async def test_token_is_renewed_before_it_expires(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    now = [1000.0]
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = IGate("cantho", igate.settings(), http)
        upstream.clock = lambda: now[0]
        await upstream.lookup(parse_code(item["code"]), None)
        now[0] += 269  # lifetime 300 s, renewed 30 s before the end
        await upstream.lookup(parse_code(item["code"]), None)
        assert igate_sim.calls["token"] == 1
        now[0] += 2
        await upstream.lookup(parse_code(item["code"]), None)
    assert igate_sim.calls == {"token": 2, "search": 3}


async def test_revoked_token_is_renewed_after_401(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = IGate("cantho", igate.settings(), http)
        await upstream.lookup(parse_code(item["code"]), None)
        igate_sim.faults.set(Fault.EXPIRED_TOKEN, times=1)
        answer = await upstream.lookup(parse_code(item["code"]), None)
    assert answer.dossier.status is Status.PROCESSING
    assert igate_sim.calls == {"token": 2, "search": 3}


async def test_concurrent_401s_renew_the_token_once(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = IGate("cantho", igate.settings(), http)
        await upstream.lookup(parse_code(item["code"]), None)
        igate_sim.expire_tokens()
        answers = await asyncio.gather(
            *(upstream.lookup(parse_code(item["code"]), None) for _ in range(10))
        )
    assert all(answer.dossier.status is Status.PROCESSING for answer in answers)
    assert igate_sim.calls["token"] == 2


async def test_401_with_a_fresh_token_is_unavailable(igate: SimServer, igate_sim: IGateSim) -> None:
    igate_sim.faults.set(Fault.ANSWER, status=401, body=b"")
    with pytest.raises(Unavailable, match="refuses a fresh token"):
        await look(igate, named(igate_sim, "Đang xử lý")["code"])
    assert igate_sim.calls["token"] == 2


async def test_wrong_client_secret_is_unavailable_without_the_secret(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    with pytest.raises(Unavailable, match="unauthorized_client") as caught:
        await look(igate, named(igate_sim, "Đang xử lý")["code"], client_secret="guessed-secret")
    assert "guessed-secret" not in str(caught.value)
    assert igate_sim.calls == {"token": 1}


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ((Fault.SERVER_ERROR, {"status": 503}), Unavailable, "token: HTTP 503"),
        ((Fault.HANG, {}), Unavailable, "token: no answer in time"),
        ((Fault.RESET, {}), Unavailable, "token: connection failed"),
        ((Fault.NOT_JSON, {}), BadAnswer, "token: HTTP 200 answer is not JSON"),
        (
            (Fault.ANSWER, {"status": 200, "body": b'{"token_type": "Bearer"}'}),
            BadAnswer,
            "access_token",
        ),
        (
            (Fault.ANSWER, {"status": 200, "body": b'{"access_token": "x", "expires_in": -5}'}),
            BadAnswer,
            "expires_in",
        ),
    ],
)
async def test_token_endpoint_failures(
    igate: SimServer,
    igate_sim: IGateSim,
    fault: tuple[Fault, dict[str, Any]],
    error: type[Exception],
    message: str,
) -> None:
    igate_sim.faults.set(fault[0], path=TOKEN_PATH, **fault[1])
    with pytest.raises(error, match=message):
        await look(igate, named(igate_sim, "Đang xử lý")["code"], timeout=0.5)
    assert igate_sim.calls["search"] == 0


# Faults of the search ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ((Fault.SLOW, {"delay": 30}), Unavailable, "no answer in time"),
        ((Fault.HANG, {}), Unavailable, "no answer in time"),
        ((Fault.RESET, {}), Unavailable, "connection failed"),
        ((Fault.SERVER_ERROR, {"status": 502}), Unavailable, "HTTP 502"),
        ((Fault.RATE_LIMITED, {"retry_after": "12"}), Unavailable, "HTTP 429"),
        ((Fault.NOT_JSON, {}), BadAnswer, "not JSON"),
        ((Fault.WRONG_SHAPE, {}), BadAnswer, "content"),
        ((Fault.HUGE, {"declare_length": False}), BadAnswer, "over the limit"),
        ((Fault.ANSWER, {"status": 403, "body": b"{}"}), Unavailable, "may not search"),
        ((Fault.ANSWER, {"status": 404, "body": b""}), Unavailable, "check url"),
        ((Fault.ANSWER, {"status": 400, "body": b"{}"}), BadAnswer, "unexpected HTTP 400"),
    ],
)
async def test_search_faults(
    igate: SimServer,
    igate_sim: IGateSim,
    fault: tuple[Fault, dict[str, Any]],
    error: type[Exception],
    message: str,
) -> None:
    igate_sim.faults.set(fault[0], **fault[1])
    with pytest.raises(error, match=message) as caught:
        await look(igate, named(igate_sim, "Đang xử lý")["code"], timeout=0.5)
    if fault[0] is Fault.RATE_LIMITED:
        assert isinstance(caught.value, Unavailable)
        assert caught.value.retry_after == 12


async def test_slow_search_within_the_time_out(igate: SimServer, igate_sim: IGateSim) -> None:
    igate_sim.faults.set(Fault.SLOW, delay=0.2)
    answer = await look(igate, named(igate_sim, "Đang xử lý")["code"])
    assert answer.dossier.status is Status.PROCESSING


def _page(item: dict[str, Any]) -> bytes:
    return json.dumps({"content": [item], "number": 0}).encode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dossierStatus": None}, "dossierStatus"),
        ({"dossierStatus": {"id": 2}}, "name"),
        ({"dossierStatus": "Đang xử lý"}, "dossierStatus"),
        ({"acceptedDate": "05/09/2025 08:00:00"}, "acceptedDate"),
        ({"acceptedDate": "2025-09-05T08:00:00"}, "acceptedDate"),
        ({"acceptedDate": None, "appliedDate": None}, "appliedDate"),
        ({"appointmentDate": 1757034000000}, "appointmentDate"),
        ({"procedure": None}, "procedure"),
        ({"procedure": {"translate": [{"languageId": 228}]}}, "translate"),
        ({"agency": {"code": "000.00.20.H13"}}, "name"),
        ({"task": {"name": "x"}}, "task"),
        ({"currentTask": [7]}, "currentTask"),
        ({"code": 42}, "code"),
    ],
)
async def test_hostile_dossier_is_a_bad_answer(
    igate: SimServer, igate_sim: IGateSim, changes: dict[str, Any], field: str
) -> None:
    item = named(igate_sim, "Đang xử lý")
    igate_sim.faults.set(Fault.ANSWER, status=200, body=_page({**item, **changes}))
    with pytest.raises(BadAnswer, match=field):
        await look(igate, item["code"])


async def test_procedure_name_in_one_translation_object(
    igate: SimServer, igate_sim: IGateSim
) -> None:
    item = named(igate_sim, "Đang xử lý")
    item["procedure"]["translate"] = {"name": "Cấp bản sao trích lục hộ tịch"}
    assert (await look(igate, item["code"])).dossier.procedure == "Cấp bản sao trích lục hộ tịch"


async def test_vietnamese_translation_is_preferred(igate: SimServer, igate_sim: IGateSim) -> None:
    item = named(igate_sim, "Đang xử lý")
    item["procedure"]["translate"].insert(0, {"languageId": 46, "name": "Judicial record"})
    assert (await look(igate, item["code"])).dossier.procedure.startswith("Cấp Phiếu lý lịch")


async def test_empty_page_is_not_found(igate: SimServer, igate_sim: IGateSim) -> None:
    igate_sim.faults.set(Fault.ANSWER, status=200, body=b'{"content": [], "empty": true}')
    with pytest.raises(NotFound):
        await look(igate, named(igate_sim, "Đang xử lý")["code"])
