"""Parsing what citizens send and composing what they get: properties over any input."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_client import KnownStatus
from dossier import ICT, CodeError, Dossier, HistoryEntry, OfficeGuide, Problem, Status, parse_code
from hardware.modem import decode_incoming, submit_pdus
from hardware.modem_sim import Alphabet, decode_submit
from onestop.demo_api import DemoRecord, bundled_records
from smsd import (
    Composer,
    Found,
    Intent,
    Invalid,
    NotFound,
    Stale,
    Unavailable,
    count_parts,
    parse_message,
)
from smsd._compose import gsm7_safe

NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=ICT)
CODE = parse_code("000.00.20.H30-240115-0001")


@pytest.mark.parametrize(
    ("text", "intent", "codes"),
    [
        ("HS 000.00.20.H30-240115-0001", Intent.LOOKUP, 1),
        ("tc h30.20-241203-0158", Intent.LOOKUP, 1),
        ("TRA CỨU 000.00.20.H30 \u2013 240115 \u2013 0001", Intent.LOOKUP, 1),
        (
            "HS 000.00.20.H30-240115-0001;H30.20-241203-0158 000.00.06.H56-231027-0361",
            Intent.LOOKUP,
            3,
        ),
        ("http://x.gov.vn/tra-cuu?maHoSo=000.00.20.H30-240115-0001", Intent.LOOKUP, 1),
        ("HD", Intent.HELP, 0),
        ("help", Intent.HELP, 0),
        (" ? ", Intent.HELP, 0),
        ("Hướng dẫn", Intent.HELP, 0),
        ("alo", Intent.UNKNOWN, 0),
        ("", Intent.UNKNOWN, 0),
    ],
)
def test_forms(text: str, intent: Intent, codes: int) -> None:
    request = parse_message(text, help_words=("HD", "HELP", "?", "HUONG DAN"))
    assert (request.intent, len(request.queries)) == (intent, codes)


def test_more_than_three_codes_are_counted_not_answered() -> None:
    text = " ".join(f"000.00.20.H30-240115-000{n}" for n in range(1, 6))
    request = parse_message(text)
    assert (len(request.queries), request.dropped) == (3, 2)


def test_invalid_code_says_what_is_wrong() -> None:
    request = parse_message("HS 000.00.20.H30-240230-0001")
    assert request.errors == (CodeError(Problem.DATE_INVALID, "240230"),)


@settings(max_examples=300)
@given(st.text())
def test_no_text_crashes_the_parser(text: str) -> None:
    request = parse_message(text)
    assert request.intent in Intent
    assert len(request.queries) <= 3


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_no_byte_sequence_crashes_decoding_or_parsing(data: bytes) -> None:
    incoming = decode_incoming(data.hex().upper())
    assert incoming.error is not None or isinstance(incoming.text, str)
    parse_message(incoming.text)


def _dossier(procedure: str, pickup: str | None, status: Status) -> Dossier:
    return Dossier(
        code=str(CODE),
        procedure=procedure,
        agency="Sở Tư pháp",
        status=status,
        received_at=NOW - dt.timedelta(days=10),
        due_at=NOW + dt.timedelta(days=2),
        rescheduled_due_at=None,
        completed_at=NOW if status.finished else None,
        current_unit="Phòng Hành chính",
        pickup_location=pickup,
        history=(),
        updated_at=NOW,
    )


ANSWERS = st.one_of(
    st.builds(
        lambda p, loc, s: Found(CODE, _dossier(p, loc, s)),
        st.text(max_size=80),
        st.none() | st.text(max_size=200),
        st.sampled_from(list(Status)),
    ),
    st.just(NotFound(CODE)),
    st.just(Unavailable(CODE)),
    st.just(Invalid(CodeError(Problem.SEQUENCE, "12"))),
    st.builds(
        lambda loc: Stale(CODE, KnownStatus(_dossier("x", loc, Status.PROCESSING), NOW)),
        st.none() | st.text(max_size=300),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(ANSWERS, min_size=1, max_size=3),
    st.sampled_from(["gsm7", "ucs2"]),
    st.integers(1, 4),
)
def test_every_reply_encodes_within_its_part_limit(
    answers: list[Found | NotFound | Unavailable | Invalid | Stale], alphabet: str, parts: int
) -> None:
    composer = Composer(alphabet=alphabet, max_parts=parts, clock=lambda: NOW)
    for text in (composer.reply(answers), composer.usage(), composer.limit_notice()):
        pdus = submit_pdus("+84912345678", text, 1)
        assert 1 <= len(pdus) <= parts
        decoded = [decode_submit(pdu) for _, pdu in pdus]
        if alphabet == "gsm7":
            assert all(part.alphabet is Alphabet.GSM7 for part in decoded)
            assert "".join(part.text for part in decoded) == text


@given(st.text())
def test_gsm7_safe_is_gsm7(text: str) -> None:
    (_, pdu), *_ = submit_pdus("0912345678", gsm7_safe(text) or "x", 0)
    assert decode_submit(pdu).alphabet is Alphabet.GSM7


def test_reply_words() -> None:
    composer = Composer(clock=lambda: NOW)
    dossier = _dossier(
        "Cấp phiếu lý lịch tư pháp", "Trung tâm Phục vụ hành chính công, quầy 5", Status.PROCESSING
    )
    assert composer.reply([Found(CODE, dossier)]) == (
        "000.00.20.H30-240115-0001: Dang xu ly. Hen tra 03/03/2024. Con 2 ngay. "
        "Chua can lam gi, cho den ngay hen tra."
    )
    stale = composer.reply([Stale(CODE, KnownStatus(dossier, NOW - dt.timedelta(hours=2)))])
    assert stale.startswith("000.00.20.H30-240115-0001 (cap nhat luc 07:00 01/03): Dang xu ly")
    assert composer.reply([NotFound(CODE)]).endswith("kiem tra lai ma tren giay bien nhan.")
    with_marks = Composer(alphabet="ucs2", clock=lambda: NOW).reply([Found(CODE, dossier)])
    assert "Đang xử lý. Hẹn trả 03/03/2024. Còn 2 ngày." in with_marks


GUIDE = OfficeGuide(
    hotline="0293 3878787",
    opening_hours="7h-11h30, 13h-17h T2-T6",
    pay_at="quay thu phi so 2",
)


def _with_note(status: Status, note: str, *, overdue: bool = False) -> Dossier:
    base = _dossier(
        "Cấp phiếu lý lịch tư pháp", "Trung tâm Phục vụ hành chính công, quầy 5", status
    )
    due = NOW - dt.timedelta(days=3) if overdue else base.due_at
    entry = HistoryEntry(NOW - dt.timedelta(days=1), "Phòng Hành chính", status, note)
    return dataclasses.replace(base, due_at=due, history=(entry,))


@pytest.mark.parametrize(
    ("status", "note", "wanted", "unwanted"),
    [
        (
            Status.SUPPLEMENT_REQUIRED,
            "Bổ sung bản sao CCCD có chứng thực",
            ["Can bo sung: Bo sung ban sao CCCD co chung thuc", "Mang giay to den Trung tam"],
            ["Qua han", "Nhan tai"],
        ),
        (
            Status.AWAITING_PAYMENT,
            "",
            ["Can nop phi, le phi tai quay thu phi so 2", "Ho tro: 0293 3878787"],
            ["Qua han"],
        ),
        (
            Status.RESULT_READY,
            "",
            ["Mang giay bien nhan va CCCD den nhan ket qua tai Trung tam Phuc vu"],
            ["Qua han"],
        ),
        (Status.REFUSED, "Không thuộc thẩm quyền", ["khong duoc tiep nhan", "0293"], ["Nhan tai"]),
        (Status.STOPPED, "Người nộp đề nghị dừng", ["dung xu ly", "0293"], ["Nhan tai"]),
        (Status.WITHDRAWN, "", ["khong can lam gi them"], ["Nhan tai"]),
    ],
)
def test_each_status_says_what_to_do_next_in_one_sms(
    status: Status, note: str, wanted: list[str], unwanted: list[str]
) -> None:
    composer = Composer(clock=lambda: NOW, guide=GUIDE)
    text = composer.reply([Found(CODE, _with_note(status, note, overdue=True))])
    assert count_parts(text) == 1, text
    for words in wanted:
        assert words in text
    for words in unwanted:
        assert words not in text


STEP_WORDS = {
    Status.SUBMITTED: "chua can lam gi",
    Status.RECEIVED: "Chua can lam gi",
    Status.PROCESSING: "Chua can lam gi",
    Status.SUPPLEMENT_REQUIRED: "Can bo sung: ",
    Status.AWAITING_PAYMENT: "Can nop phi, le phi tai ",
    Status.REFUSED: "Ho so khong duoc tiep nhan: ",
    Status.WITHDRAWN: "khong can lam gi them",
    Status.STOPPED: "Ho so da dung xu ly: ",
    Status.RESULT_READY: "den nhan ket qua tai ",
    Status.DELIVERED: "khong can lam gi them",
}
"""Words of each status's next step, in every form of it an SMS reply may take."""


