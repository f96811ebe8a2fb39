"""The LGSP (national portal TraCuuHoSo) adapter against the LGSP simulator, over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from dossier import ICT, Status, dossier_to_json, parse_code
from gateway.sims import Fault, LGSPSim, SimServer
from gateway.sims.lgsp import LOGIN_PATH
from gateway.upstreams import LGSP, Answer, BadAnswer, NotFound, Unavailable
from onestop.config import UpstreamSection

pytestmark = pytest.mark.anyio


async def look(server: SimServer, code: str, *, timeout: float = 5.0, **settings: Any) -> Answer:
    async with httpx.AsyncClient(timeout=timeout) as http:
        upstream = LGSP("cantho-lgsp", server.settings(**settings), http)
        return await upstream.lookup(parse_code(code), None)


def numbered(sim: LGSPSim, number: int) -> dict[str, Any]:
    return next(record for record in sim.records if record["MaTrangThai"] == str(number))


def vn(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M:%S").replace(tzinfo=ICT)


@pytest.mark.parametrize("number", range(1, 11))
async def test_every_portal_status_number_maps(
    lgsp: SimServer, lgsp_sim: LGSPSim, number: int
) -> None:
    record = numbered(lgsp_sim, number)
    dossier = (await look(lgsp, record["MaHoSo"])).dossier
    assert dossier.status is Status.from_number(number)
    assert dossier.code == record["MaHoSo"]
    assert dossier.procedure == record["TenDVC"]
    assert dossier.agency == record["DonViXuLy"]
    assert dossier.due_at == vn(record["NgayHenTra"])
    assert dossier.history == ()
    if dossier.status.finished:
        assert dossier.completed_at == vn(record["NgayKetThucXuLy"])
    else:
        assert dossier.completed_at is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Đang xử lý", Status.PROCESSING),
        ("DA TRA KET QUA", Status.DELIVERED),
        ("Đã có kết quả, chờ trả", Status.RESULT_READY),
        ("5", Status.SUPPLEMENT_REQUIRED),
    ],
)
async def test_status_name_when_no_number(
    lgsp: SimServer, lgsp_sim: LGSPSim, label: str, expected: Status
) -> None:
    record = numbered(lgsp_sim, 4)
    record["MaTrangThai"] = ""
    record["TrangThaiHoSo"] = label
    record["NgayKetThucXuLy"] = "01/01/2025 10:00:00"
    assert (await look(lgsp, record["MaHoSo"])).dossier.status is expected


async def test_unknown_status_is_processing_and_counted(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    record = numbered(lgsp_sim, 10)
    record["MaTrangThai"] = "13"
    record["TrangThaiHoSo"] = "Hoàn thành liên thông"
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = LGSP("cantho-lgsp", lgsp.settings(), http)
        dossier = (await upstream.lookup(parse_code(record["MaHoSo"]), None)).dossier
        assert dossier.status is Status.PROCESSING
        assert dossier.completed_at is None
        assert upstream.unmapped_statuses == {"hoan thanh lien thong": 1}


async def test_received_date_falls_back_to_the_submission(
    lgsp: SimServer, lgsp_sim: LGSPSim
) -> None:
    record = numbered(lgsp_sim, 1)
    assert record["NgayTiepNhan"] == ""
    dossier = (await look(lgsp, record["MaHoSo"])).dossier
    assert dossier.received_at == vn(record["NgayNop"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/09/2025 16:30:00", dt.datetime(2025, 9, 5, 16, 30, tzinfo=ICT)),
        ("05/09/2025", dt.datetime(2025, 9, 5, tzinfo=ICT)),
        ("20250905163000", dt.datetime(2025, 9, 5, 16, 30, tzinfo=ICT)),
    ],
)
async def test_date_forms(
    lgsp: SimServer, lgsp_sim: LGSPSim, text: str, expected: dt.datetime
) -> None:
    record = numbered(lgsp_sim, 4)
    record["NgayHenTra"] = text
    assert (await look(lgsp, record["MaHoSo"])).dossier.due_at == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"NgayHenTra": "2025-09-05"}, "NgayHenTra"),
        ({"NgayHenTra": "31/02/2025 08:00:00"}, "NgayHenTra"),
        ({"NgayHenTra": ""}, "NgayHenTra: missing, wanted for due_at"),
        ({"NgayTiepNhan": "", "NgayNop": ""}, "NgayTiepNhan or NgayNop: missing"),
        ({"TenDVC": ["x"]}, "TenDVC"),
        ({"DonViXuLy": None}, "DonViXuLy"),
        ({"MaTrangThai": "", "TrangThaiHoSo": ""}, "MaTrangThai: missing"),
        ({"MaTrangThai": True}, "MaTrangThai"),
    ],
)
async def test_hostile_fields_are_bad_answers(
    lgsp: SimServer, lgsp_sim: LGSPSim, changes: dict[str, Any], message: str
) -> None:
    record = numbered(lgsp_sim, 4)
    record.update(changes)
    with pytest.raises(BadAnswer, match=message):
        await look(lgsp, record["MaHoSo"])


async def test_field_names_are_configurable(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    lgsp_sim.fields = {"TenDVC": "TenTTHC", "NgayHenTra": "HanTraKetQua", "DonViXuLy": "CoQuan"}
    record = numbered(lgsp_sim, 4)
    with pytest.raises(BadAnswer, match="NgayHenTra"):
        await look(lgsp, record["MaHoSo"])
    mapped = {"due_at": "HanTraKetQua", "agency": "CoQuan", "current_unit": "CoQuan"}
    dossier = (await look(lgsp, record["MaHoSo"], field=mapped)).dossier
    assert dossier.due_at == vn(record["NgayHenTra"])
    assert dossier.procedure == record["TenDVC"]  # TenTTHC is the default's second name
    assert dossier.agency == dossier.current_unit == record["DonViXuLy"]


def test_configured_field_names_are_checked() -> None:
    section = UpstreamSection(
        type="lgsp",
        url="http://lgsp.example",
        token_url="http://lgsp.example/login",
        username="u",
        password="p",
        unit_code="000.00.00.H13",
        field={"due_at": "HanXuLy", "deadline": "X"},
    )
    problems = section.check()
    assert len(problems) == 1
    assert problems[0].startswith("field.deadline: not a field of the status record")
    missing = UpstreamSection(type="lgsp", url="http://lgsp.example").check()
    assert missing == ["token_url, username, password, unit_code: an lgsp upstream needs all four"]


async def test_applicant_data_never_leaves(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    record = numbered(lgsp_sim, 4)
    answer = await look(lgsp, record["MaHoSo"])
    assert answer.key_verified is False
    shown = json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)
    for personal in ("ChuHoSo", "SoDienThoai", "Email", "DiaChi"):
        assert record[personal] not in shown


async def test_the_call_is_the_portals_envelope(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    record = numbered(lgsp_sim, 2)
    await look(lgsp, record["MaHoSo"])
    (body,) = lgsp_sim.requests
    assert body["service"] == "TraCuuHoSo"
    assert body["madonvi"] == "000.00.00.H13"
    assert body["mahoso"] == record["MaHoSo"]
    assert body["session"]


async def test_one_session_for_many_lookups(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = LGSP("cantho-lgsp", lgsp.settings(), http)
        for record in lgsp_sim.records:
            await upstream.lookup(parse_code(record["MaHoSo"]), None)
    assert lgsp_sim.calls == {"login": 1, "service": 10}


async def test_expired_session_logs_in_again(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    record = numbered(lgsp_sim, 4)
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = LGSP("cantho-lgsp", lgsp.settings(), http)
        await upstream.lookup(parse_code(record["MaHoSo"]), None)
        lgsp_sim.faults.set(Fault.EXPIRED_TOKEN, times=1)
        answer = await upstream.lookup(parse_code(record["MaHoSo"]), None)
    assert answer.dossier.status is Status.PROCESSING
    assert lgsp_sim.calls == {"login": 2, "service": 3}


async def test_http_401_logs_in_again(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    lgsp_sim.faults.set(Fault.ANSWER, status=401, body=b"", times=1)
    answer = await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"])
    assert answer.dossier.status is Status.PROCESSING
    assert lgsp_sim.calls["login"] == 2


async def test_error_with_a_fresh_session_is_unavailable(
    lgsp: SimServer, lgsp_sim: LGSPSim
) -> None:
    with pytest.raises(Unavailable, match="Mã đơn vị không hợp lệ"):
        await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"], unit_code="000.00.00.H99")
    assert lgsp_sim.calls == {"login": 2, "service": 2}


async def test_refused_login_is_unavailable_without_the_password(
    lgsp: SimServer, lgsp_sim: LGSPSim
) -> None:
    with pytest.raises(Unavailable, match="login is refused") as caught:
        await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"], password="guessed-password")
    assert "guessed-password" not in str(caught.value)
    assert lgsp_sim.calls == {"login": 1}


async def test_login_without_session_is_a_bad_answer(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    lgsp_sim.faults.set(Fault.ANSWER, path=LOGIN_PATH, status=200, body=b'{"error_code": 0}')
    with pytest.raises(BadAnswer, match="session"):
        await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"])


async def test_unknown_code_is_not_found(lgsp: SimServer, lgsp_sim: LGSPSim) -> None:
    with pytest.raises(NotFound):
        await look(lgsp, "000.00.20.H13-250905-9999")


def _envelope(result: object, error_code: object = 0) -> bytes:
    return json.dumps({"error_code": error_code, "message": "", "result": result}).encode()


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (_envelope("MaHoSo"), BadAnswer, "result"),
        (_envelope([7]), BadAnswer, r"result\[0\]"),
        (b'{"result": []}', BadAnswer, "error_code"),
        (_envelope([{"MaHoSo": "000.00.20.H13-250905-0000"}]), NotFound, "exactly this code"),
    ],
)
async def test_hostile_envelopes(
    lgsp: SimServer, lgsp_sim: LGSPSim, body: bytes, error: type[Exception], message: str
) -> None:
    lgsp_sim.faults.set(Fault.ANSWER, status=200, body=body)
    with pytest.raises(error, match=message):
        await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"])


async def test_two_results_with_one_code_is_a_bad_answer(
    lgsp: SimServer, lgsp_sim: LGSPSim
) -> None:
    record = numbered(lgsp_sim, 4)
    lgsp_sim.records.append(dict(record))
    with pytest.raises(BadAnswer, match="2 dossiers carry this code"):
        await look(lgsp, record["MaHoSo"])


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ((Fault.SLOW, {"delay": 30}), Unavailable, "no answer in time"),
        ((Fault.HANG, {}), Unavailable, "no answer in time"),
        ((Fault.RESET, {}), Unavailable, "connection failed"),
        ((Fault.SERVER_ERROR, {"status": 503}), Unavailable, "HTTP 503"),
        ((Fault.RATE_LIMITED, {"retry_after": "3"}), Unavailable, "HTTP 429"),
        ((Fault.NOT_JSON, {}), BadAnswer, "not JSON"),
        ((Fault.WRONG_SHAPE, {}), BadAnswer, "result"),
        ((Fault.HUGE, {}), BadAnswer, "over the limit"),
        ((Fault.ANSWER, {"status": 404, "body": b""}), Unavailable, "check url"),
    ],
)
async def test_service_faults(
    lgsp: SimServer,
    lgsp_sim: LGSPSim,
    fault: tuple[Fault, dict[str, Any]],
    error: type[Exception],
    message: str,
) -> None:
    lgsp_sim.faults.set(fault[0], **fault[1])
    with pytest.raises(error, match=message):
        await look(lgsp, numbered(lgsp_sim, 4)["MaHoSo"], timeout=0.5)
