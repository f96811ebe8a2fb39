import contextlib
import datetime as dt
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dossier import (
    DEFAULT_FAMILIES,
    MAX_TEXT,
    CodeError,
    CodeFamilies,
    CodeFamiliesError,
    CodeQuery,
    DossierCode,
    Family,
    Language,
    Problem,
    find_codes,
    hibc_encode,
    normalize_code,
    parse_code,
    parse_query,
)

FULL = DossierCode(
    Family.NATIONAL, "000.00.20.H30-240115-0001", "H30.20.00.000", dt.date(2024, 1, 15)
)
SHORT = DossierCode(Family.NATIONAL_SHORT, "H30.20-241203-0158", "H30.20", dt.date(2024, 12, 3))

# The shapes real receipts carry (shared/UPSTREAMS.md), each with what it must read as.
REAL = {
    "000.00.14.H56-200203-0118": DossierCode(
        Family.NATIONAL, "000.00.14.H56-200203-0118", "H56.14.00.000", dt.date(2020, 2, 3)
    ),
    "000.17.22.H56-210531-0001": DossierCode(
        Family.NATIONAL, "000.17.22.H56-210531-0001", "H56.22.17.000", dt.date(2021, 5, 31)
    ),
    "000.00.53.H48-220921-0099": DossierCode(
        Family.NATIONAL, "000.00.53.H48-220921-0099", "H48.53.00.000", dt.date(2022, 9, 21)
    ),
    "000.A0.01.H26-210212-9090": DossierCode(
        Family.NATIONAL, "000.A0.01.H26-210212-9090", "H26.01.A0.000", dt.date(2021, 2, 12)
    ),
    "38.98.H29-210519-0013": DossierCode(
        Family.NATIONAL, "38.98.H29-210519-0013", "H29.98.38", dt.date(2021, 5, 19)
    ),
    "G22.99.09-240114-0001": DossierCode(
        Family.NATIONAL_SHORT, "G22.99.09-240114-0001", "G22.99.09", dt.date(2024, 1, 14)
    ),
    "G22.99.08-260921-896048": DossierCode(
        Family.NATIONAL_SHORT, "G22.99.08-260921-896048", "G22.99.08", dt.date(2026, 9, 21)
    ),
    "G22.99-251225-020175": DossierCode(
        Family.NATIONAL_SHORT, "G22.99-251225-020175", "G22.99", dt.date(2025, 12, 25)
    ),
    "H30.20-241203-0158": SHORT,
    "CNTBD.181121.00334": DossierCode(Family.OPENCPS, "CNTBD.181121.00334"),
    "09.H44.181214.00108": DossierCode(Family.OPENCPS, "09.H44.181214.00108", "H44.09"),
    "D-38963": DossierCode(Family.OPENCPS_ID, "D-38963"),
}


@pytest.mark.parametrize(("text", "expected"), REAL.items())
def test_real_receipt_codes_of_every_family(text: str, expected: DossierCode) -> None:
    assert parse_code(text) == expected
    assert str(expected) == text


