import dataclasses
import datetime as dt

import pytest

from dossier import (
    CARD_WORDS,
    STEP_KEYS,
    Applicant,
    Language,
    Status,
    StepState,
    Turn,
    card_history,
    card_rows,
    card_steps,
    card_word,
    citizens_turn,
    dossier_from_json,
    due_line,
    status_words,
    step_states,
)
from tests.dossier.test_model import RECORD

D, C, W, S = StepState.DONE, StepState.CURRENT, StepState.WAITING, StepState.STOPPED
DUE = dt.datetime.fromisoformat("2024-01-25T16:30:00+07:00")  # RECORD's appointment


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("status", "states"),
    [
        (Status.SUBMITTED, (C, W, W, W)),
        (Status.RECEIVED, (D, C, W, W)),
        (Status.REFUSED, (S, W, W, W)),
        (Status.PROCESSING, (D, C, W, W)),
        (Status.SUPPLEMENT_REQUIRED, (D, C, W, W)),
        (Status.AWAITING_PAYMENT, (D, C, W, W)),
        (Status.WITHDRAWN, (D, S, W, W)),
        (Status.STOPPED, (D, S, W, W)),
        (Status.RESULT_READY, (D, D, D, C)),
        (Status.DELIVERED, (D, D, D, D)),
    ],
)
def test_where_every_status_stands_on_the_tracker(
    status: Status, states: tuple[StepState, ...]
) -> None:
    assert step_states(status) == states
    assert [step.label for step in card_steps(status)] == [
        "Tiếp nhận", "Đang xử lý", "Có kết quả", "Đã trả"
    ]  # fmt: skip
    assert len(STEP_KEYS) == 4


def test_whose_turn_and_the_words_of_every_status() -> None:
    turns = {status: Turn.of(status) for status in Status}
    assert {status for status, turn in turns.items() if turn is Turn.CITIZEN} == {
        status for status in Status if citizens_turn(status)
    }
    assert turns[Status.RESULT_READY] is turns[Status.DELIVERED] is Turn.DONE
    assert turns[Status.REFUSED] is turns[Status.WITHDRAWN] is Turn.ENDED
    assert turns[Status.RECEIVED] is Turn.OFFICE
    assert status_words(Status.SUPPLEMENT_REQUIRED) == "Bạn cần bổ sung hồ sơ"
    assert status_words(Status.RESULT_READY, Language.EN) == "Result ready: please collect it"
    for key, (vi, en) in CARD_WORDS.items():
        assert (vi.strip() and en.strip() and vi != en) or key == "step_processing", key


@pytest.mark.parametrize(
    ("status", "now", "line", "late"),
    [
        (Status.PROCESSING, "01-20 10:00", "25/01/2024, còn 5 ngày", False),
        (Status.PROCESSING, "01-25 09:00", "hôm nay 25/01/2024, lúc 16:30", False),
        (Status.PROCESSING, "01-25 17:00", "hôm nay 25/01/2024 lúc 16:30, đã quá giờ hẹn", True),
        (Status.PROCESSING, "01-27 08:00", "25/01/2024, đã trễ hẹn 2 ngày", True),
        # The citizen's turn never reads as the office being late.
        (Status.SUPPLEMENT_REQUIRED, "01-27 08:00", "25/01/2024", False),
    ],
)
def test_the_appointment_line(status: Status, now: str, line: str, late: bool) -> None:
    dossier = dataclasses.replace(dossier_from_json(RECORD), status=status)
    moment = at(f"2024-{now.replace(' ', 'T')}:00+07:00")
    assert due_line(dossier, moment) == (f"Hẹn trả kết quả: {line}", late)
    withdrawn = dataclasses.replace(dossier, status=Status.WITHDRAWN)
    assert due_line(withdrawn, moment) == ("", False)


