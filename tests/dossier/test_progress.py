"""The live hint under the code being typed: what is still missing, or which part is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier import CodeFamilies, Family, Language, Problem, Stage, code_progress

FULL = "000.00.20.H30-240115-0001"
SHORT = "H30.20.5-241203-0158"


@pytest.mark.parametrize(
    ("typed", "stage", "missing"),
    [
        ("", Stage.AGENCY, 0),
        ("0", Stage.AGENCY, 8),
        ("000.", Stage.AGENCY, 9),
        ("000.00.20.H3", Stage.AGENCY, 1),
        ("H", Stage.AGENCY, 4),
        ("H30", Stage.AGENCY, 2),
        ("H30.", Stage.AGENCY, 1),
        ("000.00.20.H30", Stage.DATE, 6),
        ("000.00.20.H30-2401", Stage.DATE, 2),
        ("h30.20 - 2412", Stage.DATE, 2),
        ("000.00.20.H30-240115", Stage.SEQUENCE, 4),
        ("000.00.20.H30-240115-00", Stage.SEQUENCE, 2),
        ("000.00.20.H302401", Stage.DATE, 2),
        ("000.00.20.H30240115", Stage.SEQUENCE, 4),
        ("38.98.H29-2105", Stage.DATE, 2),
        ("G22.99.09-240114-00", Stage.SEQUENCE, 2),
        ("CNTBD.1811", Stage.TYPING, 0),
        ("D-", Stage.TYPING, 0),
        ("D-4656-38963", Stage.COMPLETE, 0),
        ("CNTBD.181121.00334", Stage.COMPLETE, 0),
        (FULL, Stage.COMPLETE, 0),
        (SHORT, Stage.COMPLETE, 0),
        ("000.00.20.H30-240115-0001234", Stage.COMPLETE, 0),
    ],
)
def test_what_is_still_missing(typed: str, stage: Stage, missing: int) -> None:
    progress = code_progress(typed)
    assert (progress.stage, progress.missing) == (stage, missing)
    assert progress.message(Language.VI) != progress.message(Language.EN)


@pytest.mark.parametrize(
    ("typed", "problem", "part"),
    [
        ("000.00.20.H30-24A", Problem.DATE_FORMAT, "24A"),
        ("000.00.20.H30-240230", Problem.DATE_INVALID, "240230"),
        ("000.00.20.H3-240115", Problem.AGENCY, "000.00.20.H3"),
        ("000.00.20.H30-240115-00012345", Problem.SEQUENCE, "00012345"),
    ],
)
def test_the_wrong_part_is_named(typed: str, problem: Problem, part: str) -> None:
    progress = code_progress(typed)
    assert progress.stage is Stage.WRONG
    assert progress.error is not None
    assert (progress.error.problem, progress.error.part) == (problem, part)
    assert part in progress.message(Language.EN)


NATIONAL_ONLY = CodeFamilies((Family.NATIONAL, Family.NATIONAL_SHORT))


@pytest.mark.parametrize(("typed", "part"), [("X123", "X123"), ("000.00.20.K", "000.00.20.K")])
def test_an_agency_no_family_can_have_is_wrong_at_once(typed: str, part: str) -> None:
    wrong = code_progress(typed, families=NATIONAL_ONLY)
    assert wrong.stage is Stage.WRONG and wrong.error is not None
    assert (wrong.error.problem, wrong.error.part) == (Problem.AGENCY, part)
    assert code_progress(typed).stage is Stage.TYPING  # it may be an OpenCPS number


def test_the_hints_read_well() -> None:
    assert code_progress("000.00.20.H30-2401").message(Language.VI) == (
        "Còn 2 chữ số ngày nhận (năm, tháng, ngày: yymmdd)"
    )
    assert code_progress(FULL).message(Language.EN) == "The code is complete: press Look up"


@given(st.text(max_size=40))
def test_any_text_gets_a_hint_and_never_raises(text: str) -> None:
    assert code_progress(text).message(Language.VI)


@given(
    st.sampled_from(
        [
            FULL,
            SHORT,
            "000.00.06.H56-231027-0361",
            "G12.3-240229-1234567",
            "000.A0.01.H26-210212-9090",
            "38.98.H29-210519-0013",
            "G22.99-251225-020175",
        ]
    )
)
def test_no_prefix_of_a_valid_code_is_called_wrong(code: str) -> None:
    for end in range(len(code) + 1):
        assert code_progress(code[:end]).stage is not Stage.WRONG, code[:end]
    assert code_progress(code).stage is Stage.COMPLETE
