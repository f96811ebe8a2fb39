"""The OpenCPS adapter against the OpenCPS simulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import httpx
import pytest

from dossier import ICT, Status, dossier_to_json, parse_code, parse_query
from gateway.sims import Fault, OpenCPSSim, SimServer
from gateway.upstreams import (
    Answer,
    BadAnswer,
    KeyRejected,
    KeyRequired,
    NotFound,
    OpenCPS,
    Unavailable,
)

pytestmark = pytest.mark.anyio

DATE = "%d/%m/%Y %H:%M:%S"


async def look(
    server: SimServer, number: str, key: str | None = None, *, timeout: float = 5.0, **settings: Any
) -> Answer:
    async with httpx.AsyncClient(timeout=timeout) as http:
        upstream = OpenCPS("hau-giang", server.settings(**settings), http)
        return await upstream.lookup(parse_code(number), key)


def number_of(sim: OpenCPSSim, dossier_id: int) -> str:
    return sim.dossiers[dossier_id].number


def vn(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, DATE).replace(tzinfo=ICT)


@pytest.mark.parametrize(
    ("dossier_id", "opencps_status", "expected"),
    [
        (38105, "receiving", Status.SUBMITTED),
        (38106, "collecting", Status.SUBMITTED),
        (38103, "new", Status.RECEIVED),
        (38104, "new", Status.SUBMITTED),  # submitted online, no receiveDate yet
        (38107, "denied", Status.REFUSED),
        (38101, "processing", Status.PROCESSING),
        (38102, "interoperating", Status.PROCESSING),
        (38108, "handover", Status.PROCESSING),
        (38109, "waiting", Status.SUPPLEMENT_REQUIRED),
        (38110, "correcting", Status.SUPPLEMENT_REQUIRED),
        (38111, "paying", Status.AWAITING_PAYMENT),
        (38112, "cancelled", Status.WITHDRAWN),
        (38113, "cancelling", Status.WITHDRAWN),
        (38114, "unresolved", Status.STOPPED),
        (38115, "pausing", Status.STOPPED),
        (38116, "releasing", Status.RESULT_READY),
        (38117, "posting", Status.RESULT_READY),
        (38118, "done", Status.DELIVERED),
    ],
)
async def test_every_status_maps(
    opencps: SimServer,
    opencps_sim: OpenCPSSim,
    dossier_id: int,
    opencps_status: str,
    expected: Status,
) -> None:
    detail = opencps_sim.dossiers[dossier_id].detail
    assert detail["dossierStatus"] == opencps_status
    answer = await look(opencps, detail["dossierNo"])
    dossier = answer.dossier
    assert dossier.status is expected
    assert dossier.code == detail["dossierNo"]
    assert dossier.procedure == detail["serviceName"]
    assert dossier.agency == detail["govAgencyName"]
    assert answer.key_verified is False
    assert dossier.applicant is None
    if expected.finished:
        assert dossier.current_unit is None
    else:
        assert dossier.completed_at is None


async def test_dates_are_vietnam_time_and_empty_dates_are_none(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38101].detail
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.received_at == vn(detail["receiveDate"])
    assert dossier.received_at.utcoffset() == dt.timedelta(hours=7)
    assert dossier.due_at == vn(detail["dueDate"])
    assert detail["releaseDate"] == detail["finishDate"] == detail["extendDate"] == ""
    assert dossier.completed_at is None
    assert dossier.rescheduled_due_at is None
    assert dossier.current_unit == "Phòng Hành chính tư pháp - Sở Tư pháp"


async def test_submitted_online_counts_from_the_submit_date(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38104].detail
    assert detail["receiveDate"] == ""
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.received_at == vn(detail["submitDate"])


async def test_missing_appointment_is_counted_in_working_days(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38105].detail
    assert detail["dueDate"] == ""
    assert detail["durationCount"] == 3
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.due_at > dossier.received_at
    assert dossier.due_at.weekday() < 5
    working_days = sum(
        (dossier.received_at + dt.timedelta(days=day)).weekday() < 5
        for day in range(1, (dossier.due_at - dossier.received_at).days + 1)
    )
    assert working_days == 3


async def test_without_appointment_or_duration_is_a_bad_answer(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38105].detail
    detail["durationCount"] = 0
    with pytest.raises(BadAnswer, match="dueDate"):
        await look(opencps, detail["dossierNo"])


async def test_extended_appointment_is_rescheduled(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38119].detail
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.rescheduled_due_at == vn(detail["extendDate"])
    assert dossier.rescheduled
    assert dossier.effective_due > dossier.due_at


async def test_extend_date_not_later_than_due_is_ignored(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38101].detail
    detail["extendDate"] = detail["dueDate"]
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.rescheduled_due_at is None


@pytest.mark.parametrize(("dossier_id", "field"), [(38116, "releaseDate"), (38118, "releaseDate")])
async def test_completed_at_is_the_release(
    opencps: SimServer, opencps_sim: OpenCPSSim, dossier_id: int, field: str
) -> None:
    detail = opencps_sim.dossiers[dossier_id].detail
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.completed_at == vn(detail[field])


async def test_completed_at_falls_back_to_the_finish(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    detail = opencps_sim.dossiers[38112].detail
    assert detail["releaseDate"] == ""
    dossier = (await look(opencps, detail["dossierNo"])).dossier
    assert dossier.completed_at == vn(detail["finishDate"])


async def test_history_comes_from_the_logs_without_authors_or_notes(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    item = opencps_sim.dossiers[38109]
    dossier = (await look(opencps, item.number)).dossier
    assert [entry.note for entry in dossier.history] == [
        "Tiếp nhận hồ sơ",
        "Chuyển thẩm định",
        "Yêu cầu bổ sung hồ sơ",
    ]
    assert [entry.status for entry in dossier.history] == [
        Status.RECEIVED,
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUIRED,
    ]
    assert dossier.history[0].unit == "Bộ phận Tiếp nhận và Trả kết quả"
    assert [entry.at for entry in dossier.history] == sorted(entry.at for entry in dossier.history)
    assert dossier.history[0].at == dt.datetime.fromtimestamp(
        item.logs[0]["createDate"] / 1000, ICT
    )
    shown = json.dumps(dossier_to_json(dossier), ensure_ascii=False)
    for log in item.logs:
        assert log["author"] not in shown
        if log["content"]:
            assert log["content"] not in shown


async def test_withdrawal_request_by_the_applicant_does_not_leak_their_name(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    item = opencps_sim.dossiers[38113]
    assert any(log["author"] == item.detail["applicantName"] for log in item.logs)
    answer = await look(opencps, item.number)
    shown = json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)
    assert item.detail["applicantName"] not in shown.upper()


async def test_right_key_reveals_name_and_id_only(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    item = opencps_sim.dossiers[38101]
    answer = await look(opencps, item.number, "4656")
    assert answer.key_verified is True
    assert answer.dossier.applicant is not None
    assert answer.dossier.applicant.name == "NGUYỄN VĂN AN"
    assert answer.dossier.applicant.id_number == "093090001234"
    shown = json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)
    for personal in ("contactTelNo", "contactEmail", "address", "wardName", "delegateAddress"):
        assert item.detail[personal] not in shown
    seen = opencps_sim.seen[0]
    assert seen.headers["secretcode"] == "4656"
    assert "4656" not in seen.path + seen.query
    assert seen.headers["groupid"] == "35404"


async def test_key_is_case_insensitive_as_in_opencps(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    answer = await look(opencps, number_of(opencps_sim, 38102), "7k2p")
    assert answer.key_verified is True


@pytest.mark.parametrize("key", ["khóa", "ab\r\nX-Injected: 1", "4656 4656", "x" * 65])
async def test_key_that_cannot_be_a_key_is_rejected_unsent(
    opencps: SimServer, opencps_sim: OpenCPSSim, key: str
) -> None:
    with pytest.raises(KeyRejected, match="characters no key has"):
        await look(opencps, number_of(opencps_sim, 38101), key)
    assert opencps_sim.calls["dossier"] == 0


async def test_right_key_without_service_account(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    answer = await look(opencps, number_of(opencps_sim, 38101), "4656", username="", password="")
    assert answer.key_verified is True
    assert "authorization" not in opencps_sim.seen[0].headers


async def test_wrong_key_with_service_account_answers_status_only(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    answer = await look(opencps, number_of(opencps_sim, 38101), "0000")
    assert answer.key_verified is False
    assert answer.dossier.applicant is None
    assert answer.dossier.status is Status.PROCESSING
    assert opencps_sim.calls["dossier"] == 2
    assert "NGUYỄN VĂN AN" not in json.dumps(dossier_to_json(answer.dossier), ensure_ascii=False)


async def test_administrator_account_still_has_the_key_checked(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    # ?secretKey= would let an administrator through with any key; secretCode never does.
    answer = await look(
        opencps, number_of(opencps_sim, 38101), "0000", username="admin-hg", password="Admin-2025!"
    )
    assert answer.key_verified is False
    assert answer.dossier.applicant is None


async def test_wrong_key_without_service_account_is_rejected(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    with pytest.raises(KeyRejected, match="wrong lookup key"):
        await look(opencps, number_of(opencps_sim, 38101), "0000", username="", password="")


async def test_dossier_without_password_rejects_every_key(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    item = opencps_sim.dossiers[38119]
    item.password = ""
    answer = await look(opencps, item.number, "")
    assert answer.key_verified is False
    answer = await look(opencps, item.number, "8TYU")
    assert answer.key_verified is False


@pytest.mark.parametrize("unauthenticated", [203, 401])
async def test_no_key_and_no_account_needs_the_key(
    opencps: SimServer, opencps_sim: OpenCPSSim, unauthenticated: int
) -> None:
    opencps_sim.unauthenticated = unauthenticated
    try:
        with pytest.raises(KeyRequired):
            await look(opencps, number_of(opencps_sim, 38101), username="", password="")
    finally:
        opencps_sim.unauthenticated = 203


async def test_refused_service_account_is_unavailable(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    with pytest.raises(Unavailable, match="service account"):
        await look(opencps, number_of(opencps_sim, 38101), password="wrong")


async def test_unknown_number_is_not_found(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    with pytest.raises(NotFound):
        await look(opencps, "000.00.20.H30-240115-9999")


async def test_unknown_number_with_key_and_no_account_is_a_rejected_key(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    with pytest.raises(KeyRejected, match="OpenCPS answers both alike"):
        await look(opencps, "000.00.20.H30-240115-9999", "4656", username="", password="")


async def test_other_site_is_not_found(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    with pytest.raises(NotFound):
        await look(opencps, number_of(opencps_sim, 38101), group_id="99999")


async def test_unknown_status_is_processing_and_counted(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    item = opencps_sim.dossiers[38118]
    item.detail["dossierStatus"] = "archived"
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(), http)
        for _ in range(2):
            answer = await upstream.lookup(parse_code(item.number), None)
            assert answer.dossier.status is Status.PROCESSING
        assert upstream.unmapped_statuses == {"archived": 2}


async def test_history_failure_costs_only_the_history(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    opencps_sim.faults.set(Fault.NOT_JSON, path="/o/rest/v2/dossierlogs/")
    dossier = (await look(opencps, number_of(opencps_sim, 38109))).dossier
    assert dossier.history == ()
    assert dossier.status is Status.SUPPLEMENT_REQUIRED


# Faults of the upstream --------------------------------------------------------------------


async def test_slow_answer_within_the_time_out(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.SLOW, delay=0.2, times=1)
    answer = await look(opencps, number_of(opencps_sim, 38101))
    assert answer.dossier.status is Status.PROCESSING


@pytest.mark.parametrize(
    ("fault", "params"), [(Fault.SLOW, {"delay": 30}), (Fault.HANG, {})], ids=["slow", "hang"]
)
async def test_no_answer_in_time_is_unavailable(
    opencps: SimServer, opencps_sim: OpenCPSSim, fault: Fault, params: dict[str, Any]
) -> None:
    opencps_sim.faults.set(fault, **params)
    with pytest.raises(Unavailable, match="no answer in time"):
        await look(opencps, number_of(opencps_sim, 38101), timeout=0.5)


async def test_reset_is_unavailable(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.RESET)
    with pytest.raises(Unavailable, match="connection failed"):
        await look(opencps, number_of(opencps_sim, 38101))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_unavailable(
    opencps: SimServer, opencps_sim: OpenCPSSim, status: int
) -> None:
    opencps_sim.faults.set(Fault.SERVER_ERROR, status=status)
    with pytest.raises(Unavailable, match=f"HTTP {status}"):
        await look(opencps, number_of(opencps_sim, 38101))


async def test_rate_limit_carries_retry_after(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.RATE_LIMITED, retry_after="7")
    with pytest.raises(Unavailable) as caught:
        await look(opencps, number_of(opencps_sim, 38101))
    assert caught.value.retry_after == 7


async def test_203_without_account_is_a_rejected_key(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    opencps_sim.faults.set(Fault.NON_AUTHORITATIVE)
    with pytest.raises(KeyRejected):
        await look(opencps, number_of(opencps_sim, 38101), "4656", username="", password="")


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_huge_answer_is_not_read(
    opencps: SimServer, opencps_sim: OpenCPSSim, declare_length: bool
) -> None:
    opencps_sim.faults.set(Fault.HUGE, declare_length=declare_length)
    with pytest.raises(BadAnswer, match="over the limit"):
        await look(opencps, number_of(opencps_sim, 38101))
    assert opencps_sim.faults.huge_done.wait(10)
    assert opencps_sim.faults.huge_sent < 16 * 1024 * 1024


async def test_html_answer_is_a_bad_answer(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.NOT_JSON)
    with pytest.raises(BadAnswer, match=r"not JSON \(text/html"):
        await look(opencps, number_of(opencps_sim, 38101))


async def test_wrong_shape_is_a_bad_answer(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.WRONG_SHAPE)
    with pytest.raises(BadAnswer, match="dossierNo"):
        await look(opencps, number_of(opencps_sim, 38101))


def _hostile(sim: OpenCPSSim, **changes: Any) -> bytes:
    detail = dict(sim.dossiers[38101].detail)
    detail.update(changes)
    return json.dumps(detail).encode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dossierStatus": 4}, "dossierStatus"),
        ({"dossierStatus": ""}, "dossierStatus"),
        ({"dueDate": "32/13/2024 25:00:00"}, "dueDate"),
        ({"dueDate": "2024-01-15T07:31:00+07:00"}, "dueDate"),
        ({"receiveDate": "15/01/1970 00:00:00"}, "receiveDate"),
        ({"receiveDate": 1705278660000}, "receiveDate"),
        ({"serviceName": ["Cấp phiếu"]}, "serviceName"),
        ({"serviceName": "Cấp\x00phiếu"}, "serviceName"),
        ({"serviceName": "x" * 5000}, "serviceName"),
        ({"serviceName": "", "dossierName": ""}, "serviceName"),
        ({"govAgencyName": None}, "govAgencyName"),
        ({"dossierId": "abc"}, "dossierId"),
        ({"dossierId": None}, "dossierId"),
        ({"dossierNo": "000.00.20.H30-240115-0002"}, "answered 000.00.20.H30-240115-0002"),
    ],
)
async def test_hostile_detail_is_a_bad_answer(
    opencps: SimServer, opencps_sim: OpenCPSSim, changes: dict[str, Any], field: str
) -> None:
    opencps_sim.faults.set(Fault.ANSWER, status=200, body=_hostile(opencps_sim, **changes))
    with pytest.raises(BadAnswer, match=field):
        await look(opencps, number_of(opencps_sim, 38101))


@pytest.mark.parametrize("body", [b"[]", b'"ok"', b"null", b"1e999", b"\xff\xfe{}"])
async def test_non_object_answer_is_a_bad_answer(
    opencps: SimServer, opencps_sim: OpenCPSSim, body: bytes
) -> None:
    opencps_sim.faults.set(Fault.ANSWER, status=200, body=body)
    with pytest.raises(BadAnswer):
        await look(opencps, number_of(opencps_sim, 38101))


async def test_personal_field_is_not_quoted_in_the_message(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    body = _hostile(opencps_sim, applicantIdNo=["093090001234"])
    opencps_sim.faults.set(Fault.ANSWER, status=200, body=body)
    with pytest.raises(BadAnswer, match="applicantIdNo") as caught:
        await look(opencps, number_of(opencps_sim, 38101), "4656")
    assert "093090001234" not in str(caught.value)


async def test_empty_record_is_not_found(opencps: SimServer, opencps_sim: OpenCPSSim) -> None:
    opencps_sim.faults.set(Fault.ANSWER, status=200, body=b"{}")
    with pytest.raises(NotFound):
        await look(opencps, number_of(opencps_sim, 38101))


@pytest.mark.parametrize(
    ("status", "error"), [(403, Unavailable), (404, Unavailable), (418, BadAnswer)]
)
async def test_other_statuses(
    opencps: SimServer,
    opencps_sim: OpenCPSSim,
    status: int,
    error: type[Exception],
) -> None:
    opencps_sim.faults.set(Fault.ANSWER, status=status, body=b"{}")
    with pytest.raises(error, match=f"HTTP {status}"):
        await look(opencps, number_of(opencps_sim, 38101))


# Ratings -----------------------------------------------------------------------------------


async def test_rating_goes_to_the_voting_api_as_a_guest(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    code = parse_code(number_of(opencps_sim, 38118))
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(), http)
        await upstream.lookup(code, None)
        assert await upstream.rate(code, "satisfied") is True
        assert await upstream.rate(code, "Không hài lòng") is True
    first, second = opencps_sim.ratings
    assert first["votingId"] == "381180"
    assert first["selected"] == "2"
    assert first["className"] == "dossier"
    assert first["classPk"] == "38118"
    assert first["user"] == ""
    assert second["selected"] == "3"


async def test_rating_without_earlier_lookup_finds_the_dossier(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(), http)
        rated = await upstream.rate(parse_code(number_of(opencps_sim, 38116)), "very_satisfied")
    assert rated is True
    assert opencps_sim.ratings[0]["selected"] == "1"


async def test_rating_with_no_matching_choice_is_refused(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(), http)
        code = parse_code(number_of(opencps_sim, 38118))
        assert await upstream.rate(code, "so-so") is False
        assert await upstream.rate(parse_code("000.00.20.H30-240115-9999"), "satisfied") is False
    without_account = opencps.settings(username="", password="")
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", without_account, http)
        assert await upstream.rate(code, "satisfied") is False
    assert opencps_sim.ratings == []


async def test_lookup_key_never_reaches_the_log(
    opencps: SimServer, opencps_sim: OpenCPSSim, caplog: pytest.LogCaptureFixture
) -> None:
    opencps_sim.dossiers[38101].password = "QX7K"  # nothing else in a log could spell it
    caplog.set_level(logging.DEBUG)
    opencps_sim.faults.set(Fault.NOT_JSON, path="/o/rest/v2/dossierlogs/")  # a warning is logged
    answer = await look(opencps, number_of(opencps_sim, 38101), "QX7K")
    assert answer.key_verified is True
    assert "without history" in caplog.text
    assert "QX7K" not in caplog.text.upper()


# Code families -----------------------------------------------------------------------------


@pytest.mark.parametrize("dossier_id", [38120, 38121])
async def test_opencps_numbers_are_looked_up_as_printed(
    opencps: SimServer, opencps_sim: OpenCPSSim, dossier_id: int
) -> None:
    number = number_of(opencps_sim, dossier_id)
    assert parse_code(number).family == "opencps"
    dossier = (await look(opencps, number)).dossier
    assert dossier.code == number
    assert opencps_sim.seen[0].path == f"/o/rest/v2/dossiers/{number}"


@pytest.mark.parametrize("payload", ["D-4656-38101", "https://kiosk.example/?QRSCAN=38101-4656"])
async def test_kiosk_payload_looks_up_the_dossier_id(
    opencps: SimServer, opencps_sim: OpenCPSSim, payload: str
) -> None:
    query = parse_query(payload)
    assert query.code.family == "opencps_id"
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(username="", password=""), http)
        answer = await upstream.lookup(query.code, query.lookup_key)
        assert await upstream.rate(query.code, "satisfied") is True
    assert opencps_sim.seen[0].path == "/o/rest/v2/dossiers/38101"
    assert answer.key_verified is True
    assert answer.dossier.code == number_of(opencps_sim, 38101)
    assert opencps_sim.ratings[0]["classPk"] == "38101"


async def test_rating_by_dossier_id_needs_no_lookup(
    opencps: SimServer, opencps_sim: OpenCPSSim
) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        upstream = OpenCPS("hau-giang", opencps.settings(username="", password=""), http)
        assert await upstream.rate(parse_code("D-4656-38118"), "very_satisfied") is True
    assert opencps_sim.calls["dossier"] == 0
    assert opencps_sim.ratings[0]["selected"] == "1"
