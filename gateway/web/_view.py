"""What the result page says about a dossier, worked out before a template is touched.

Every phrase of the card comes from the domain core (status words, tracker, tone, rows, due
phrase, last steps), as the kiosk's card does; this module only picks the page's icon and puts
the pieces in one object that the template lays out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dossier import (
    Dossier,
    Status,
    StepState,
    Tone,
    card_rows,
    card_word,
    due_phrase,
    format_date,
    format_moment,
    history_lines,
    status_tone,
    tracker,
)
from gateway.web._words import word

ICONS: dict[Status, str] = {
    Status.SUBMITTED: "envelope",
    Status.RECEIVED: "check",
    Status.REFUSED: "cross",
    Status.PROCESSING: "clock",
    Status.SUPPLEMENT_REQUIRED: "papers",
    Status.AWAITING_PAYMENT: "money",
    Status.WITHDRAWN: "return",
    Status.STOPPED: "stop",
    Status.RESULT_READY: "star",
    Status.DELIVERED: "done",
}
"""The inline SVG icon (``templates/icons.html``) beside each status's words; overdue has its
own (``late``). Icons go with words and colour, never alone."""


@dataclass(frozen=True, slots=True)
class ResultCard:
    """Every string of a result page, in one language."""

    code: str
    status: str
    icon: str
    tone: Tone
    due_note: str
    steps: tuple[tuple[str, StepState], ...]
    next_step: str
    rows: tuple[tuple[str, str], ...]
    history_title: str
    history: tuple[str, ...]
    updated: str
    stale_note: str


def result_card(
    dossier: Dossier,
    *,
    now: dt.datetime,
    lang: str,
    next_step: str = "",
    stale_since: dt.datetime | None = None,
    history_steps: int = 3,
) -> ResultCard:
    """The card of ``dossier`` as the page shows it; ``stale_since`` marks a last known status
    served while the office's system is down. The applicant's name is shown when the record
    carries it, which the gateway allows only with the receipt's lookup key."""
    tone = status_tone(dossier, now)
    return ResultCard(
        code=dossier.code,
        status=dossier.status.label(lang),
        icon="late" if tone is Tone.OVERDUE else ICONS[dossier.status],
        tone=tone,
        due_note=_due_line(dossier, now, lang),
        steps=tuple((step.label(lang), state) for step, state in tracker(dossier.status)),
        next_step=next_step,
        rows=card_rows(dossier, lang=lang, show_applicant=True),
        history_title=card_word("history", lang),
        history=history_lines(dossier, lang=lang, steps=history_steps),
        updated=word("updated", lang, moment=format_moment(dossier.updated_at)),
        stale_note=word("stale", lang, moment=format_moment(stale_since)) if stale_since else "",
    )


def _due_line(dossier: Dossier, now: dt.datetime, lang: str) -> str:
    """The appointment with the days left or overdue ("Ngày hẹn trả 06/12/2026: Còn 7 ngày"),
    under the status; empty once the dossier is finished."""
    phrase = due_phrase(dossier, now, lang)
    if phrase is None:
        return ""
    return f"{card_word('due', lang)} {format_date(dossier.effective_due)}: {phrase}"
