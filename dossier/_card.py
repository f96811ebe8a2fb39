"""What the result card says about a dossier, whichever channel draws it.

The kiosk's screen and the citizen web page show one card, which guides rather than lists:
the status in words a citizen acts on ("Bạn cần bổ sung hồ sơ"), whose turn it is (which each
channel turns into its own colour: a supplement request or a fee is the citizen's turn, never
the office's red "overdue"), where the dossier is on the way (Tiếp nhận → Đang xử lý → Có kết
quả → Đã trả), the appointment in one line that cannot be misread, the facts under it and the
steps so far. It is all worded here once, so that a citizen who checks at the kiosk and then on
a phone reads the same card.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from dossier._guidance import citizens_turn
from dossier._language import Language
from dossier._model import ICT, Dossier
from dossier._status import Status
from dossier._wording import format_date, format_moment


class Turn(enum.StrEnum):
    """Who has to act next, which decides how a status is worded and coloured."""

    OFFICE = "office"
    CITIZEN = "citizen"
    DONE = "done"
    ENDED = "ended"

    @classmethod
    def of(cls, status: Status) -> Turn:
        if citizens_turn(status):
            return cls.CITIZEN
        if status in (Status.RESULT_READY, Status.DELIVERED):
            return cls.DONE
        return cls.ENDED if status.finished else cls.OFFICE


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    WAITING = "waiting"
    STOPPED = "stopped"


STEP_KEYS = ("step_received", "step_processing", "step_result", "step_delivered")
"""The way every dossier goes: Tiếp nhận → Đang xử lý → Có kết quả → Đã trả."""

_WHERE: dict[Status, tuple[int, StepState]] = {
    Status.SUBMITTED: (0, StepState.CURRENT),
    Status.RECEIVED: (1, StepState.CURRENT),
    Status.PROCESSING: (1, StepState.CURRENT),
    Status.SUPPLEMENT_REQUIRED: (1, StepState.CURRENT),
    Status.AWAITING_PAYMENT: (1, StepState.CURRENT),
    Status.RESULT_READY: (3, StepState.CURRENT),
    Status.DELIVERED: (4, StepState.DONE),
    Status.REFUSED: (0, StepState.STOPPED),
    Status.WITHDRAWN: (1, StepState.STOPPED),
    Status.STOPPED: (1, StepState.STOPPED),
}
"""Which step a status stands at, and how: the steps before it are done."""

CARD_WORDS: dict[str, tuple[str, str]] = {
    "status_submitted": ("Đã nộp, chờ tiếp nhận", "Submitted, waiting to be received"),
    "status_received": ("Đã tiếp nhận", "Received"),
    "status_processing": ("Đang xử lý", "In progress"),
    "status_supplement_required": ("Bạn cần bổ sung hồ sơ", "You need to add documents"),
    "status_awaiting_payment": ("Bạn cần nộp phí, lệ phí", "You need to pay the fees"),
    "status_result_ready": ("Đã có kết quả, mời bạn đến nhận", "Result ready: please collect it"),
    "status_delivered": ("Đã trả kết quả", "Result handed over"),
    "status_withdrawn": ("Đã rút hồ sơ", "Withdrawn"),
    "status_refused": ("Không được tiếp nhận", "Not accepted"),
    "status_stopped": ("Dừng xử lý", "Processing stopped"),
    "step_received": ("Tiếp nhận", "Received"),
    "step_processing": ("Đang xử lý", "In progress"),
    "step_result": ("Có kết quả", "Result ready"),
    "step_delivered": ("Đã trả", "Handed over"),
    "due_plain": ("Hẹn trả kết quả: {when}", "Result due: {when}"),
    "due_none": ("Chưa có ngày hẹn trả kết quả", "No appointment for the result yet"),
    "due_days_left": (
        "Hẹn trả kết quả: {when}, còn {days} ngày",
        "Result due: {when}, in {days} days",
    ),
    "due_day_left": ("Hẹn trả kết quả: {when}, còn 1 ngày", "Result due: {when}, tomorrow"),
    "due_today": (
        "Hẹn trả kết quả: hôm nay {when}, lúc {hour}",
        "Result due: today {when}, at {hour}",
    ),
    "due_today_passed": (
        "Hẹn trả kết quả: hôm nay {when} lúc {hour}, đã quá giờ hẹn",
        "Result due: today {when} at {hour}; that time has passed",
    ),
    "due_late": (
        "Hẹn trả kết quả: {when}, đã trễ hẹn {days} ngày",
        "Result due: {when}; the office is {days} days late",
    ),
    "due_day_late": (
        "Hẹn trả kết quả: {when}, đã trễ hẹn 1 ngày",
        "Result due: {when}; the office is 1 day late",
    ),
    "due_rescheduled": ("{date} (đã hẹn lại; hẹn cũ {old})", "{date} (rescheduled from {old})"),
    "due_completed": ("Hoàn thành ngày {date}", "Completed on {date}"),
    "due_closed": ("Kết thúc ngày {date}", "Closed on {date}"),
    "result_code": ("Mã hồ sơ", "Dossier code"),
    "result_status": ("Tình trạng", "Status"),
    "result_procedure": ("Thủ tục", "Procedure"),
    "result_agency": ("Cơ quan", "Agency"),
    "result_applicant": ("Người nộp", "Applicant"),
    "result_received": ("Ngày tiếp nhận hồ sơ", "Dossier received on"),
    "result_unit": ("Đơn vị đang xử lý", "Handled by"),
    "result_pickup": ("Nơi nhận kết quả", "Collect the result at"),
    "result_history": ("Các bước đã qua", "Steps so far"),
    # What a channel shows instead of a card: no such dossier, a code that is not one, the
    # office's system down or retired, a dossier shown only with the receipt's lookup key.
    "not_found_title": ("Không tìm thấy hồ sơ", "Dossier not found"),
    "not_found_body": (
        "Không có hồ sơ nào mang mã {code}. Hãy so lại từng ký tự với mã trên biên nhận, "
        "hoặc hỏi cán bộ tại quầy tiếp nhận.",
        "No dossier has the code {code}. Compare it character by character with the code on "
        "your receipt, or ask the staff at the reception desk.",
    ),
    "invalid_title": ("Mã hồ sơ chưa đúng", "This code is not valid"),
    "offline_title": ("Tạm thời không tra cứu được", "Lookups are not available right now"),
    "offline_retry_now": ("Thử lại ngay", "Try again now"),
    "offline_hotline": ("Gọi hỗ trợ: {hotline}", "Call for help: {hotline}"),
    "key_title": ("Nhập mã tra cứu in trên biên nhận", "Type the lookup key on your receipt"),
    "key_why": (
        "Hồ sơ {code} chỉ được xem khi có mã tra cứu (mã ngắn in trên biên nhận, gần mã hồ sơ).",
        "Dossier {code} is shown only with its lookup key (the short key printed on the "
        "receipt, near the dossier code).",
    ),
    "key_wrong": (
        "Mã tra cứu chưa đúng với hồ sơ {code}. Hãy so lại với biên nhận và nhập lại.",
        "That lookup key does not match dossier {code}. Check it on the receipt and type it again.",
    ),
    "retired_title": ("Hồ sơ thuộc hệ thống cũ", "This office's old system is closed"),
}
"""The card's words, and those of a lookup that has no card to show, Vietnamese first; a
channel's own catalog adds only what is its own."""


