"""Reading dossier codes out of camera frames with zbar-py.

zbar alone reads a clean, well-lit code that fills the frame. A citizen holds a crumpled
receipt at an angle under lobby lights, with the code small in a 720p frame. Each frame is
therefore tried in a few passes, stopping at the first that reads anything.

What a pass costs is mostly how many pixels zbar scans: its scan-line filter runs over every
pixel whatever the picture holds (25 to 30 ns a pixel here, with every symbology off), and a QR code
it finds costs more in a larger picture. So the passes look at as few pixels as will do:

1. the likely code region (:func:`code_region`, under a millisecond on the half-width picture)
   cut out of the frame at about 200 px: a small code keeps its detail, a large one is
   averaged down (which also cancels noise), and zbar scans a fraction of the frame;
2. the whole frame box-averaged to half the working width (about 320 px), for a code the
   region missed, most often a large one held close;
3. the region again, at up to 300 px and sharpened, for a code out of focus;
4. for linear barcodes, the full frame turned upright (by the paper's skew) with rows averaged:
   a long, flat barcode turned by more than a few degrees is crossed by no scan line at all;
5. the working picture with the light flattened, for glare, shadow and washed-out prints.

The passes and their order were measured on the benchmark's photo set (``bench/kiosk.py``,
200 photos at 640x480): alone, pass 1 reads about 125 photos in 2.5 ms and pass 2 about 87 in
3 ms, and together about 140, so most frames are done within a few milliseconds. Passes 3 to 5
cost 3 to 20 ms each and run only on hard frames; each reads a few photos no earlier pass
does (about 6, 11 and 1), cheapest first. The full working picture, scanned densely (13 ms),
every other line (7 ms) or at two thirds of its width (6 ms), and the frame's centre enlarged
(10 ms), read no photo of that set which these passes miss (and one of the 1280x720 set), so
they are not tried.

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


_PRIORITY = {symbology: rank for rank, symbology in enumerate(Symbology)}


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


def sharpened(gray: Gray) -> Gray:
    """An unsharp mask: steepens the edges of a code the camera saw out of focus."""
    picture = Image.fromarray(gray).filter(ImageFilter.UnsharpMask(radius=2, percent=150))
    return np.ascontiguousarray(picture)


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
        for picture in self._passes(to_gray(image)):
            readings = self.scan(picture)
            if readings:
                return readings
        return []

    def _passes(self, gray: Gray) -> Iterator[Gray]:
        factor = max(1, -(-gray.shape[1] // self._work_width))
        base = shrink(gray, factor)
        half = shrink(base, 2)
        found = code_region(half)
        box = None if found is None else _in_frame(found, 2 * factor, gray.shape)
        if box is not None:
            yield cut_out(gray, box, longest=200, coarsest=0.5 / factor)
        yield half
        if box is not None:
            yield sharpened(cut_out(gray, box, longest=300, coarsest=0.5 / factor))
        if Symbology.CODE128 in self._symbologies or Symbology.CODE39 in self._symbologies:
            yield straightened_rows(gray, skew_angle(base), rows=2 * factor)
        yield flatten_light(base)


def _in_frame(box: Box, scale: int, shape: tuple[int, ...]) -> Box:
    """A box found on a reduced picture, in the frame's pixels (reductions round sizes up)."""
    left, top, right, bottom = (edge * scale for edge in box)
    return left, top, min(right, shape[1]), min(bottom, shape[0])
