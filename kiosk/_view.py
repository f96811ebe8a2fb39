"""What a result screen says about a dossier, worked out before any widget is touched.

The badge carries a colour, an icon and words together (never colour alone, for colour-blind
citizens and washed-out screens); dates and "days left" come from the domain core so that the
kiosk and the SMS reply word them identically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from backend_client import KnownStatus
from dossier import Dossier, Language, Status, due_phrase, format_date, format_moment
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


def follow_url(lookup_url: str, code: str) -> str:
    """The province's lookup page for this dossier (``?mahs=<code>``)."""
    parts = urlsplit(lookup_url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"mahs": code})))


def result_view(
    dossier: Dossier,
    *,
    now: dt.datetime,
    lang: Language,
    lookup_url: str,
    history_steps: int = 3,
    show_applicant: bool = False,
    known: KnownStatus | None = None,
) -> ResultView:
    icon, colour = BADGES[dossier.status]
    overdue = dossier.overdue(now)
    rows: list[tuple[str, str]] = [
        (tr("result_code", lang), dossier.code),
        (tr("result_procedure", lang), dossier.procedure),
        (tr("result_agency", lang), dossier.agency),
    ]
    if show_applicant and dossier.applicant is not None:
        rows.append((tr("result_applicant", lang), dossier.applicant.name))
    rows.append((tr("result_received", lang), format_date(dossier.received_at)))
    due = format_date(dossier.due_at)
    if dossier.rescheduled:
        due += " · " + tr("result_rescheduled", lang, date=format_date(dossier.effective_due))
    rows.append((tr("result_due", lang), due))
    if dossier.completed_at is not None:
        rows.append((tr("result_completed", lang), format_date(dossier.completed_at)))
    if dossier.current_unit and not dossier.status.finished:
        rows.append((tr("result_unit", lang), dossier.current_unit))
    if dossier.pickup_location:
        rows.append((tr("result_pickup", lang), dossier.pickup_location))
    steps = dossier.history[-history_steps:] if history_steps else ()
    history = tuple(
        f"{format_moment(step.at)} · {step.status.label(lang)} · {step.unit}"
        + (f": {step.note}" if step.note else "")
        for step in reversed(steps)
    )
    return ResultView(
        code=dossier.code,
        badge_icon="⚠" if overdue else icon,
        badge_text=dossier.status.label(lang),
        badge_colour=OVERDUE_COLOUR if overdue else colour,
        due_note=due_phrase(dossier, now, lang) or "",
        overdue=overdue,
        rows=tuple(rows),
        history=history,
        follow_url=follow_url(lookup_url, dossier.code),
        as_of=tr("result_as_of", lang, moment=format_moment(known.fetched_at)) if known else "",
    )
