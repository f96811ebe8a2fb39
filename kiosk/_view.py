"""What a result screen says about a dossier, worked out before any widget is touched.

The badge carries a colour, an icon and words together (never colour alone, for colour-blind
citizens and washed-out screens); dates and "days left" come from the domain core so that the
kiosk and the SMS reply word them identically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from backend_client import KnownStatus
from dossier import Dossier, Status, card_history, card_rows, due_line, format_moment
from kiosk._strings import tr

Colour = tuple[float, float, float, float]


def _hex(code: str) -> Colour:
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255, 1.0)


# Each colour keeps white text above 4.5:1 contrast (Circular 26/2020/TT-BTTTT asks for
# sufficient contrast). Icons are glyphs of the bundled DejaVu Sans font.
BADGES: dict[Status, tuple[str, Colour]] = {
    Status.SUBMITTED: ("✉", _hex("00695C")),
    Status.RECEIVED: ("✓", _hex("00695C")),
    Status.REFUSED: ("✗", _hex("B71C1C")),
    Status.PROCESSING: ("⚙", _hex("1565C0")),
    Status.SUPPLEMENT_REQUIRED: ("⚠", _hex("9A4A00")),
    Status.AWAITING_PAYMENT: ("₫", _hex("6A1B9A")),
    Status.WITHDRAWN: ("↩", _hex("455A64")),
    Status.STOPPED: ("■", _hex("B71C1C")),
    Status.RESULT_READY: ("★", _hex("2E7D32")),
    Status.DELIVERED: ("✔", _hex("37474F")),
}
OVERDUE_COLOUR = _hex("B71C1C")


@dataclass(frozen=True, slots=True)
class ResultView:
    """Every string and colour of the result screen, in one language."""

    code: str
    badge_icon: str
    badge_text: str
    badge_colour: Colour
    due_note: str
    overdue: bool
    rows: tuple[tuple[str, str], ...]
    history: tuple[str, ...]
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
    lang: str,
    follow_url: str,
    history_steps: int = 3,
    show_applicant: bool = False,
    known: KnownStatus | None = None,
) -> ResultView:
    icon, colour = BADGES[dossier.status]
    overdue = dossier.overdue(now)
    return ResultView(
        code=dossier.code,
        badge_icon="⚠" if overdue else icon,
        badge_text=dossier.status.label(lang),
        badge_colour=OVERDUE_COLOUR if overdue else colour,
        due_note=due_line(dossier, now, lang)[0],
        overdue=overdue,
        rows=card_rows(dossier, lang=lang, show_applicant=show_applicant),
        history=tuple(
            f"{line.when} · {line.status} · {line.unit}" + (f": {line.note}" if line.note else "")
            for line in card_history(dossier, lang)[:history_steps]
        ),
        follow_url=follow_url,
        as_of=tr("result_as_of", lang, moment=format_moment(known.fetched_at)) if known else "",
    )