def test_opencps_kiosk_payload_carries_the_key() -> None:
    assert parse_query("D-4656-38963") == CodeQuery(REAL["D-38963"], "4656")
    assert parse_query("d 4656 38963") == CodeQuery(REAL["D-38963"], "4656")
    assert parse_query("D-38963 4656") == CodeQuery(REAL["D-38963"], "4656")
    assert parse_query("D-0038963") == CodeQuery(REAL["D-38963"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000.00.20.H30-240115-0001", FULL),
        ("H30.20-241203-0158", SHORT),
        ("h30.20-241203-0158", SHORT),
        ("  000.00.20.h30-240115-0001\n", FULL),
        ("000.00.20.H30 - 240115 - 0001", FULL),
        ("000 . 00 . 20 . H30-240115-0001", FULL),
        ("000. 00. 20. H30-240115-0001", FULL),
        ("000.00.20.H30 240115 0001", FULL),
        ("000.00.20.H30\u2013240115\u20140001", FULL),
        ("000.00.20.H30\u2212240115\u20110001", FULL),
        (
            "\uff10\uff10\uff10.\uff10\uff10.\uff12\uff10.\uff28\uff13\uff10\uff0d240115\uff0d0001",
            FULL,
        ),
        ("000.00.20.H30-240115-0001\u200b", FULL),
        ("Mã hồ sơ: 000.00.20.H30-240115-0001, hẹn trả 20/01", FULL),
        ("Cam on. 000.00.20.H30-240115-0001", FULL),
        ("1. 000.00.20.H30-240115-0001", FULL),
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
        ("H30.20-2412030158", SHORT),
        (
            "H30.33.05-241203-0158",
            DossierCode(
                Family.NATIONAL_SHORT, "H30.33.05-241203-0158", "H30.33.05", dt.date(2024, 12, 3)
            ),
        ),
        (
            "000.00.00.G01-240229-1234567",
            DossierCode(
                Family.NATIONAL,
                "000.00.00.G01-240229-1234567",
                "G01.00.00.000",
                dt.date(2024, 2, 29),
            ),
        ),
    ],
)
def test_accepts_what_people_and_scanners_produce(text: str, expected: DossierCode) -> None:
    assert parse_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000,00,20,H30-240115-0001", FULL),
        ("000/00/20/H30-240115-0001", FULL),
        ("000.00.20.H302401150001", FULL),
        ("000.00.20.H30-2401150001", FULL),
        ("OOO.OO.2O.H3O-24O115-OOOl", FULL),
        ("000.00.20.H30-24O1I5-OOO1", FULL),
        ("h3o.2o-241203-o158", SHORT),
        ("CNTBD,181121,OO334", REAL["CNTBD.181121.00334"]),
        ("cntbd.181121.00334", REAL["CNTBD.181121.00334"]),
        ("D-4656-3896O", DossierCode(Family.OPENCPS_ID, "D-38960")),
    ],
)
def test_typos_read_as_meant(text: str, expected: DossierCode) -> None:
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
    ("text", "query"),
    [
        ("https://motcua.x.gov.vn/kios?QRSCAN=38963-4656", CodeQuery(REAL["D-38963"], "4656")),
        (
            "https://x.gov.vn/tra-cuu-ho-so?id=38963&secretKey=4656",
            CodeQuery(REAL["D-38963"], "4656"),
        ),
        ("https://x.gov.vn/tra-cuu?id=38963-secretKey=4656", CodeQuery(REAL["D-38963"], "4656")),
        ("https://x.gov.vn/#/?id=38963&secretKey=4656", CodeQuery(REAL["D-38963"], "4656")),
        (
            "https://x.gov.vn/kios?QRSCAN=CNTBD.181121.00334-4656",
            CodeQuery(REAL["CNTBD.181121.00334"], "4656"),
        ),
        ("https://www.facebook.com/profile.php?id=100012345", None),
    ],
)
def test_opencps_links(text: str, query: CodeQuery | None) -> None:
    if query is None:
        with pytest.raises(CodeError):
            parse_query(text)
    else:
        assert parse_query(text) == query


@pytest.mark.parametrize("number", ["CNTBD.181121.00334", "000.00.20.H30-240115-0001"])
def test_hibc_symbols_of_opencps_qr_codes(number: str) -> None:
    symbol = hibc_encode(number)
    assert parse_code(symbol) == parse_code(number)
    wrong = symbol[:-1] + ("A" if symbol[-1] != "A" else "B")
    with pytest.raises(CodeError) as caught:
        parse_code(wrong)
    assert caught.value.problem is Problem.CHECK_CHARACTER
    assert caught.value.part == wrong


def test_hibc_check_character_counts_the_plus() -> None:
    # "+" 41 + "A" 10 = 51, modulo 43 = 8.
    assert hibc_encode("A") == "+A8"


def test_a_phone_number_with_a_plus_is_not_hibc() -> None:
    assert find_codes("+84912345678") == []


