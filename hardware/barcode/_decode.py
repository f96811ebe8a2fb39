"""Reading dossier codes out of camera frames with two decoders, zxing-cpp and zbar-py.

A citizen holds a crumpled receipt at an angle under lobby lights, with the code small in the
frame. No single decoder reads every such photo. On 200 generated receipt photos at 640x480
(``bench/kiosk.py``) zxing-cpp alone read 150, zbar-py alone 124, and this project's earlier
zbar-only cascade 157; on 85 real phone photos from zxing-cpp's own test set
(``tests/hardware/photos``, never used to choose anything here) zxing-cpp alone read 76 and
zbar-py alone 69. Each frame is therefore tried in a few passes, stopping at the first that
reads anything:

1. zxing-cpp on the frame at the working width (640 px): it binarizes locally, so it copes
   with glare, shadow and blur, and tries rotations and smaller scales itself (1 to 4 ms);
2. zbar on the likely code region (:func:`code_region`) cut out at about 200 px: a code that
   zxing-cpp's detector misses among the print around it (under a millisecond);
3. zxing-cpp on that region enlarged twice: codes under two pixels per module (1 to 2 ms);
4. for linear barcodes, zbar on the full frame turned upright (by the paper's skew) with rows
   averaged: a long, flat barcode turned by more than a few degrees is crossed by no scan line
   of either decoder (about 9 ms).

Chosen greedily on the generated set by photos read per millisecond spent on frames without a
code, these read 162 of the 200 generated photos and 77 of the 85 real ones, more than either
library alone on both. The zbar passes of the earlier cascade that read nothing more here (the
whole frame at half width, the region sharpened, the light flattened) are gone, and a frame
with no code costs about half what it did (the kiosk's camera worker also skips a scene that
has not changed).

Linear codes read by zbar are accepted only when read on two scan lines or more: a single
line through a blurred or glaring barcode occasionally decodes to garbage that passes the
checksum. zbar-py silently transposes an array that is not C-contiguous, so every array handed
to it goes through :func:`numpy.ascontiguousarray` first.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageFilter

from dossier import DEFAULT_FAMILIES, CodeError, CodeFamilies, CodeQuery, parse_query

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

    @property
    def zxing_name(self) -> str:
        return {"QR-Code": "QRCode", "CODE-128": "Code128", "CODE-39": "Code39"}[self.value]


_PRIORITY = {symbology: rank for rank, symbology in enumerate(Symbology)}
_ZXING_KINDS = {symbology.zxing_name: symbology for symbology in Symbology}


@dataclass(frozen=True, slots=True)
class Reading:
    """One barcode read from a picture: what kind it was and the text it holds."""

    symbology: Symbology
    text: str

    def interpret(self, *, families: CodeFamilies = DEFAULT_FAMILIES) -> CodeQuery | CodeError:
        """The dossier code this barcode carries (bare, in a link or payload), or why not."""
        try:
            return parse_query(self.text, families=families)
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


Box = tuple[int, int, int, int]
"""A rectangle of a picture in pixels: left, top, right, bottom (right and bottom excluded)."""


def code_region(half: Gray, *, cell: int = 8, share: float = 0.3) -> Box | None:
    """Where a code most likely is in this picture (the frame at half the working width).

    A code is a patch dense with sharp edges running both ways. Each ``cell`` x ``cell`` block
    scores the weaker of its mean contrasts across and down, so a desk edge, the paper's border
    or a soft shadow (edges one way, or none) scores low. The search starts from the best
    3 x 3 blocks, which favours a code's broad patch over a word of bold print, and takes
    the blocks joined to them that score ``share`` of the way from the picture's median to
    that best, with one block of margin. None when nothing stands out or the region is most of
    the picture (the next pass scans all of it anyway).
    """
    picture = Image.fromarray(half)
    width, height = picture.size
    if width < 3 * cell or height < 3 * cell:
        return None
    corner = picture.crop((0, 0, width - 1, height - 1))
    across = ImageChops.difference(picture.crop((1, 0, width, height - 1)), corner)
    down = ImageChops.difference(picture.crop((0, 1, width - 1, height)), corner)
    blocks = ImageChops.darker(across.reduce(cell), down.reduce(cell))
    score = np.asarray(blocks)
    broad = np.asarray(blocks.filter(ImageFilter.BoxBlur(1)))
    seed = np.unravel_index(int(np.argmax(broad)), broad.shape)
    floor = float(np.median(broad))
    if broad[seed] <= floor:
        return None
    region = np.zeros(score.shape, dtype=bool)
    region[seed] = True
    strong = score > floor + share * (float(broad[seed]) - floor)
    strong[seed] = True
    while True:
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= strong
        if np.array_equal(grown, region):
            break
        region = grown
    rows = np.flatnonzero(region.any(axis=1))
    columns = np.flatnonzero(region.any(axis=0))
    top, bottom = max(0, int(rows[0]) - 1), min(score.shape[0], int(rows[-1]) + 2)
    left, right = max(0, int(columns[0]) - 1), min(score.shape[1], int(columns[-1]) + 2)
    if (bottom - top) * (right - left) * 2 > score.size:
        return None
    return left * cell, top * cell, min(width, right * cell), min(height, bottom * cell)


def cut_out(gray: Gray, box: Box, *, longest: int, coarsest: float) -> Gray:
    """``box`` of the picture, scaled (by box averaging) so its longer side is ``longest``.

    The scale is never above 1 (nothing is enlarged) nor below ``coarsest``.
    """
    left, top, right, bottom = box
    scale = min(1.0, max(coarsest, longest / max(right - left, bottom - top)))
    if scale >= 1.0:
        return np.ascontiguousarray(gray[top:bottom, left:right])
    size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
    picture = Image.fromarray(gray).resize(size, Image.Resampling.BOX, box=box)
    return np.ascontiguousarray(picture)


class Decoder:
    """Finds QR, Code 128 and Code 39 symbols in frames, trying the passes in the module doc.

    The zbar scanner is reused (creating one costs more than a scan); a lock makes a decoder
    safe to share, though each camera worker normally owns its own.
    """

    def __init__(
        self,
        *,
        work_width: int = 640,
        symbologies: tuple[Symbology, ...] = tuple(Symbology),
    ) -> None:
        import zbar
        import zxingcpp

        config = [("ZBAR_NONE", "ZBAR_CFG_ENABLE", 0)]
        config += [(symbology.zbar_name, "ZBAR_CFG_ENABLE", 1) for symbology in symbologies]
        self._zbar = zbar.Scanner(config)
        self._zxing = zxingcpp
        self._zxing_formats = zxingcpp.BarcodeFormats(
            [getattr(zxingcpp.BarcodeFormat, symbology.zxing_name) for symbology in symbologies]
        )
        self._wanted = {symbology.value: symbology for symbology in symbologies}
        self._symbologies = symbologies
        self._work_width = work_width
        self._lock = threading.Lock()

    def scan(self, gray: Gray) -> list[Reading]:
        """One zbar pass over exactly this picture, no preprocessing; QR first."""
        contiguous = np.ascontiguousarray(gray, dtype=np.uint8)
        with self._lock:
            symbols = self._zbar.scan(contiguous)
        readings = []
        for symbol in symbols:
            symbology = self._wanted.get(symbol.type)
            if symbology is not None and (symbology is Symbology.QR or symbol.quality >= 2):
                text = bytes(symbol.data).decode("utf-8", errors="replace")
                readings.append(Reading(symbology, text))
        return _ordered(readings)

    def read(self, gray: Gray, *, thorough: bool = True) -> list[Reading]:
        """One zxing-cpp pass over this picture; ``thorough`` also tries it turned a quarter,
        smaller and inverted."""
        found = self._zxing.read_barcodes(
            np.ascontiguousarray(gray, dtype=np.uint8),
            formats=self._zxing_formats,
            try_rotate=thorough,
            try_downscale=thorough,
            try_invert=thorough,
        )
        readings = []
        for barcode in found:
            symbology = _ZXING_KINDS.get(barcode.format.name)
            if symbology in self._symbologies and barcode.valid:
                readings.append(Reading(symbology, barcode.text))
        return _ordered(readings)

    def decode(self, image: npt.NDArray[np.uint8]) -> list[Reading]:
        """Every code found in a camera frame (grey or colour, any size), QR first."""
        for attempt in self._passes(to_gray(image)):
            readings = attempt()
            if readings:
                return readings
        return []

    def _passes(self, gray: Gray) -> Iterator[Callable[[], list[Reading]]]:
        factor = max(1, -(-gray.shape[1] // self._work_width))
        base = shrink(gray, factor)
        yield lambda: self.read(base)
        found = code_region(shrink(base, 2))
        box = None if found is None else _in_frame(found, 2 * factor, gray.shape)
        if box is not None:
            yield lambda: self.scan(cut_out(gray, box, longest=200, coarsest=0.5 / factor))
            yield lambda: self.read(enlarged(gray, box, longest=self._work_width), thorough=False)
        if Symbology.CODE128 in self._symbologies or Symbology.CODE39 in self._symbologies:
            yield lambda: self.scan(straightened_rows(gray, skew_angle(base), rows=2 * factor))


def enlarged(gray: Gray, box: Box, *, longest: int) -> Gray:
    """``box`` of the picture at twice its size (bicubic), its longer side at most ``longest``:
    a code of one or two pixels per module gets enough pixels for a detector's patterns."""
    left, top, right, bottom = box
    scale = min(2.0, longest / max(right - left, bottom - top))
    size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
    picture = Image.fromarray(gray).resize(size, Image.Resampling.BICUBIC, box=box)
    return np.ascontiguousarray(picture)


def _ordered(readings: list[Reading]) -> list[Reading]:
    return sorted(dict.fromkeys(readings), key=lambda reading: _PRIORITY[reading.symbology])


def _in_frame(box: Box, scale: int, shape: tuple[int, ...]) -> Box:
    """A box found on a reduced picture, in the frame's pixels (reductions round sizes up)."""
    left, top, right, bottom = (edge * scale for edge in box)
    return left, top, min(right, shape[1]), min(bottom, shape[0])
