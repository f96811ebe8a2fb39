import dataclasses
import datetime as dt

import pytest

from dossier import (
    Applicant,
    Status,
    Step,
    StepState,
    Tone,
    card_rows,
    card_word,
    dossier_from_json,
    history_lines,
    status_tone,
    tracker,
)
from tests.dossier.test_model import RECORD

NOW = dt.datetime.fromisoformat("2024-01-20T10:00:00+07:00")
LATE = dt.datetime.fromisoformat("2024-02-20T10:00:00+07:00")

D, C, T, H = StepState.DONE, StepState.CURRENT, StepState.TODO, StepState.HALTED


@pytest.mark.parametrize(
    ("status", "states"),
    [
        (Status.SUBMITTED, (C, T, T, T)),
        (Status.RECEIVED, (C, T, T, T)),
        (Status.REFUSED, (H, T, T, T)),
        (Status.PROCESSING, (D, C, T, T)),
        (Status.SUPPLEMENT_REQUIRED, (D, C, T, T)),
        (Status.AWAITING_PAYMENT, (D, C, T, T)),
        (Status.WITHDRAWN, (D, H, T, T)),
        (Status.STOPPED, (D, H, T, T)),
        (Status.RESULT_READY, (D, D, C, T)),
        (Status.DELIVERED, (D, D, D, D)),
    ],
)
def test_tracker_stage_of_every_status(status: Status, states: tuple[StepState, ...]) -> None:
    shown = tracker(status)
    assert [step for step, _ in shown] == list(Step)
    assert tuple(state for _, state in shown) == states


def test_step_labels_in_both_languages() -> None:
    assert [step.label() for step in Step] == ["Tiếp nhận", "Đang xử lý", "Có kết quả", "Đã trả"]
    assert [step.label("en") for step in Step] == [
        "Received",
        "In progress",
        "Result ready",
        "Delivered",
    ]


@pytest.mark.parametrize(
    ("status", "on_time", "late"),
    [
        (Status.SUBMITTED, Tone.UNDER_WAY, Tone.OVERDUE),
        (Status.RECEIVED, Tone.UNDER_WAY, Tone.OVERDUE),
        (Status.PROCESSING, Tone.UNDER_WAY, Tone.OVERDUE),
        # The citizen's turn stays the citizen's turn past the date: the office waits on them.
        (Status.SUPPLEMENT_REQUIRED, Tone.CITIZEN_TURN, Tone.CITIZEN_TURN),
        (Status.AWAITING_PAYMENT, Tone.CITIZEN_TURN, Tone.CITIZEN_TURN),
        (Status.REFUSED, Tone.REFUSED, Tone.REFUSED),
        (Status.STOPPED, Tone.REFUSED, Tone.REFUSED),
        (Status.WITHDRAWN, Tone.ENDED, Tone.ENDED),
        (Status.RESULT_READY, Tone.READY, Tone.READY),
        (Status.DELIVERED, Tone.DELIVERED, Tone.DELIVERED),
    ],
)
def test_tone_of_every_status(status: Status, on_time: Tone, late: Tone) -> None:
    dossier = dataclasses.replace(dossier_from_json(RECORD), status=status)
    assert status_tone(dossier, NOW) is on_time
    assert status_tone(dossier, LATE) is late


def test_rows_in_the_cards_order_with_the_applicant_only_when_asked() -> None:
    dossier = dataclasses.replace(
        dossier_from_json(RECORD),
        rescheduled_due_at=dt.datetime.fromisoformat("2024-01-30T16:30:00+07:00"),
        applicant=Applicant("Nguyễn Văn An", "079123456789"),
    )
    assert card_rows(dossier) == (
        ("Mã hồ sơ", "000.00.20.H30-240115-0001"),
        ("Thủ tục", "Cấp Phiếu lý lịch tư pháp"),
        ("Cơ quan", "Sở Tư pháp tỉnh Hậu Giang"),
        ("Ngày nhận", "15/01/2024"),
        ("Ngày hẹn trả", "25/01/2024 · Hẹn lại: 30/01/2024"),
        ("Đơn vị đang xử lý", "Phòng Hành chính tư pháp"),
        ("Nơi nhận kết quả", "Quầy số 5"),
    )
    shown = dict(card_rows(dossier, lang="en", show_applicant=True))
    assert shown["Applicant"] == "Nguyễn Văn An" and "079123456789" not in str(shown)
    done = dataclasses.replace(dossier, status=Status.DELIVERED, completed_at=LATE)
    assert "Handled by" not in dict(card_rows(done, lang="en"))
    assert dict(card_rows(done, lang="en"))["Completed"] == "20/02/2024"


def test_last_steps_newest_first() -> None:
    dossier = dossier_from_json(RECORD)
    assert history_lines(dossier) == (
        "08:10 15/01 · Đã tiếp nhận · Bộ phận Tiếp nhận và Trả kết quả: Tiếp nhận hồ sơ",
    )
    assert history_lines(dossier, steps=0) == ()
    assert card_word("history", "en") == "Latest steps"