def card_word(key: str, lang: Language = Language.VI, **values: object) -> str:
    """A word of the card (see :data:`CARD_WORDS`) in ``lang``, with ``values`` filled in."""
    vi, en = CARD_WORDS[key]
    text = en if lang == Language.EN else vi
    return text.format(**values) if values else text


def status_words(status: Status, lang: Language = Language.VI) -> str:
    """The status as the card says it: what it means for the citizen."""
    return card_word(f"status_{status.value}", lang)


def step_states(status: Status) -> tuple[StepState, ...]:
    index, state = _WHERE[status]
    return tuple(
        StepState.DONE if step < index else state if step == index else StepState.WAITING
        for step in range(len(STEP_KEYS))
    )


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    state: StepState


def card_steps(status: Status, lang: Language = Language.VI) -> tuple[Step, ...]:
    """The tracker: each step's words with how it stands."""
    return tuple(
        Step(card_word(key, lang), state)
        for key, state in zip(STEP_KEYS, step_states(status), strict=True)
    )


def due_line(dossier: Dossier, now: dt.datetime, lang: Language = Language.VI) -> tuple[str, bool]:
    """The appointment in one line that cannot be misread, and whether the office is late.

    The date that counts comes first (a rescheduled one, with the old one after it); "today"
    past the appointment's hour says so instead of "overdue, due today"; the citizen's turn
    never reads as the office being late.
    """
    if dossier.completed_at is not None and dossier.status.finished:
        # Refused, stopped, withdrawn: the dossier ended there, it was not "completed".
        key = "due_completed" if Turn.of(dossier.status) is Turn.DONE else "due_closed"
        return card_word(key, lang, date=format_date(dossier.completed_at)), False
    if dossier.status.finished:
        return "", False
    due, days = dossier.effective_due, dossier.days_left(now)
    if due is None or days is None:  # submitted online, not yet taken in
        return card_word("due_none", lang), False
    when = format_date(due)
    if dossier.rescheduled:
        when = card_word("due_rescheduled", lang, date=when, old=format_date(dossier.due_at))
    if citizens_turn(dossier.status):
        return card_word("due_plain", lang, when=when), False
    if days == 1:
        return card_word("due_day_left", lang, when=when), False
    if days > 0:
        return card_word("due_days_left", lang, when=when, days=days), False
    if days == 0:
        hour = f"{due.astimezone(ICT):%H:%M}"
        if now > due:
            return card_word("due_today_passed", lang, when=when, hour=hour), True
        return card_word("due_today", lang, when=when, hour=hour), False
    if days == -1:
        return card_word("due_day_late", lang, when=when), True
    return card_word("due_late", lang, when=when, days=-days), True


