import contextlib
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dossier import (
    CodeError,
    CodeQuery,
    DossierCode,
    Notation,
    Problem,
    find_codes,
    normalize_code,
    parse_code,
    parse_query,
)

FULL = DossierCode("000.00.20.H30", dt.date(2024, 1, 15), "0001")
SHORT = DossierCode("H30.20", dt.date(2024, 12, 3), "0158")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000.00.20.H30-240115-0001", FULL),
        ("H30.20-241203-0158", SHORT),
        ("h30.20-241203-0158", SHORT),
        ("  000.00.20.h30-240115-0001\n", FULL),
        ("000.00.20.H30 - 240115 - 0001", FULL),
        ("000 . 00 . 20 . H30-240115-0001", FULL),
        ("000.00.20.H30 240115 0001", FULL),
        ("000.00.20.H30\u2013240115\u20140001", FULL),
        ("000.00.20.H30\u2212240115\u20110001", FULL),
        (
            "\uff10\uff10\uff10.\uff10\uff10.\uff12\uff10.\uff28\uff13\uff10\uff0d240115\uff0d0001",
            FULL,
        ),
        ("000.00.20.H30-240115-0001\u200b", FULL),
        ("Mã hồ sơ: 000.00.20.H30-240115-0001, hẹn trả 20/01", FULL),
        ("HS 000.00.20.H30-240115-0001", FULL),
        ("HS000.00.20.H30-240115-0001", FULL),
        ("HS.H30.20-241203-0158", SHORT),
        ("TRA CUU: h30.20-241203-0158!!", SHORT),
        ("https://dichvucong.haugiang.gov.vn/tra-cuu?mahs=000.00.20.H30-240115-0001", FULL),
        ("https://x.gov.vn/tra-cuu?maHoSo=H30.20-241203-0158&lang=vi", SHORT),
        ("http://x.vn/lookup?code=000.00.20.H30%2D240115%2D0001", FULL),
        ("https://x.vn/ho-so/H30.20-241203-0158", SHORT),
        ("https://x.vn/ho-so/H30.20-241203-0158/", SHORT),
        ("www.x.vn/tra-cuu?ma_ho_so=000.00.20.H30-240115-0001", FULL),
        ("tra-cuu?mahs=000.00.20.H30-240115-0001", FULL),
        ("000.00.06.H56-231027-0361", DossierCode("000.00.06.H56", dt.date(2023, 10, 27), "0361")),
        ("H30.33.05-241203-0158", DossierCode("H30.33.05", dt.date(2024, 12, 3), "0158")),
        (
            "000.00.00.G01-240229-1234567",
            DossierCode("000.00.00.G01", dt.date(2024, 2, 29), "1234567"),
        ),
    ],
)
def test_accepts_what_people_and_scanners_produce(text: str, expected: DossierCode) -> None:
    assert parse_code(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("000.00.20.H30-240115-0001 7K2P", "7K2P"),
        ("000.00.20.H30-240115-0001 7k2p", "7K2P"),
        ("HS 000.00.20.H30-240115-0001, A1B2", "A1B2"),
        ("000.00.20.H30-240115-0001 093090001234", "093090001234"),
        ("https://x.vn/tra-cuu?mahs=000.00.20.H30-240115-0001&matracuu=K8HV", "K8HV"),
        ("000.00.20.H30-240115-0001", None),
        ("000.00.20.H30-240115-0001 xin cam on", None),
    ],
)
def test_lookup_key_after_the_code(text: str, key: str | None) -> None:
    assert parse_query(text) == CodeQuery(FULL, key)


@pytest.mark.parametrize(
    ("text", "problem", "part"),
    [
        ("", Problem.EMPTY, ""),
        ("   ", Problem.EMPTY, ""),
        ("xin chao", Problem.NOT_FOUND, ""),
        ("0912345678", Problem.NOT_FOUND, ""),
        ("000.00.20.H30-240230-0001", Problem.DATE_INVALID, "240230"),
        ("000.00.20.H30-241301-0001", Problem.DATE_INVALID, "241301"),
        ("000.00.20.H30-230229-0001", Problem.DATE_INVALID, "230229"),
        ("000.00.20.H30-24011-0001", Problem.DATE_FORMAT, "24011"),
        ("H30.20-2412030158", Problem.DATE_FORMAT, "2412030158"),
        ("000.00.20.H30-240115-012", Problem.SEQUENCE, "012"),
        ("000.00.20.H30-240115-00012345", Problem.SEQUENCE, "00012345"),
        ("000.00.20.H30-240115", Problem.MISSING_SEQUENCE, "240115"),
        ("000.00.20.H30-240115-", Problem.MISSING_SEQUENCE, "240115"),
        ("000.00.20.H30", Problem.MISSING_DATE, "000.00.20.H30"),
        ("H30.20", Problem.MISSING_DATE, "H30.20"),
        ("240115-0001", Problem.AGENCY, "240115"),
        ("000.00.20.K30-240115-0001", Problem.AGENCY, "000.00.20.K30"),
        ("00.00.20.H30-240115-0001", Problem.AGENCY, "00.00.20.H30"),
        ("H30-240115-0001", Problem.AGENCY, "H30"),
    ],
)
def test_names_the_wrong_part(text: str, problem: Problem, part: str) -> None:
    with pytest.raises(CodeError) as caught:
        parse_code(text)
    assert caught.value.problem is problem
    assert caught.value.part == part