@pytest.mark.parametrize("record", bundled_records(), ids=lambda record: str(record.dossier.status))
def test_every_demo_dossier_gets_its_next_step_in_one_sms(record: DemoRecord) -> None:
    # Real notes and desks are long: "Bo sung dieu le cong ty co chu ky cua chu so huu" and
    # "Trung tam Phuc vu hanh chinh cong tinh Hau Giang, quay so 2" left no room for the step,
    # and the reply said only "Yeu cau bo sung ho so."
    dossier = record.dossier
    for guide in (OfficeGuide(), GUIDE):
        text = Composer(clock=lambda: NOW, guide=guide).reply([Found(CODE, dossier)])
        assert count_parts(text) == 1, text
        assert STEP_WORDS[dossier.status] in text, text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(list(Status)),
    st.text(max_size=300),
    st.none() | st.text(max_size=200),
    st.booleans(),
)
def test_no_note_or_desk_is_too_long_for_the_next_step(
    status: Status, note: str, pickup: str | None, overdue: bool
) -> None:
    dossier = dataclasses.replace(_with_note(status, note, overdue=overdue), pickup_location=pickup)
    for answer in (Found(CODE, dossier), Stale(CODE, KnownStatus(dossier, NOW))):
        text = Composer(clock=lambda: NOW, guide=GUIDE).reply([answer])
        assert count_parts(text) == 1, text
        assert STEP_WORDS[status] in text, text


