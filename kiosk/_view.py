"""What the result card says about a dossier, worked out before any widget is touched.

The card guides rather than lists: the status in large words with an icon and a colour (never
colour alone, for colour-blind citizens and washed-out screens), where the dossier is on the
way (received, in progress, result ready, handed over), the appointment worded so it cannot be
misread, and the next step. Whose turn it is decides the colour: a supplement request or a fee
to pay is the citizen's turn, shown in amber and violet with what to do, never as the office's
red "overdue". Refused, stopped and an office that is late each have their own colour.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from backend_client import KnownStatus
from dossier import (
    ICT,
    Dossier,
    Language,
    OfficeGuide,
    Status,
    citizens_turn,
    format_date,
    format_moment,
    next_step,
)
from kiosk._strings import tr

Colour = tuple[float, float, float, float]


def _hex(code: str) -> Colour:
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255, 1.0)


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


@dataclass(frozen=True, slots=True)
class Badge:
    icon: str
    colour: Colour


# Each colour keeps white text above 4.5:1 contrast (Circular 26/2020/TT-BTTTT asks for
# sufficient contrast), and no two statuses share one. Icons are glyphs of the bundled DejaVu
# Sans font (a test checks that each has a glyph there).
BADGES: dict[Status, Badge] = {
    Status.SUBMITTED: Badge("✉", _hex("00695C")),
    Status.RECEIVED: Badge("✓", _hex("00796B")),
    Status.PROCESSING: Badge("⚙", _hex("1565C0")),
    Status.SUPPLEMENT_REQUIRED: Badge("✎", _hex("8A4B00")),
    Status.AWAITING_PAYMENT: Badge("₫", _hex("6A1B9A")),
    Status.RESULT_READY: Badge("★", _hex("2E7D32")),
    Status.DELIVERED: Badge("✔", _hex("1B5E20")),
    Status.WITHDRAWN: Badge("↩", _hex("5D4037")),
    Status.REFUSED: Badge("✗", _hex("B71C1C")),
    Status.STOPPED: Badge("⊘", _hex("880E4F")),
}
LATE_COLOUR = _hex("C62828")
"""The appointment's line when the office is late: a warning beside the status, not instead."""
LATE_ICON = "⚠"

NO_GUIDE = OfficeGuide()
"""An office that configured no ``[guidance]``: the built-in next steps."""

STEP_KEYS = ("step_received", "step_processing", "step_result", "step_delivered")
"""The way every dossier goes: Tiếp nhận → Đang xử lý → Có kết quả → Đã trả."""


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    WAITING = "waiting"
    STOPPED = "stopped"


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


@dataclass(frozen=True, slots=True)
class HistoryLine:
    when: str
    status: str
    unit: str
    note: str


@dataclass(frozen=True, slots=True)
class ResultView:
    """Every string and colour of the result card and its details page, in one language."""

    code: str
    status: Status
    icon: str
    status_text: str
    colour: Colour
    turn: Turn
    steps: tuple[Step, ...]
    due: str
    late: bool
    next_step: str
    rows: tuple[tuple[str, str], ...]
    history: tuple[HistoryLine, ...]
    follow_url: str
    as_of: str


@lru_cache(maxsize=128)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of a QR code for ``data`` (with a two-module margin), dark as True.

    Choosing the mask takes ``qrcode`` tens of milliseconds, so results are kept, and the
    lookup worker computes a result's code before the screen needs it.
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    maker = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=2)
    maker.add_data(data)
    maker.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in maker.get_matrix())


def follow_url(lookup_url: str, code: str) -> str:
    """The province's lookup page for this dossier (``?mahs=<code>``)."""
    parts = urlsplit(lookup_url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"mahs": code})))


def due_line(dossier: Dossier, now: dt.datetime, lang: str) -> tuple[str, bool]:
    """The appointment in one line that cannot be misread, and whether the office is late.

    The date that counts comes first (a rescheduled one, with the old one after it); "today"
    past the appointment's hour says so instead of "overdue, due today"; the citizen's turn
    never reads as the office being late.
    """
    if dossier.completed_at is not None and dossier.status.finished:
        return tr("due_completed", lang, date=format_date(dossier.completed_at)), False
    if dossier.status.finished:
        return "", False
    due = dossier.effective_due
    when = format_date(due)
    if dossier.rescheduled:
        when = tr("due_rescheduled", lang, date=when, old=format_date(dossier.due_at))
    days = dossier.days_left(now)
    if citizens_turn(dossier.status):
        return tr("due_plain", lang, when=when), False
    if days > 0:
        return tr("due_days_left", lang, when=when, days=days), False
    if days == 0:
        hour = f"{due.astimezone(ICT):%H:%M}"
        if now > due:
            return tr("due_today_passed", lang, when=when, hour=hour), True
        return tr("due_today", lang, when=when, hour=hour), False
    return tr("due_late", lang, when=when, days=-days), True


def result_view(
    dossier: Dossier,
    *,
    now: dt.datetime,
    lang: str,
    lookup_url: str,
    guide: OfficeGuide = NO_GUIDE,
    show_applicant: bool = False,
    known: KnownStatus | None = None,
) -> ResultView:
    """The card for ``dossier``; its next step comes from the office's ``guide`` through
    :func:`dossier.next_step`, the advice the SMS replies give too."""
    badge = BADGES[dossier.status]
    words = tr(f"status_{dossier.status.value}", lang)
    rows: list[tuple[str, str]] = [(tr("result_code", lang), dossier.code)]
    if dossier.status.label(lang) != words:  # the portal's own name, as other channels say it
        rows.append((tr("result_status", lang), dossier.status.label(lang)))
    rows += [
        (tr("result_procedure", lang), dossier.procedure),
        (tr("result_agency", lang), dossier.agency),
    ]
    if show_applicant and dossier.applicant is not None:
        rows.append((tr("result_applicant", lang), dossier.applicant.name))
    rows.append((tr("result_received", lang), format_date(dossier.received_at)))
    if dossier.current_unit and not dossier.status.finished:
        rows.append((tr("result_unit", lang), dossier.current_unit))
    if dossier.pickup_location and dossier.status not in (Status.REFUSED, Status.WITHDRAWN):
        rows.append((tr("result_pickup", lang), dossier.pickup_location))
    due, late = due_line(dossier, now, lang)
    history = tuple(
        HistoryLine(format_moment(step.at), step.status.label(lang), step.unit, step.note)
        for step in reversed(dossier.history)
    )
    steps = tuple(
        Step(tr(key, lang), state)
        for key, state in zip(STEP_KEYS, step_states(dossier.status), strict=True)
    )
    return ResultView(
        code=dossier.code,
        status=dossier.status,
        icon=badge.icon,
        status_text=words,
        colour=badge.colour,
        turn=Turn.of(dossier.status),
        steps=steps,
        due=due,
        late=late,
        next_step=next_step(dossier, guide, now, Language(lang)),
        rows=tuple(rows),
        history=history,
        follow_url=follow_url(lookup_url, dossier.code),
        as_of=tr("result_as_of", lang, moment=format_moment(known.fetched_at)) if known else "",
    )
