"""What a result card shows about a status, whichever channel draws it.

The kiosk's screen and the citizen web page show one card: the status in words with its icon
and colour, and a step tracker (Tiếp nhận → Đang xử lý → Có kết quả → Đã trả). Where a status
stands on the tracker, and what kind of news it is for the citizen (the tone, which each
channel turns into its own colour), are decided here once, so that a citizen who checks at the
kiosk and then on a phone sees the same card. The rows of facts under the status and the
lines of the last steps are worded here too, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import enum

from dossier._model import Dossier
from dossier._status import Status
from dossier._wording import format_date, format_moment


class Step(enum.StrEnum):
    """The four steps of the tracker, in order."""

    INTAKE = "intake"
    PROCESSING = "processing"
    RESULT = "result"
    RETURNED = "returned"

    def label(self, lang: str = "vi") -> str:
        vi, en = _STEP_LABELS[self]
        return en if lang == "en" else vi


_STEP_LABELS: dict[Step, tuple[str, str]] = {
    Step.INTAKE: ("Tiếp nhận", "Received"),
    Step.PROCESSING: ("Đang xử lý", "In progress"),
    Step.RESULT: ("Có kết quả", "Result ready"),
    Step.RETURNED: ("Đã trả", "Delivered"),
}


class StepState(enum.StrEnum):
    """How one step of the tracker stands for a dossier."""

    DONE = "done"
    CURRENT = "current"
    TODO = "todo"
    HALTED = "halted"
    """The dossier left the process at this step (refused, withdrawn, stopped)."""


class Tone(enum.StrEnum):
    """What a status means for the citizen; each channel gives every tone its own colour."""

    UNDER_WAY = "under_way"
    """The office is working on it."""
    CITIZEN_TURN = "citizen_turn"
    """The citizen has something to do (bring documents, pay): not the office's failure."""
    READY = "ready"
    """The result waits to be collected."""
    DELIVERED = "delivered"
    ENDED = "ended"
    """The citizen withdrew the dossier."""
    REFUSED = "refused"
    """The office refused or stopped it."""
    OVERDUE = "overdue"
    """The office is past the appointment."""


_STAGES: dict[Status, tuple[Step, StepState]] = {
    Status.SUBMITTED: (Step.INTAKE, StepState.CURRENT),
    Status.RECEIVED: (Step.INTAKE, StepState.CURRENT),
    Status.REFUSED: (Step.INTAKE, StepState.HALTED),
    Status.PROCESSING: (Step.PROCESSING, StepState.CURRENT),
    Status.SUPPLEMENT_REQUIRED: (Step.PROCESSING, StepState.CURRENT),
    Status.AWAITING_PAYMENT: (Step.PROCESSING, StepState.CURRENT),
    Status.WITHDRAWN: (Step.PROCESSING, StepState.HALTED),
    Status.STOPPED: (Step.PROCESSING, StepState.HALTED),
    Status.RESULT_READY: (Step.RESULT, StepState.CURRENT),
    Status.DELIVERED: (Step.RETURNED, StepState.DONE),
}

_TONES: dict[Status, Tone] = {
    Status.SUBMITTED: Tone.UNDER_WAY,
    Status.RECEIVED: Tone.UNDER_WAY,
    Status.REFUSED: Tone.REFUSED,
    Status.PROCESSING: Tone.UNDER_WAY,
    Status.SUPPLEMENT_REQUIRED: Tone.CITIZEN_TURN,
    Status.AWAITING_PAYMENT: Tone.CITIZEN_TURN,
    Status.WITHDRAWN: Tone.ENDED,
    Status.STOPPED: Tone.REFUSED,
    Status.RESULT_READY: Tone.READY,
    Status.DELIVERED: Tone.DELIVERED,
}


def tracker(status: Status) -> tuple[tuple[Step, StepState], ...]:
    """Every step of the tracker with how it stands for a dossier in ``status``."""
    stage, state = _STAGES[status]
    steps = list(Step)
    reached = steps.index(stage)
    return tuple(
        (step, StepState.DONE if index < reached else state if index == reached else StepState.TODO)
        for index, step in enumerate(steps)
    )


def status_tone(dossier: Dossier, now: dt.datetime) -> Tone:
    """The tone of the card: the status's own, or overdue when the office is past the
    appointment (never while it is the citizen's turn: the office waits on them)."""
    tone = _TONES[dossier.status]
    if tone is Tone.UNDER_WAY and dossier.overdue(now):
        return Tone.OVERDUE
    return tone


_WORDS: dict[str, tuple[str, str]] = {
    "history": ("Các bước gần nhất", "Latest steps"),
    "code": ("Mã hồ sơ", "Dossier code"),
    "procedure": ("Thủ tục", "Procedure"),
    "agency": ("Cơ quan", "Agency"),
    "applicant": ("Người nộp", "Applicant"),
    "received": ("Ngày nhận", "Received"),
    "due": ("Ngày hẹn trả", "Appointment"),
    "rescheduled": ("Hẹn lại: {date}", "Rescheduled: {date}"),
    "completed": ("Ngày hoàn thành", "Completed"),
    "unit": ("Đơn vị đang xử lý", "Handled by"),
    "pickup": ("Nơi nhận kết quả", "Collect the result at"),
}


def card_word(key: str, lang: str = "vi", **values: str) -> str:
    """A label of the card (``history``, or a row: ``code``, ``due``, ``pickup``...)."""
    vi, en = _WORDS[key]
    return (en if lang == "en" else vi).format(**values)


def card_rows(
    dossier: Dossier, *, lang: str = "vi", show_applicant: bool = False
) -> tuple[tuple[str, str], ...]:
    """The facts under the status, as (label, value) pairs in the card's order. The applicant's
    name appears only when asked for and the record carries it (a correct lookup key)."""
    rows = [
        (card_word("code", lang), dossier.code),
        (card_word("procedure", lang), dossier.procedure),
        (card_word("agency", lang), dossier.agency),
    ]
    if show_applicant and dossier.applicant is not None:
        rows.append((card_word("applicant", lang), dossier.applicant.name))
    rows.append((card_word("received", lang), format_date(dossier.received_at)))
    due = format_date(dossier.due_at)
    if dossier.rescheduled:
        due += " · " + card_word("rescheduled", lang, date=format_date(dossier.effective_due))
    rows.append((card_word("due", lang), due))
    if dossier.completed_at is not None:
        rows.append((card_word("completed", lang), format_date(dossier.completed_at)))
    if dossier.current_unit and not dossier.status.finished:
        rows.append((card_word("unit", lang), dossier.current_unit))
    if dossier.pickup_location:
        rows.append((card_word("pickup", lang), dossier.pickup_location))
    return tuple(rows)


def history_lines(dossier: Dossier, *, lang: str = "vi", steps: int = 3) -> tuple[str, ...]:
    """The last ``steps`` processing steps, newest first, one line each."""
    shown = dossier.history[-steps:] if steps else ()
    return tuple(
        f"{format_moment(step.at)} · {step.status.label(lang)} · {step.unit}"
        + (f": {step.note}" if step.note else "")
        for step in reversed(shown)
    )
