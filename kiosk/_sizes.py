"""Sizes on the kiosk's screen worked out in millimetres, not pixels.

The same 1024x600 picture is 15 cm wide on a 7 inch panel and 45 cm on a 21 inch one; a citizen
reads it at arm's length, often with older eyes. So text and buttons are sized from the
physical screen: ``[kiosk] screen_inches`` (the diagonal) when set, else the display's DPI.
Body text gets at least 3 mm of cap height, the status at least 6 mm, buttons at least 12 mm
with 2 mm between them. On a large screen these minimums would leave the page mostly empty, so
sizes also grow with the screen's shorter side. The "larger text" button multiplies text sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CAP_HEIGHT = 0.71
"""Cap height of Roboto, the kiosk's font, as a share of its font size (its em)."""

MM_PER_INCH = 25.4
BODY_CAP_MM = 3.0
STATUS_CAP_MM = 6.0
TOUCH_MM = 12.0
GAP_MM = 2.0
LARGER_TEXT = 1.3
"""How much the "larger text" button enlarges every text."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """Pixel sizes for one window: fonts, touch targets, gaps, and the layout's orientation."""

    px_per_mm: float
    body: int
    title: int
    status: int
    touch: int
    gap: int
    pad: int
    portrait: bool

    def cap_mm(self, font_size: float) -> float:
        """The cap height in millimetres of text drawn at ``font_size`` pixels."""
        return font_size * CAP_HEIGHT / self.px_per_mm


def px_per_mm(width: int, height: int, *, inches: float = 0.0, dpi: float = 96.0) -> float:
    """Pixels per millimetre of the screen: from its diagonal when known, else from its DPI."""
    if inches > 0:
        return math.hypot(width, height) / (inches * MM_PER_INCH)
    return (dpi if dpi > 0 else 96.0) / MM_PER_INCH


def sizes_for(
    width: int, height: int, *, inches: float = 0.0, dpi: float = 96.0, larger: bool = False
) -> Sizes:
    """The sizes for a ``width`` x ``height`` window on a screen of ``inches`` (or ``dpi``)."""
    ppm = px_per_mm(width, height, inches=inches, dpi=dpi)
    short = min(width, height)
    text = LARGER_TEXT if larger else 1.0
    body = math.ceil(max(BODY_CAP_MM / CAP_HEIGHT * ppm, short / 26) * text)
    return Sizes(
        px_per_mm=ppm,
        body=body,
        title=math.ceil(body * 1.25),
        status=math.ceil(max(STATUS_CAP_MM / CAP_HEIGHT * ppm, body * 1.7)),
        touch=math.ceil(max(TOUCH_MM * ppm, body * 2.4)),
        gap=math.ceil(max(GAP_MM * ppm, body * 0.4)),
        pad=math.ceil(max(GAP_MM * ppm, short / 60)),
        portrait=height > width,
    )
