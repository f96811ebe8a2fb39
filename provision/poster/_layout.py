"""Drawing the A4 poster at 300 dpi, top to bottom.

Sizes are chosen for a notice board: the title and the number read from 2 m or more (capital
letters 9 mm and 16 mm high), the syntax and the example from 2 m (6 mm), the explanations
from arm's length. Each text block is shrunk only as far as it must to fit the width, and the
whole page is drawn again slightly smaller if an office name or a price note makes it run
over; :class:`Placed` records where each block went and how big, for the tests and for a
technician who wants to check the print.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from provision.poster import _content as words
from provision.poster._content import Poster, sms_payload
from provision.poster._errors import PosterError
from provision.poster._fonts import FontSet

DPI = 300
PAGE = (2480, 3508)
"""A4 (210 x 297 mm) at 300 dpi."""
MARGIN = 130
INK, PAPER = 0, 255

MM = DPI / 25.4
"""Pixels per millimetre."""


@dataclass(frozen=True, slots=True)
class Placed:
    """One block on the page: what it is, where its ink is (left, top, right, bottom), and its
    font size in pixels (0 for a QR code)."""

    role: str
    text: str
    box: tuple[int, int, int, int]
    size: int

    def cap_height_mm(self, fonts: FontSet, face: str) -> float:
        top, bottom = fonts.font(face, self.size).getbbox("H")[1::2]
        return (bottom - top) / MM


class _Page:
    def __init__(self, fonts: FontSet, scale: float) -> None:
        self.image = Image.new("L", PAGE, PAPER)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts
        self.scale = scale
        self.y = MARGIN
        self.placed: list[Placed] = []

    def _fit(
        self, text: str, face: str, size: int, width: int, lines: int
    ) -> tuple[int, list[str]]:
        """The largest size up to ``size`` at which ``text`` wraps into ``lines`` lines, none
        wider than ``width``."""
        while size >= 24:
            font = self.fonts.font(face, size)
            wrapped = _wrap(text, font, width)
            if len(wrapped) <= lines and all(font.getlength(line) <= width for line in wrapped):
                return size, wrapped
            size -= 2
        raise PosterError(f"the text {text!r} does not fit on the page; shorten it")

    def measure(self, text: str, face: str, size: int, *, lines: int = 1, width: int = 0) -> int:
        width = width or PAGE[0] - 2 * MARGIN
        size, wrapped = self._fit(text, face, round(size * self.scale), width, lines)
        return round(size * 1.22) * len(wrapped)

    def text(
        self,
        role: str,
        text: str,
        face: str,
        size: int,
        *,
        lines: int = 1,
        left: int = MARGIN,
        width: int = 0,
        fill: int = INK,
        gap: int = 24,
    ) -> None:
        width = width or PAGE[0] - 2 * MARGIN
        size, wrapped = self._fit(text, face, round(size * self.scale), width, lines)
        font = self.fonts.font(face, size)
        top = self.y
        widest = max(font.getlength(line) for line in wrapped)
        for line in wrapped:
            x = left + (width - font.getlength(line)) / 2
            self.draw.text((x, self.y), line, font=font, fill=fill)
            self.y += round(size * 1.22)
        ink = (left + int((width - widest) // 2), left + int((width + widest) // 2) + 1)
        self.placed.append(Placed(role, text, (ink[0], top, ink[1], self.y), size))
        self.y += round(gap * self.scale)

    def qr(self, role: str, payload: str, left: int, top: int, side: int) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(payload)
        code.make(fit=True)
        box = side // (code.modules_count + 2 * code.border)
        code.box_size = box
        picture = code.make_image().get_image().convert("L")
        offset = (side - picture.width) // 2
        self.image.paste(picture, (left + offset, top + offset))
        self.placed.append(
            Placed(role, payload, (left + offset, top + offset, left + offset + picture.width,
                                   top + offset + picture.height), 0)
        )  # fmt: skip


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _draw(poster: Poster, fonts: FontSet, scale: float, spread: int = 0) -> _Page:
    """The page at ``scale``, with ``spread`` more pixels between its five sections."""
    page = _Page(fonts, scale)
    width = PAGE[0]

    # The title, white on a black band.
    band = MARGIN
    if poster.office:
        band += page.measure(poster.office, "bold", 64, lines=2) + 20
    band += page.measure(words.TITLE, "bold", 160, lines=2) + MARGIN // 2
    page.draw.rectangle((0, 0, width, band), fill=INK)
    page.y = MARGIN * 3 // 4
    if poster.office:
        page.text("office", poster.office, "bold", 64, lines=2, fill=PAPER, gap=20)
    page.text("title", words.TITLE, "bold", 160, lines=2, fill=PAPER)
    page.y = band + round(60 * scale) + spread

    # The syntax in a frame, then the number, as large as the width allows.
    page.text("compose", words.COMPOSE, "regular", 76)
    frame_top = page.y
    page.y += round(30 * scale)
    page.text("syntax", f"{poster.keyword} {words.PLACEHOLDER}", "bold", 150, gap=0)
    page.y += round(30 * scale)
    page.draw.rounded_rectangle(
        (MARGIN + 160, frame_top, width - MARGIN - 160, page.y), radius=40, outline=INK, width=10
    )
    page.y += round(36 * scale)
    page.text("send-to", words.SEND_TO, "regular", 76, gap=0)
    page.text("number", poster.number.shown, "bold", 280, gap=36)
    page.y += spread

    # A worked example with a real-looking code.
    page.text("example-label", words.EXAMPLE, "bold", 72, gap=8)
    page.text("example", f"{poster.keyword} {poster.example}", "mono", 112, gap=8)
    page.text("example-number", f"{words.SEND} {poster.number.shown}", "regular", 80, gap=36)

    # What comes back, where the code is, what it costs.
    page.text("reply", words.REPLY, "regular", 64, lines=3, gap=12)
    page.text("where-code", words.WHERE_CODE, "regular", 64, lines=2, gap=12)
    if poster.price_note:
        page.text("price", words.PRICE.format(note=poster.price_note), "bold", 64, lines=2)
    page.y += round(24 * scale) + spread

    # The QR codes, with their captions.
    side = round(640 * scale)
    codes = [("qr-sms", sms_payload(poster.number, poster.keyword), words.QR_SMS)]
    if poster.portal:
        codes.append(("qr-web", poster.portal, words.QR_WEB))
    column = (width - 2 * MARGIN) // len(codes)
    top = page.y
    bottom = top
    for index, (role, payload, caption) in enumerate(codes):
        left = MARGIN + index * column
        page.qr(role, payload, left + (column - side) // 2, top, side)
        page.y = top + side + round(10 * scale)
        page.text(f"{role}-caption", caption, "regular", 58, lines=2, left=left, width=column)
        if role == "qr-web":
            page.text("portal", payload, "mono", 44, lines=2, left=left, width=column, gap=0)
        bottom = max(bottom, page.y)
    page.y = bottom + round(20 * scale) + spread

    # The kiosk, for those in the lobby.
    page.draw.line((MARGIN, page.y, width - MARGIN, page.y), fill=INK, width=6)
    page.y += round(30 * scale)
    page.text("kiosk-title", words.KIOSK_TITLE, "bold", 72, gap=8)
    page.text("kiosk", words.KIOSK, "regular", 64, lines=3, gap=0)
    return page


def render(poster: Poster, fonts: FontSet) -> tuple[Image.Image, list[Placed]]:
    """The poster as a greyscale A4 page at 300 dpi, and where each block is on it."""
    missing = fonts.missing(poster.all_text())
    if missing:
        shown = " ".join(sorted({char for _face, char in missing}))
        raise PosterError(f"the fonts in {fonts.regular.parent} cannot write: {shown}")
    bottom = PAGE[1] - MARGIN
    scale = 1.0
    while scale >= 0.7:
        page = _draw(poster, fonts, scale)
        if page.y <= bottom:
            if page.y < bottom:
                page = _draw(poster, fonts, scale, spread=min((bottom - page.y) // 4, 100))
            return page.image, page.placed
        scale -= 0.05
    raise PosterError("the text does not fit on one page; shorten --office or --price-note")