def test_an_office_words_a_step_its_own_way() -> None:
    guide = OfficeGuide(steps={Status.RESULT_READY: "Den {place} lay ket qua, goi {hotline}."})
    guide = dataclasses.replace(guide, hotline="1900 1234")
    composer = Composer(clock=lambda: NOW, guide=guide)
    text = composer.reply([Found(CODE, _with_note(Status.RESULT_READY, ""))])
    assert "Den Trung tam Phuc vu hanh chinh cong, quay 5 lay ket qua, goi 1900 1234." in text


def test_a_long_message_without_its_code_is_asked_again() -> None:
    text = Composer(clock=lambda: NOW).incomplete()
    assert text.startswith("Tin nhan cua ban den khong day du, vui long gui lai.")
    assert count_parts(text) == 1


def test_the_help_reply_names_the_lookup_page_when_it_fits() -> None:
    web = "https://tracuu.cantho.gov.vn/tra-cuu"
    assert Composer(web=web).usage().endswith(f"Tra cuu tren web: {web}")
    text = Composer(web=web, max_parts=1).usage()
    assert text.endswith(f". Web: {web}") and count_parts(text) == 1
    long_address = "https://" + "x" * 150 + ".vn/tra-cuu"
    assert "web" not in Composer(web=long_address, max_parts=1).usage().lower()
    assert "web" not in Composer().usage().lower()
