"""Phrases about a dossier that every channel words the same way.

The kiosk screen and the SMS reply both tell a citizen how the appointment stands; keeping the
phrasing here means a citizen who checks twice reads the same words twice.
"""

from __future__ import annotations

import datetime as dt

from dossier._language import Language
from dossier._model import ICT, Dossier


def format_date(value: dt.datetime | dt.date) -> str:
    """Vietnamese date order, dd/mm/yyyy, in Vietnam's time zone."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(ICT).date()
    return f"{value:%d/%m/%Y}"


def format_moment(value: dt.datetime) -> str:
    """HH:MM dd/mm, for "as of" notes on a last known status."""
    return f"{value.astimezone(ICT):%H:%M %d/%m}"


def due_phrase(dossier: Dossier, now: dt.datetime, lang: Language = Language.VI) -> str | None:
    """How the appointment stands ("Còn 3 ngày", "Quá hạn 2 ngày"); None once finished."""
    if dossier.status.finished:
        return None
    days = dossier.days_left(now)
    en = lang == Language.EN
    if dossier.overdue(now):
        if days >= 0:
            return "Overdue (due today)" if en else "Quá hạn (hạn là hôm nay)"
        late = -days
        return f"{late} day{'s' if late > 1 else ''} overdue" if en else f"Quá hạn {late} ngày"
    if days == 0:
        return "Due today" if en else "Hạn trả hôm nay"
    return f"{days} day{'s' if days > 1 else ''} left" if en else f"Còn {days} ngày"
