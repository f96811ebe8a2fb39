"""Writing the poster as PNG (for screens and print shops) or PDF (for the office printer).

The PDF holds the page as a single 1-bit image compressed with CCITT Group 4: lossless, sharp
edges at 300 dpi on any laser printer, and a file of about 100 kB. (Pillow would otherwise
store a greyscale page as JPEG, whose artefacts blur small text and QR modules.)
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from provision.poster._errors import PosterError
from provision.poster._layout import DPI

FORMATS = {".png": "PNG", ".pdf": "PDF"}


def save(image: Image.Image, path: Path) -> None:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise PosterError(f"--out {path}: the file name must end in .pdf or .png")
    try:
        if kind == "PDF":
            page = image.convert("1", dither=Image.Dither.NONE)
            page.save(path, "PDF", resolution=DPI, title="Tra cứu hồ sơ qua tin nhắn")
        else:
            image.save(path, "PNG", dpi=(DPI, DPI), optimize=True)
    except OSError as exc:
        raise PosterError(f"--out {path}: cannot write it: {exc.strerror or exc}") from None
