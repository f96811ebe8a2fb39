"""Fonts that can write Vietnamese, found on this machine.

Debian's fonts-dejavu-core comes first (the provisioner installs it on a kiosk, ``./dev`` on a
developer's machine); Kivy's bundled Roboto serves where Kivy is installed. A font is only
used when it has a glyph for every character of the poster: a missing glyph would print as
an empty box, which on a notice board is worse than no poster.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from provision.poster._errors import PosterError

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class FontSet:
    """The three faces the poster uses."""

    regular: Path
    bold: Path
    mono: Path

    def font(self, face: str, size: int) -> ImageFont.FreeTypeFont:
        return _load(getattr(self, face), size)

    def missing(self, text: str) -> list[tuple[str, str]]:
        """(face, character) pairs this set cannot draw."""
        gaps = []
        for face in ("regular", "bold", "mono"):
            font = self.font(face, 48)
            nothing = _glyph(font, "\uffff")
            gaps += [
                (face, char) for char in sorted(set(text) - {" "}) if _glyph(font, char) == nothing
            ]
        return gaps


@cache
def _load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    """The character as drawn: a font without it draws its "missing glyph" box instead."""
    size = round(font.size * 1.5)
    picture = Image.new("L", (size, size), 0)
    ImageDraw.Draw(picture).text((0, 0), char, font=font, fill=255)
    return picture.tobytes()


def candidates() -> list[FontSet]:
    sets = [
        FontSet(
            DEJAVU / "DejaVuSans.ttf",
            DEJAVU / "DejaVuSans-Bold.ttf",
            DEJAVU / "DejaVuSansMono-Bold.ttf",
        )
    ]
    kivy = importlib.util.find_spec("kivy")
    if kivy is not None and kivy.origin:
        fonts = Path(kivy.origin).parent / "data" / "fonts"
        sets.append(
            FontSet(
                fonts / "Roboto-Regular.ttf",
                fonts / "Roboto-Bold.ttf",
                fonts / "RobotoMono-Regular.ttf",
            )
        )
    return sets


def find_fonts(text: str, sets: list[FontSet] | None = None) -> FontSet:
    """The first installed set that writes every character of ``text``."""
    problems = []
    for font_set in candidates() if sets is None else sets:
        files = (font_set.regular, font_set.bold, font_set.mono)
        absent = [str(path) for path in files if not path.is_file()]
        if absent:
            problems.append(f"{', '.join(absent)} not found")
            continue
        gaps = font_set.missing(text)
        if not gaps:
            return font_set
        shown = " ".join(sorted({char for _face, char in gaps}))
        problems.append(f"{font_set.regular.parent} cannot write: {shown}")
    raise PosterError(
        "no font that can write the poster's Vietnamese text was found ("
        + "; ".join(problems)
        + "); install Debian's fonts-dejavu-core: sudo apt-get install fonts-dejavu-core"
    )