def test_one_day_is_said_in_the_singular() -> None:
    dossier = dossier_from_json(RECORD)  # due 25/01/2024 16:30
    assert due_line(dossier, at("2024-01-24T08:00:00+07:00"), Language.EN) == (
        "Result due: 25/01/2024, tomorrow",
        False,
    )
    assert due_line(dossier, at("2024-01-26T08:00:00+07:00"), Language.EN) == (
        "Result due: 25/01/2024; the office is 1 day late",
        True,
    )
    assert due_line(dossier, at("2024-01-24T08:00:00+07:00"))[0].endswith("còn 1 ngày")


def test_the_appointment_line_of_a_rescheduled_and_a_finished_dossier() -> None:
    moved = dataclasses.replace(
        dossier_from_json(RECORD), rescheduled_due_at=at("2024-01-30T16:30:00+07:00")
    )
    assert due_line(moved, at("2024-01-28T08:00:00+07:00"), Language.EN) == (
        "Result due: 30/01/2024 (rescheduled from 25/01/2024), in 2 days",
        False,
    )
    done = dataclasses.replace(moved, status=Status.DELIVERED, completed_at=DUE)
    assert due_line(done, at("2024-02-28T08:00:00+07:00")) == ("Hoàn thành ngày 25/01/2024", False)
    # A dossier refused, stopped or withdrawn has ended, never "completed".
    for status in (Status.REFUSED, Status.STOPPED, Status.WITHDRAWN):
        ended = dataclasses.replace(moved, status=status, completed_at=DUE)
        assert due_line(ended, at("2024-02-28T08:00:00+07:00")) == (
            "Kết thúc ngày 25/01/2024",
            False,
        )
        assert due_line(ended, DUE, Language.EN) == ("Closed on 25/01/2024", False)


def test_rows_in_the_cards_order_with_the_applicant_only_when_asked() -> None:
    dossier = dataclasses.replace(
        dossier_from_json(RECORD),
        status=Status.SUPPLEMENT_REQUIRED,
        applicant=Applicant("Nguyễn Văn An", "079123456789"),
    )
    assert card_rows(dossier) == (
        ("Mã hồ sơ", "000.00.20.H30-240115-0001"),
        ("Tình trạng", "Yêu cầu bổ sung hồ sơ"),
        ("Thủ tục", "Cấp Phiếu lý lịch tư pháp"),
        ("Cơ quan", "Sở Tư pháp tỉnh Hậu Giang"),
        ("Ngày tiếp nhận hồ sơ", "15/01/2024"),
        ("Đơn vị đang xử lý", "Phòng Hành chính tư pháp"),
        ("Nơi nhận kết quả", "Quầy số 5"),
    )
    shown = dict(card_rows(dossier, lang=Language.EN, show_applicant=True))
    assert shown["Applicant"] == "Nguyễn Văn An" and "079123456789" not in str(shown)
    refused = dataclasses.replace(dossier, status=Status.REFUSED)
    assert "Collect the result at" not in dict(card_rows(refused, lang=Language.EN))
    assert "Handled by" not in dict(card_rows(refused, lang=Language.EN))


def test_steps_so_far_newest_first() -> None:
    (line,) = card_history(dossier_from_json(RECORD))
    assert (line.when, line.status, line.unit, line.note) == (
        "08:10 15/01",
        "Đã tiếp nhận",
        "Bộ phận Tiếp nhận và Trả kết quả",
        "Tiếp nhận hồ sơ",
    )
    assert card_word("result_history", Language.EN) == "Steps so far"


def test_the_appointment_line_without_an_appointment_yet() -> None:
    """Submitted online, not yet taken in: no appointment, never late."""
    waiting = dataclasses.replace(dossier_from_json(RECORD), status=Status.SUBMITTED, due_at=None)
    later = at("2024-03-01T08:00:00+07:00")
    assert due_line(waiting, later) == ("Chưa có ngày hẹn trả kết quả", False)
    assert due_line(waiting, later, Language.EN) == ("No appointment for the result yet", False)
