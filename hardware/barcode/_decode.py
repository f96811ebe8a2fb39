"""Reading dossier codes out of camera frames with zbar-py.

zbar alone reads a clean, well-lit code that fills the frame. A citizen holds a crumpled
receipt at an angle under lobby lights, with the code small in a 720p frame. Each frame is
therefore tried in a few passes, cheapest first, stopping at the first that reads anything:

1. the frame box-averaged to half the working width (about 320 px): a quarter of the pixels,
   and enough for the code a citizen holds close to the camera; averaging also cancels noise;
2. the frame at two thirds of the working width, for codes held a little further away;
3. the frame at the working width (about 640 px), scanning every other line;
4. for linear barcodes, the full frame turned upright (by the paper's skew) with rows averaged:
   a long, flat barcode turned by more than a few degrees is crossed by no scan line at all;
5. the working picture with the light flattened, for glare, shadow and washed-out prints;
6. the centre of the frame at native resolution (or enlarged), for small codes.

The order was chosen on the benchmark's photo set (``bench/kiosk.py``): most frames are read
by the first two passes in a few milliseconds.

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


def skew_angle(gray: Gray) -> float:
    """The paper's rotation in degrees (within +-45), from the orientation of its edges.

    Print has strokes both along and across the paper, so Sobel edge directions, weighted by
    their strength, are averaged modulo 90 degrees (the angle is multiplied by four first):
    bars, text and the paper's border all vote for the same rotation.
    """
    a = np.asarray(Image.fromarray(gray).reduce(2), dtype=np.float32)
    gx = (a[:-2, 2:] + 2 * a[1:-1, 2:] + a[2:, 2:]) - (a[:-2, :-2] + 2 * a[1:-1, :-2] + a[2:, :-2])
    gy = (a[2:, :-2] + 2 * a[2:, 1:-1] + a[2:, 2:]) - (a[:-2, :-2] + 2 * a[:-2, 1:-1] + a[:-2, 2:])
    weight = np.sqrt(gx * gx + gy * gy)
    angle = np.arctan2(gy, gx) * 4.0
    mean = np.arctan2(float((weight * np.sin(angle)).sum()), float((weight * np.cos(angle)).sum()))
    return float(np.degrees(mean) / 4.0)


def straightened_rows(gray: Gray, angle: float, rows: int) -> Gray:
    """The frame turned by ``-angle`` so bars stand upright, then every ``rows`` rows averaged.

    Linear barcodes are long and flat: a little rotation and no horizontal scan line crosses all
    the bars, whatever zbar does. Once upright, averaging rows keeps every bar's full width while
    cutting the pixels zbar has to scan.
    """
    picture = Image.fromarray(gray)
    if abs(angle) >= 1.0:
        picture = picture.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=128)
    if rows > 1:
        picture = picture.reduce((1, rows))
    return np.ascontiguousarray(picture)


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

    Two zbar scanners are reused (creating one costs more than a scan); a lock makes a decoder
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
        self._dense = zbar.Scanner(config)
        every_other = [
            ("ZBAR_NONE", "ZBAR_CFG_X_DENSITY", 2),
            ("ZBAR_NONE", "ZBAR_CFG_Y_DENSITY", 2),
        ]
        self._sparse = zbar.Scanner(config + every_other)
        self._wanted = {symbology.value: symbology for symbology in symbologies}
        self._symbologies = symbologies
        self._work_width = work_width
        self._lock = threading.Lock()

    def scan(self, gray: Gray, *, sparse: bool = False) -> list[Reading]:
        """One zbar pass over exactly this picture, no preprocessing; QR first.

        ``sparse`` scans every other line and column: half the work, for a first look.
        """
        contiguous = np.ascontiguousarray(gray, dtype=np.uint8)
        scanner = self._sparse if sparse else self._dense
        with self._lock:
            symbols = scanner.scan(contiguous)
        readings = []
        for symbol in symbols:
            symbology = self._wanted.get(symbol.type)
            if symbology is not None and (symbology is Symbology.QR or symbol.quality >= 2):
                text = bytes(symbol.data).decode("utf-8", errors="replace")
                readings.append(Reading(symbology, text))
        return sorted(dict.fromkeys(readings), key=lambda reading: _PRIORITY[reading.symbology])

    def decode(self, image: npt.NDArray[np.uint8]) -> list[Reading]:
        """Every code found in a camera frame (grey or colour, any size), QR first."""
        for picture, sparse in self._passes(to_gray(image)):
            readings = self.scan(picture, sparse=sparse)
            if readings:
                return readings
        return []

    def _passes(self, gray: Gray) -> Iterator[tuple[Gray, bool]]:
        factor = max(1, -(-gray.shape[1] // self._work_width))
        base = shrink(gray, factor)
        height, width = base.shape
        yield shrink(base, 2), False
        two_thirds = (width * 2 // 3, height * 2 // 3)
        yield np.asarray(Image.fromarray(base).resize(two_thirds, Image.Resampling.BOX)), False
        yield base, True
        if Symbology.CODE128 in self._symbologies or Symbology.CODE39 in self._symbologies:
            yield straightened_rows(gray, skew_angle(base), rows=2 * factor), False
        yield flatten_light(base), False
        yield centre_at(gray, (width, height)), False
