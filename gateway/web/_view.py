"""What the result page says about a dossier, worked out before a template is touched.

Every phrase of the card comes from the domain core (the status in words, whose turn it is,
the tracker, the appointment line, the facts, the steps so far), as the kiosk's card does;
this module only picks the page's icon and puts the pieces in one object that the template
lays out. Colours are the stylesheet's, one per status as on the kiosk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dossier import (
    Dossier,
    HistoryLine,
    Language,
    Status,
    Step,
    card_history,
    card_rows,
    card_steps,
    card_word,
    due_line,
    format_moment,
    status_words,
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
"""The inline SVG icon (``templates/icons.html``) beside each status's words; the office being
late has its own (``late``) beside the appointment. Icons go with words, never alone."""

RECORD_ROWS = (
    "result_procedure",
    "result_agency",
    "result_applicant",
    "result_unit",
    "result_pickup",
)
"""The card's rows whose values are the office's own words, in Vietnamese whatever the page's
language (the others are a code, a date, or the status in the page's language)."""


@dataclass(frozen=True, slots=True)
class ResultCard:
    """Every string of a result page, in one language."""

    code: str
    status: Status
    status_text: str
    icon: str
    due: str
    late: bool
    steps: tuple[Step, ...]
    next_step: str
    rows: tuple[tuple[str, str, str], ...]
    """Label, value, and the value's language where it differs from the page's (else "")."""
    record_lang: str
    """The language of the office's own words (the steps' units and notes) where it differs
    from the page's, else ""."""
    history_title: str
    history: tuple[HistoryLine, ...]
    updated: str
    stale_note: str


def result_card(
    dossier: Dossier,
    *,
    now: dt.datetime,
    lang: Language,
    next_step: str = "",
    stale_since: dt.datetime | None = None,
    history_steps: int = 5,
) -> ResultCard:
    """The card of ``dossier`` as the page shows it; ``stale_since`` marks a last known status
    served while the office's system is down. The applicant's name is shown when the record
    carries it, which the gateway allows only with the receipt's lookup key."""
    due, late = due_line(dossier, now, lang)
    record_lang = "" if lang is Language.VI else Language.VI.value
    record_labels = {card_word(key, lang) for key in RECORD_ROWS}
    return ResultCard(
        code=dossier.code,
        status=dossier.status,
        status_text=status_words(dossier.status, lang),
        icon=ICONS[dossier.status],
        due=due,
        late=late,
        steps=card_steps(dossier.status, lang),
        next_step=next_step,
        rows=tuple(
            (label, value, record_lang if label in record_labels else "")
            for label, value in card_rows(dossier, lang=lang, show_applicant=True)
        ),
        record_lang=record_lang,
        history_title=card_word("result_history", lang),
        history=card_history(dossier, lang)[:history_steps],
        updated=word("updated", lang, moment=format_moment(dossier.updated_at)),
        stale_note=word("stale", lang, moment=format_moment(stale_since)) if stale_since else "",
    )