def test_error_is_told_in_both_languages() -> None:
    with pytest.raises(CodeError) as caught:
        parse_code("000.00.20.H30-240230-0001")
    assert caught.value.message("en") == "Date part 240230 is not a real date."
    assert caught.value.message("vi") == "Phần ngày 240230 không phải là ngày có thật."
    assert str(caught.value) == caught.value.message("en")


def test_every_problem_has_both_messages() -> None:
    for problem in Problem:
        error = CodeError(problem, "X")
        assert error.message("vi") and error.message("en")
        assert error.message("vi") != error.message("en")


def test_finds_several_codes_in_order_without_repeats() -> None:
    text = "HS H30.20-241203-0158 000.00.20.H30-240115-0001; h30.20-241203-0158"
    assert find_codes(text) == [CodeQuery(SHORT), CodeQuery(FULL)]


def test_reports_failed_attempts_beside_valid_codes() -> None:
    text = "000.00.20.H30-240115-0001 000.00.20.H30-240230-0002"
    assert find_codes(text) == [CodeQuery(FULL), CodeError(Problem.DATE_INVALID, "240230")]


def test_words_and_phone_numbers_are_not_attempts() -> None:
    assert find_codes("Tra cuu ho so giup toi, sdt 0912 345 678. Cam on!") == []


def test_notation() -> None:
    assert FULL.notation is Notation.FULL
    assert SHORT.notation is Notation.SHORT
    assert str(FULL) == "000.00.20.H30-240115-0001"
    assert normalize_code("h30.20 – 241203 – 0158") == "H30.20-241203-0158"


# Property-based checks: citizens and scanners can send any text at all.

full_agencies = st.builds(
    lambda a, b, c, letter, d: f"{a}.{b}.{c}.{letter}{d}",
    st.from_regex(r"[0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
    st.sampled_from("HG"),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
)
short_agencies = st.builds(
    lambda letter, d, groups: f"{letter}{d}" + "".join(f".{g}" for g in groups),
    st.sampled_from("HG"),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
    st.lists(st.from_regex(r"[0-9]{1,3}", fullmatch=True), min_size=1, max_size=3),
)
codes = st.builds(
    DossierCode,
    st.one_of(full_agencies, short_agencies),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.from_regex(r"[0-9]{4,7}", fullmatch=True),
)


@given(st.text())
@example("000.00.20.H30-240230-0001")
@example("http://[::1/?mahs=%ff")
@example("?=")
@example("ß" * 10 + "-1")
@example("٠٠٠.٠٠.٢٠.H٣٠-٢٤٠١١٥-٠٠٠١")
def test_no_text_raises_anything_but_code_error(text: str) -> None:
    with contextlib.suppress(CodeError):
        parse_query(text)
    find_codes(text)


@given(st.binary())
def test_no_decoded_bytes_raise_anything_but_code_error(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    with contextlib.suppress(CodeError):
        parse_code(text)


@given(codes)
def test_every_valid_code_round_trips(code: DossierCode) -> None:
    assert parse_code(str(code)) == code


@given(codes, st.sampled_from(["-", " - ", "\u2013", "\u2014", "\u2212", " "]), st.booleans())
def test_messy_spellings_parse_to_the_same_code(code: DossierCode, dash: str, lower: bool) -> None:
    text = str(code).replace("-", dash)
    if lower:
        text = text.lower()
    assert parse_code(f"Ma ho so: {text} .") == code


@given(codes)
def test_full_width_spelling_parses_to_the_same_code(code: DossierCode) -> None:
    wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in str(code))
    assert parse_code(wide) == code


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    try:
        once = normalize_code(text)
    except CodeError:
        return
    assert normalize_code(once) == once
