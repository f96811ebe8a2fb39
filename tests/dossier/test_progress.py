"""The live hint under the code being typed: what is still missing, or which part is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier import Problem, Stage, code_progress

FULL = "000.00.20.H30-240115-0001"
SHORT = "H30.20.5-241203-0158"


@pytest.mark.parametrize(
    ("typed", "stage", "missing"),
    [
        ("", Stage.AGENCY, 0),
        ("0", Stage.AGENCY, 12),
        ("000.00.20.H3", Stage.AGENCY, 1),
        ("H", Stage.AGENCY, 4),
        ("H30", Stage.AGENCY, 2),
        ("H30.", Stage.AGENCY, 1),
        ("000.00.20.H30", Stage.DATE, 6),
        ("000.00.20.H30-2401", Stage.DATE, 2),
        ("h30.20 - 2412", Stage.DATE, 2),
        ("000.00.20.H30-240115", Stage.SEQUENCE, 4),
        ("000.00.20.H30-240115-00", Stage.SEQUENCE, 2),
        (FULL, Stage.COMPLETE, 0),
        (SHORT, Stage.COMPLETE, 0),
        ("000.00.20.H30-240115-0001234", Stage.COMPLETE, 0),
    ],
)
def test_what_is_still_missing(typed: str, stage: Stage, missing: int) -> None:
    progress = code_progress(typed)
    assert (progress.stage, progress.missing) == (stage, missing)
    assert progress.message("vi") != progress.message("en")


@pytest.mark.parametrize(
    ("typed", "problem", "part"),
    [
        ("X12", Problem.AGENCY, "X12"),
        ("000.00.2H", Problem.AGENCY, "000.00.2H"),
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
    assert part in progress.message("en")


def test_the_hints_read_well() -> None:
    assert code_progress("000.00.20.H30-2401").message("vi") == (
        "Còn 2 chữ số ngày nhận (năm, tháng, ngày: yymmdd)"
    )
    assert code_progress(FULL).message("en") == "The code is complete: press Look up"


@given(st.text(max_size=40))
def test_any_text_gets_a_hint_and_never_raises(text: str) -> None:
    assert code_progress(text).message("vi")


@given(st.sampled_from([FULL, SHORT, "000.00.06.H56-231027-0361", "G12.3-240229-1234567"]))
def test_no_prefix_of_a_valid_code_is_called_wrong(code: str) -> None:
    for end in range(len(code) + 1):
        assert code_progress(code[:end]).stage is not Stage.WRONG, code[:end]
    assert code_progress(code).stage is Stage.COMPLETE