def card_rows(
    dossier: Dossier, *, lang: Language = Language.VI, show_applicant: bool = False
) -> tuple[tuple[str, str], ...]:
    """The facts under the status, as (label, value) pairs in the card's order. The applicant's
    name appears only when asked for and the record carries it (a correct lookup key)."""
    rows = [(card_word("result_code", lang), dossier.code)]
    if dossier.status.label(lang) != status_words(dossier.status, lang):
        # The portal's own name of the status, as other channels say it.
        rows.append((card_word("result_status", lang), dossier.status.label(lang)))
    rows += [
        (card_word("result_procedure", lang), dossier.procedure),
        (card_word("result_agency", lang), dossier.agency),
    ]
    if show_applicant and dossier.applicant is not None:
        rows.append((card_word("result_applicant", lang), dossier.applicant.name))
    rows.append((card_word("result_received", lang), format_date(dossier.received_at)))
    if dossier.current_unit and not dossier.status.finished:
        rows.append((card_word("result_unit", lang), dossier.current_unit))
    if dossier.pickup_location and dossier.status not in (Status.REFUSED, Status.WITHDRAWN):
        rows.append((card_word("result_pickup", lang), dossier.pickup_location))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class HistoryLine:
    when: str
    status: str
    unit: str
    note: str


def card_history(dossier: Dossier, lang: Language = Language.VI) -> tuple[HistoryLine, ...]:
    """The steps so far, newest first."""
    return tuple(
        HistoryLine(format_moment(step.at), step.status.label(lang), step.unit, step.note)
        for step in reversed(dossier.history)
    )
