"""Reading dossier codes out of camera frames with zbar-py.

zbar alone reads a clean, well-lit code that fills the frame. A citizen holds a crumpled
receipt at an angle under lobby lights, with the code small in a 720p frame. Each frame is
therefore tried in a few passes, cheapest first, stopping at the first that reads anything:

1. the frame box-averaged to half the working width (about 320 px): a quarter of the pixels,
   and enough for the code a citizen holds close to the camera; averaging also cancels noise;
2. the frame at the working width (about 640 px), for codes held further away;
3. the same with the light flattened, for glare, shadow and washed-out prints;
4. the centre of the frame enlarged, for small codes whose modules are a pixel or two wide.

Linear codes (Code 128, Code 39) are accepted only when zbar read them on two scan lines or
more: a single line through a blurred or glaring barcode occasionally decodes to garbage that
passes the checksum.

zbar-py silently transposes an array that is not C-contiguous, so every array handed to it
goes through :func:`numpy.ascontiguousarray` first.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from dossier import CodeError, CodeQuery, parse_query

Gray = npt.NDArray[np.uint8]
"""A grayscale picture: a two-dimensional array of 8-bit luminance, rows first."""


class Symbology(enum.Enum):
    """The barcode kinds printed on one-stop receipts, in the order they are preferred."""

    QR = "QR-Code"
    CODE128 = "CODE-128"
    CODE39 = "CODE-39"

    @property
    def zbar_name(self) -> str:
        return {"QR-Code": "ZBAR_QRCODE", "CODE-128": "ZBAR_CODE128", "CODE-39": "ZBAR_CODE39"}[
            self.value
        ]


_PRIORITY = {symbology: rank for rank, symbology in enumerate(Symbology)}


@dataclass(frozen=True, slots=True)
class Reading:
    """One barcode read from a picture: what kind it was and the text it holds."""

    symbology: Symbology
    text: str

    def interpret(self) -> CodeQuery | CodeError:
        """The dossier code this barcode carries (bare, or inside a lookup link), or why not."""
        try:
            return parse_query(self.text)
        except CodeError as exc:
            return exc


def to_gray(image: npt.NDArray[np.uint8]) -> Gray:
    """Luminance of an RGB, RGBA or already grey picture, as a contiguous array.

    Integer weights (ITU-R BT.601 scaled to 256) keep this at a few milliseconds per 720p frame.
    """
    if image.ndim == 2:
        return np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected a grey, RGB or RGBA picture, got shape {image.shape}")
    red = image[:, :, 0].astype(np.uint16)
    green = image[:, :, 1].astype(np.uint16)
    blue = image[:, :, 2].astype(np.uint16)
    luma = (red * 77 + green * 150 + blue * 29) >> 8
    return np.ascontiguousarray(luma, dtype=np.uint8)


def shrink(gray: Gray, factor: int) -> Gray:
    """Average ``factor`` x ``factor`` blocks (PIL's box reduction, a fraction of a millisecond)."""
    if factor <= 1:
        return gray
    return np.ascontiguousarray(Image.fromarray(gray).reduce(factor))


def flatten_light(gray: Gray) -> Gray:
    """Divide out the slowly varying light (glare, shadow, a dim lobby) and spread the contrast.

    The background is the picture reduced 16 times and enlarged back: a blur that costs almost
    nothing. What remains is the print against a uniform paper white.
    """
    picture = Image.fromarray(gray)
    light = picture.reduce(16).resize(picture.size, Image.Resampling.BILINEAR)
    ratio = gray.astype(np.float32) / np.maximum(np.asarray(light, dtype=np.float32), 1.0)
    return np.ascontiguousarray(np.clip(ratio * 200.0, 0, 255).astype(np.uint8))


def centre_at(gray: Gray, size: tuple[int, int], fraction: float = 0.5) -> Gray:
    """The middle of the frame, where the kiosk asks citizens to aim, resized to ``size``.

    From a 1280 px frame this is the centre at its native resolution; from a 640 px frame it is
    the centre enlarged twice.
    """
    height, width = gray.shape
    crop_h, crop_w = int(height * fraction), int(width * fraction)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = Image.fromarray(gray[top : top + crop_h, left : left + crop_w])
    if crop.size != size:
        crop = crop.resize(size, Image.Resampling.BICUBIC)
    return np.ascontiguousarray(crop)


class Decoder:
    """Finds QR, Code 128 and Code 39 symbols in frames, trying the passes in the module doc.

    One zbar scanner is reused (creating one costs more than a scan); a lock makes a decoder
    safe to share, though each camera worker normally owns its own.
    """

    def __init__(
        self,
        *,
        work_width: int = 640,
        symbologies: tuple[Symbology, ...] = tuple(Symbology),
    ) -> None:
        import zbar

        config = [("ZBAR_NONE", "ZBAR_CFG_ENABLE", 0)]
        config += [(symbology.zbar_name, "ZBAR_CFG_ENABLE", 1) for symbology in symbologies]
        self._scanner = zbar.Scanner(config)
        self._wanted = {symbology.value: symbology for symbology in symbologies}
        self._work_width = work_width
        self._lock = threading.Lock()

    def scan(self, gray: Gray) -> list[Reading]:
        """One zbar pass over exactly this picture, no preprocessing; QR first."""
        contiguous = np.ascontiguousarray(gray, dtype=np.uint8)
        with self._lock:
            symbols = self._scanner.scan(contiguous)
        readings = []
        for symbol in symbols:
            symbology = self._wanted.get(symbol.type)
            if symbology is not None and (symbology is Symbology.QR or symbol.quality >= 2):
                text = bytes(symbol.data).decode("utf-8", errors="replace")
                readings.append(Reading(symbology, text))
        return sorted(dict.fromkeys(readings), key=lambda reading: _PRIORITY[reading.symbology])

    def decode(self, image: npt.NDArray[np.uint8]) -> list[Reading]:
        """Every code found in a camera frame (grey or colour, any size), QR first."""
        for picture in self._passes(to_gray(image)):
            readings = self.scan(picture)
            if readings:
                return readings
        return []

    def _passes(self, gray: Gray) -> Iterator[Gray]:
        factor = max(1, -(-gray.shape[1] // self._work_width))
        base = shrink(gray, factor)
        yield shrink(base, 2)
        yield base
        yield flatten_light(base)
        yield centre_at(gray, (base.shape[1], base.shape[0]))
