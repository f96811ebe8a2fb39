"""The slip a citizen takes away: the result on thermal paper, drawn as one picture.

It says what the card says that matters later (the code, the status, the due date, the next
step, where to collect, when it was printed) and carries a QR code of the province's lookup
page, so the citizen can follow the dossier on a phone. Drawn with Kivy's bundled Roboto,
which has every Vietnamese letter; printers have no Vietnamese code page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dossier import ICT, Language
from kiosk._strings import tr
from kiosk._theme import ICON_FONT
from kiosk._view import ResultView, qr_matrix

FONTS = Path(ICON_FONT).parent
MARGIN = 8
QR_DOT = 4
"""Printer dots per QR module: 0.5 mm at 203 dpi, read easily by a phone."""


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONTS / ("Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")), size
    )


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (a word longer than a line is cut)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if font.getlength(trial) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        rest = word
        while font.getlength(rest) > width:
            cut = max(1, len(rest) * width // int(font.getlength(rest) + 1))
            lines.append(rest[:cut])
            rest = rest[cut:]
        line = rest
    if line:
        lines.append(line)
    return lines


def slip_image(
    view: ResultView, *, printed_at: dt.datetime, width: int, lang: Language
) -> Image.Image:
    """The slip for ``view``, ``width`` dots wide, black on white."""
    room = width - 2 * MARGIN
    blocks: list[tuple[str, bool, int]] = [
        (tr("slip_title", lang), True, 26),
        (view.code, True, 26),
        (view.status_text, True, 30),
    ]
    if view.due:
        blocks.append((view.due, False, 22))
    if view.next_step:
        blocks.append((view.next_step, True, 22))
    blocks += [(f"{name}: {value}", False, 20) for name, value in view.rows[1:]]
    when = printed_at.astimezone(ICT)
    blocks.append((tr("slip_printed", lang, moment=f"{when:%H:%M %d/%m/%Y}"), False, 20))
    lines: list[tuple[str, ImageFont.FreeTypeFont]] = []
    for text, bold, size in blocks:
        font = _font(bold, size)
        lines += [(line, font) for line in _wrap(text, font, room)]
        lines.append(("", _font(False, 8)))
    matrix = qr_matrix(view.follow_url)
    qr_size = len(matrix) * QR_DOT
    caption = _font(False, 20)
    follow = _wrap(tr("result_follow", lang), caption, room)
    height = sum(int(font.size * 1.3) for _line, font in lines) + qr_size + 40 * len(follow) + 40
    paper = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(paper)
    top = MARGIN
    for line, font in lines:
        draw.text((MARGIN, top), line, font=font, fill=0)
        top += int(font.size * 1.3)
    left = (width - qr_size) // 2
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                x, y = left + column * QR_DOT, top + row * QR_DOT
                draw.rectangle((x, y, x + QR_DOT - 1, y + QR_DOT - 1), fill=0)
    top += qr_size + 4
    for line in follow:
        draw.text(((width - caption.getlength(line)) / 2, top), line, font=caption, fill=0)
        top += 30
    return paper
