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
from dataclasses import dataclass
from functools import lru_cache

from backend_client import KnownStatus
from dossier import (
    Dossier,
    HistoryLine,
    Language,
    OfficeGuide,
    Status,
    Step,
    Turn,
    card_history,
    card_rows,
    card_steps,
    due_line,
    format_moment,
    next_step,
    status_words,
)
from kiosk._strings import tr

Colour = tuple[float, float, float, float]


def _hex(code: str) -> Colour:
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255, 1.0)


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


def result_view(
    dossier: Dossier,
    *,
    now: dt.datetime,
    lang: Language,
    follow_url: str,
    guide: OfficeGuide = NO_GUIDE,
    show_applicant: bool = False,
    known: KnownStatus | None = None,
) -> ResultView:
    """The card for ``dossier``, in the words of :mod:`dossier`'s card that the web page shows
    too; its next step comes from the office's ``guide`` through :func:`dossier.next_step`,
    the advice the SMS replies give too."""
    badge = BADGES[dossier.status]
    due, late = due_line(dossier, now, lang)
    return ResultView(
        code=dossier.code,
        status=dossier.status,
        icon=badge.icon,
        status_text=status_words(dossier.status, lang),
        colour=badge.colour,
        turn=Turn.of(dossier.status),
        steps=card_steps(dossier.status, lang),
        due=due,
        late=late,
        next_step=next_step(dossier, guide, now, Language(lang)),
        rows=card_rows(dossier, lang=lang, show_applicant=show_applicant),
        history=card_history(dossier, lang),
        follow_url=follow_url,
        as_of=tr("result_as_of", lang, moment=format_moment(known.fetched_at)) if known else "",
    )
