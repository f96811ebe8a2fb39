"""Receipts ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") as the one-stop office prints them.

The decoder, the benchmark and the demo need pictures of the paper a citizen actually brings:
a form with a national header, the dossier code in words, a QR code (holding the bare code or a
lookup link) and often a Code 128 or Code 39 barcode of the code. The layout follows receipts
in service; the machine-readable parts are rendered by ``qrcode`` and ``python-barcode``.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dossier import ICT, Dossier, format_date

_FONT_NAMES = ("DejaVuSans.ttf", "Roboto-Regular.ttf")
_BOLD_NAMES = ("DejaVuSans-Bold.ttf", "Roboto-Bold.ttf", *_FONT_NAMES)
_SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


class Barcode(enum.Enum):
    """The linear barcode printed under the code, if any."""

    NONE = "none"
    CODE128 = "code128"
    CODE39 = "code39"


@dataclass(frozen=True, slots=True)
class Box:
    """Where something was drawn on the receipt, in pixels."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    @property
    def width(self) -> int:
        return self.right - self.left


@dataclass(frozen=True, slots=True)
class ReceiptFields:
    """What a receipt says. Personal data here is invented for pictures, never real."""

    code: str
    procedure: str
    agency: str
    received_at: dt.datetime
    due_at: dt.datetime
    pickup_location: str = "Bộ phận Một cửa"
    applicant: str = "Nguyễn Văn An"
    lookup_key: str | None = None

    @classmethod
    def from_dossier(cls, dossier: Dossier, lookup_key: str | None = None) -> ReceiptFields:
        """The receipt of a dossier the office has taken in; one without an appointment yet
        (submitted online) has none, which is a ValueError."""
        if dossier.due_at is None:
            raise ValueError(f"{dossier.code} has no appointment yet, so no receipt")
        return cls(
            code=dossier.code,
            procedure=dossier.procedure,
            agency=dossier.agency,
            received_at=dossier.received_at,
            due_at=dossier.due_at,
            pickup_location=dossier.pickup_location or "Bộ phận Một cửa",
            lookup_key=lookup_key,
        )


@dataclass(frozen=True, slots=True)
class Receipt:
    """A rendered receipt and where its codes are on it."""

    image: Image.Image
    fields: ReceiptFields
    qr_payload: str | None
    qr_box: Box | None
    barcode: Barcode
    barcode_box: Box | None


@cache
def _font_path(names: tuple[str, ...]) -> str | None:
    """A TrueType font with Vietnamese letters: Kivy's bundled fonts, else Debian's DejaVu.

    Kivy's package is located without importing it (importing Kivy sets up its own logging and
    configuration, which a receipt renderer has no business doing).
    """
    directories = list(_SYSTEM_FONT_DIRS)
    spec = importlib.util.find_spec("kivy")
    if spec is not None and spec.submodule_search_locations:
        directories.insert(0, Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts")
    for name in names:
        for directory in directories:
            if (directory / name).is_file():
                return str(directory / name)
    return None


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(_BOLD_NAMES if bold else _FONT_NAMES)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def _qr_image(payload: str, module: int) -> Image.Image:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    maker = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=module, border=4)
    maker.add_data(payload)
    maker.make(fit=True)
    picture: Image.Image = maker.make_image(fill_color="black", back_color="white").get_image()
    return picture.convert("L")


def _barcode_image(kind: Barcode, text: str) -> Image.Image:
    import barcode
    from barcode.writer import ImageWriter

    # At 254 dpi a tenth of a millimetre is one pixel, so every bar is a whole number of pixels:
    # 3 px modules for Code 128, 2 px for Code 39 (whose wide bars are thrice as wide).
    module = 0.2 if kind is Barcode.CODE39 else 0.3
    options = {"module_width": module, "module_height": 9.0, "quiet_zone": 3.0, "dpi": 254}
    options["write_text"] = False
    if kind is Barcode.CODE39:
        symbol = barcode.Code39(text, writer=ImageWriter(), add_checksum=False)
    else:
        symbol = barcode.Code128(text, writer=ImageWriter())
    rendered: Image.Image = symbol.render(options)
    return rendered.convert("L")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:  # type: ignore[arg-type]
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def render_receipt(
    fields: ReceiptFields,
    *,
    qr_payload: str | None,
    barcode: Barcode = Barcode.CODE128,
    width: int = 1000,
) -> Receipt:
    """Draw a receipt on white paper; ``qr_payload`` None leaves the QR code out."""
    scale = width / 1000
    height = int(1300 * scale)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    margin = int(60 * scale)
    small, normal = _font(int(22 * scale)), _font(int(26 * scale))
    bold, title = _font(int(26 * scale), bold=True), _font(int(34 * scale), bold=True)

    def centred(y: int, text: str, font: object) -> int:
        length = draw.textlength(text, font=font)  # type: ignore[arg-type]
        draw.text(((width - length) / 2, y), text, fill=0, font=font)  # type: ignore[arg-type]
        return y + int(40 * scale)

    y = int(40 * scale)
    y = centred(y, fields.agency.upper()[:60], small)
    y = centred(y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold)
    y = centred(y, "Độc lập - Tự do - Hạnh phúc", normal)
    y += int(30 * scale)
    y = centred(y, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", title)
    y += int(20 * scale)

    qr_box = None
    if qr_payload is not None:
        qr = _qr_image(qr_payload, module=max(2, int(6 * scale)))
        qr_left = width - margin - qr.width
        page.paste(qr, (qr_left, y))
        qr_box = Box(qr_left, y, qr_left + qr.width, y + qr.height)

    draw.text((margin, y), "Mã hồ sơ:", fill=0, font=normal)
    y += int(36 * scale)
    draw.text((margin, y), fields.code, fill=0, font=bold)
    y += int(48 * scale)
    if fields.lookup_key:
        draw.text((margin, y), f"Mã tra cứu: {fields.lookup_key}", fill=0, font=normal)
        y += int(40 * scale)
    y = max(y, qr_box.bottom + int(20 * scale)) if qr_box else y

    barcode_box = None
    if barcode is not Barcode.NONE:
        bars = _barcode_image(barcode, fields.code)
        room = width - int(40 * scale)
        if bars.width > room:
            bars = bars.resize((room, bars.height), Image.Resampling.BOX)
        left = (width - bars.width) // 2
        page.paste(bars, (left, y))
        barcode_box = Box(left, y, left + bars.width, y + bars.height)
        y += bars.height + int(20 * scale)

    received, due = fields.received_at.astimezone(ICT), fields.due_at.astimezone(ICT)
    rows = [
        ("Người nộp", fields.applicant),
        ("Thủ tục", fields.procedure),
        ("Thời gian nhận hồ sơ", f"{received:%H giờ %M phút}, ngày {format_date(received)}"),
        ("Thời gian trả kết quả", f"Sau {due:%H giờ %M phút}, ngày {format_date(due)}"),
        ("Nơi nhận kết quả", fields.pickup_location),
    ]
    for label, value in rows:
        for index, line in enumerate(_wrap(draw, f"{label}: {value}", normal, width - 2 * margin)):
            draw.text((margin + (int(30 * scale) if index else 0), y), line, fill=0, font=normal)
            y += int(34 * scale)
        y += int(8 * scale)
    y += int(20 * scale)
    centred(y, "Tra cứu tình trạng hồ sơ: quét mã QR hoặc nhắn tin theo hướng dẫn", small)
    return Receipt(
        image=page,
        fields=fields,
        qr_payload=qr_payload,
        qr_box=qr_box,
        barcode=barcode,
        barcode_box=barcode_box,
    )