@pytest.mark.parametrize(
    ("text", "problem", "part"),
    [
        ("", Problem.EMPTY, ""),
        ("   ", Problem.EMPTY, ""),
        ("xin chao", Problem.NOT_FOUND, ""),
        ("0912345678", Problem.NOT_FOUND, ""),
        ("hen tra 20/01/2024", Problem.NOT_FOUND, ""),
        ("000.00.20.H30-240230-0001", Problem.DATE_INVALID, "240230"),
        ("000.00.20.H30-241301-0001", Problem.DATE_INVALID, "241301"),
        ("000.00.20.H30-230229-0001", Problem.DATE_INVALID, "230229"),
        ("000.00.20.H30-24011-0001", Problem.DATE_FORMAT, "24011"),
        ("000.00.20.H30 24011 0001", Problem.DATE_FORMAT, "24011"),
        ("000.00.20.H30-240115-012", Problem.SEQUENCE, "012"),
        ("000.00.20.H30-240115012", Problem.SEQUENCE, "012"),
        ("000.00.20.H30-240115-00012345", Problem.SEQUENCE, "00012345"),
        ("000.00.20.H30-240115", Problem.MISSING_SEQUENCE, "240115"),
        ("000.00.20.H30-240115-", Problem.MISSING_SEQUENCE, "240115"),
        ("000.00.20.H30", Problem.MISSING_DATE, "000.00.20.H30"),
        ("H30.20", Problem.MISSING_DATE, "H30.20"),
        ("240115-0001", Problem.AGENCY, "240115"),
        ("000.00.20.K30-240115-0001", Problem.AGENCY, "000.00.20.K30"),
        ("00.00.20.H30-240115-0001", Problem.AGENCY, "00.00.20.H30"),
        ("000 00.20.H30-240115-0001", Problem.AGENCY, "000 00.20.H30"),
        ("0000.00.20.H30-240115-0001", Problem.AGENCY, "0000.00.20.H30"),
        ("H30-240115-0001", Problem.AGENCY, "H30"),
        ("000,00,20,K30-240115-0001", Problem.AGENCY, "000.00.20.K30"),
        ("CNTBD.181121", Problem.MISSING_SEQUENCE, "181121"),
        ("CNTBD.18112.00334", Problem.DATE_FORMAT, "18112"),
        ("CNTBD.181121.334", Problem.SEQUENCE, "334"),
        ("D-46-38963", Problem.LOOKUP_KEY, "46"),
        ("D-4656-3896X", Problem.DOSSIER_ID, "3896X"),
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
    assert caught.value.message(Language.EN) == "Date part 240230 is not a real date."
    assert caught.value.message(Language.VI) == "Phần ngày 240230 không phải là ngày có thật."
    assert str(caught.value) == caught.value.message(Language.EN)


def test_every_problem_has_both_messages() -> None:
    for problem in Problem:
        error = CodeError(problem, "X")
        assert error.message(Language.VI) and error.message(Language.EN)
        assert error.message(Language.VI) != error.message(Language.EN)


def test_long_parts_are_cut_in_messages() -> None:
    error = CodeError(Problem.AGENCY, "9" * 500)
    assert len(error.part) == 40 and error.part.endswith("...")


def test_finds_several_codes_in_order_without_repeats() -> None:
    text = "HS H30.20-241203-0158 000.00.20.H30-240115-0001; h30.20-241203-0158 CNTBD.181121.00334"
    assert find_codes(text) == [
        CodeQuery(SHORT),
        CodeQuery(FULL),
        CodeQuery(REAL["CNTBD.181121.00334"]),
    ]


def test_reports_failed_attempts_beside_valid_codes() -> None:
    text = "000.00.20.H30-240115-0001 000.00.20.H30-240230-0002"
    assert find_codes(text) == [CodeQuery(FULL), CodeError(Problem.DATE_INVALID, "240230")]


def test_words_and_phone_numbers_are_not_attempts() -> None:
    text = "Tra cuu ho so giup toi, sdt 0912 345 678, TP.HCM, Q.1, 12.5 ngay. Cam on!"
    assert find_codes(text) == []


def test_canonical_spelling() -> None:
    assert str(FULL) == "000.00.20.H30-240115-0001"
    assert normalize_code("h30.20 – 241203 – 0158") == "H30.20-241203-0158"
    assert normalize_code("d-4656-038963") == "D-38963"


# Families a deployment enables.

NATIONAL_ONLY = CodeFamilies((Family.NATIONAL,))


def test_a_family_left_out_is_named_not_looked_up() -> None:
    with pytest.raises(CodeError) as caught:
        parse_code("CNTBD.181121.00334", families=NATIONAL_ONLY)
    assert (caught.value.problem, caught.value.part) == (Problem.FAMILY, "CNTBD.181121.00334")
    assert parse_code("000.00.20.H30-240115-0001", families=NATIONAL_ONLY) == FULL


def test_custom_families_from_the_configuration() -> None:
    families = CodeFamilies.from_config(
        ["opencps"], {"permits": r"GP(?P<agency>H\d\d)[0-9]{6}", "free": "18ACE[0-9]{3}"}
    )
    assert families.names == ("opencps", "custom.permits", "custom.free")
    assert "custom.free" in families and "national" not in families
    assert parse_query("HS gph30123456 A1B2", families=families) == CodeQuery(
        DossierCode("custom.permits", "GPH30123456", "H30"), "A1B2"
    )
    assert parse_code("18ace289.", families=families) == DossierCode("custom.free", "18ACE289")
    assert parse_code("CNTBD.181121.00334", families=families).family == Family.OPENCPS
    with pytest.raises(CodeError):
        parse_code("18ACE289", families=DEFAULT_FAMILIES)


def test_bad_custom_families_name_their_key() -> None:
    with pytest.raises(CodeFamiliesError) as caught:
        CodeFamilies.from_config(["national", "opencsp"], {"broken": "GP[", "any": ".*"})
    unknown, broken, empty = caught.value.problems
    assert unknown.startswith("families: 'opencsp' is not a code family; did you mean 'opencps'?")
    assert broken.startswith("custom.broken: not a regular expression")
    assert empty.startswith("custom.any: matches an empty word")


# Property-based checks: citizens and scanners can send any text at all.

_group = st.from_regex(r"[0-9A-HJKMNP-Z]{2}", fullmatch=True)
national_agencies = st.builds(
    lambda first, groups, letter, province: ".".join([*first, *groups, f"{letter}{province}"]),
    st.lists(st.from_regex(r"[0-9A-HJKMNP-Z]{3}", fullmatch=True), max_size=1),
    st.lists(_group, min_size=2, max_size=2),
    st.sampled_from("HG"),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
)
short_agencies = st.builds(
    lambda letter, d, groups: f"{letter}{d}" + "".join(f".{g}" for g in groups),
    st.sampled_from("HG"),
    st.from_regex(r"[0-9]{2}", fullmatch=True),
    st.lists(st.from_regex(r"[0-9]{1,3}", fullmatch=True), min_size=1, max_size=3),
)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
sequences = st.from_regex(r"[0-9]{4,7}", fullmatch=True)
national_codes = st.builds(
    lambda a, d, s: f"{a}-{d:%y%m%d}-{s}", national_agencies, dates, sequences
)
short_codes = st.builds(lambda a, d, s: f"{a}-{d:%y%m%d}-{s}", short_agencies, dates, sequences)
opencps_codes = st.builds(
    lambda prefix, date, s: f"{prefix}.{date}.{s}",
    st.from_regex(r"[A-Z][0-9A-Z]{0,8}(\.[0-9A-Z]{1,5})?", fullmatch=True),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    sequences,
)
opencps_ids = st.builds(lambda n: f"D-{n}", st.integers(min_value=1, max_value=10**12))
canonical_codes = st.one_of(national_codes, short_codes, opencps_codes, opencps_ids)


@given(st.text())
@example("000.00.20.H30-240230-0001")
@example("http://[::1/?mahs=%ff")
@example("?=")
@example("ß" * 10 + "-1")
@example("٠٠٠.٠٠.٢٠.H٣٠-٢٤٠١١٥-٠٠٠١")
@example("+\x00000.00.20.H30-240115-0001")
@example("D-" + "9" * 30)
def test_no_text_raises_anything_but_code_error(text: str) -> None:
    with contextlib.suppress(CodeError):
        parse_query(text)
    find_codes(text)


@given(st.binary())
def test_no_decoded_bytes_raise_anything_but_code_error(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    with contextlib.suppress(CodeError):
        parse_code(text)


@given(canonical_codes)
def test_every_valid_code_round_trips_through_its_canonical_form(text: str) -> None:
    code = parse_code(text)
    assert str(code) == text
    assert parse_code(str(code)) == code


@given(
    st.one_of(national_codes, short_codes),
    st.sampled_from(["-", " - ", "\u2013", " "]),
    st.sampled_from([".", ",", "/", " . "]),
    st.sampled_from([("0", "0"), ("0", "O"), ("1", "l"), ("1", "I")]),
)
@example("000.00.20.H30-240115-0001", " ", ",", ("0", "O"))
def test_messy_spellings_parse_to_the_same_code(
    text: str, dash: str, dot: str, typo: tuple[str, str]
) -> None:
    code = parse_code(text)
    messy = text.replace("-", dash).replace(".", dot).replace(*typo).lower()
    assert parse_code(f"Ma ho so: {messy} .") == code


@given(national_codes)
def test_dashes_left_out_after_the_letter_code(text: str) -> None:
    assert parse_code(text.replace("-", "")) == parse_code(text)


@given(opencps_codes, st.sampled_from([".", ",", "/"]), st.booleans())
def test_messy_opencps_numbers_parse_to_the_same_code(text: str, dot: str, lower: bool) -> None:
    prefix, date, sequence = text.rsplit(".", 2)
    messy = f"{prefix}{dot}{date.replace('0', 'O')}{dot}{sequence.replace('1', 'l')}"
    assert parse_code(messy.lower() if lower else messy) == parse_code(text)


@given(canonical_codes)
def test_full_width_spelling_parses_to_the_same_code(text: str) -> None:
    wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)
    assert parse_code(wide) == parse_code(text)


@given(canonical_codes)
def test_hibc_symbols_parse_to_the_same_code(text: str) -> None:
    assert parse_code(hibc_encode(text)) == parse_code(text)


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    try:
        once = normalize_code(text)
    except CodeError:
        return
    assert normalize_code(once) == once


# Bounded work: any channel may hand the parser up to MAX_TEXT characters of anything.

HOSTILE_UNITS = [
    "x",  # one long word: the old link expression's quadratic case
    " ",  # a run of spaces: the old separator expression's quadratic case
    "a=",
    "?",
    "0.",
    "D-",
    "+",
    "+84912345678 ",
    "000.00.20.H30-240115-",
    "000.00.20.H30-240115-0001 ",
    "H30.2",
    "http://x.vn/?mahs=",
    "000 . 00 , 20 / H3O 24O115 OOOl 7K2P ",
]


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_60_kb_of_hostile_text_reads_in_well_under_a_second(unit: str) -> None:
    text = (unit * (60_000 // len(unit) + 1))[:60_000]
    started = time.process_time()
    find_codes(text)
    assert time.process_time() - started < 1.0  # about 50 ms here; figures: bench/codes.py


def test_text_beyond_the_cap_is_refused_whole() -> None:
    assert find_codes("0" * MAX_TEXT) == []
    too_long = f"000.00.20.H30-240115-0001 {'x' * MAX_TEXT}"
    assert find_codes(too_long) == [CodeError(Problem.TOO_LONG, str(len(too_long)))]
    with pytest.raises(CodeError, match="too long"):
        parse_query(too_long)


def test_public_names() -> None:
    import dossier

    assert all(hasattr(dossier, name) for name in dossier.__all__)
    assert {"Family", "CodeFamilies", "DEFAULT_FAMILIES", "MAX_TEXT"} <= set(dossier.__all__)
    assert CodeFamilies.default() is DEFAULT_FAMILIES
