"""The A4 poster that announces the SMS lookup number, the lookup page and the kiosk, as the
provincial rules ask offices to publish them (``onestop-poster``).

Exceptions::

    Exception
    └── PosterError   a bad option, no font that writes Vietnamese, an unwritable file
"""

from provision.poster._content import (
    PhoneNumber,
    Poster,
    parse_number,
    sms_payload,
)
from provision.poster._errors import PosterError
from provision.poster._fonts import FontSet, find_fonts
from provision.poster._layout import DPI, PAGE, Placed, render
from provision.poster._save import save

__all__ = [
    "DPI",
    "PAGE",
    "FontSet",
    "PhoneNumber",
    "Placed",
    "Poster",
    "PosterError",
    "find_fonts",
    "parse_number",
    "render",
    "save",
    "sms_payload",
]
