"""What a kiosk camera sees when a citizen holds up a receipt.

A clean render decodes every time and proves nothing. Photos in a lobby are rotated (people
hold the paper at any angle up to about 30 degrees), tilted away from the lens (perspective),
out of focus, noisy in dim light, washed out, caught by a ceiling light's glare, and often
far enough away that the code covers a small part of the frame. :func:`photograph` applies
those effects to a rendered receipt in one projective resampling plus a few pixel operations,
so that the benchmark and the tests see the same kinds of frames the kiosk will.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from hardware.receipts._receipt import Box, Receipt


class Target(enum.Enum):
    """Which printed code the citizen holds towards the camera."""

    QR = "qr"
    BARCODE = "barcode"


@dataclass(frozen=True, slots=True)
class Conditions:
    """How one photo was taken. ``code_width`` is the code's width as a share of the frame."""

    rotation: float = 0.0
    tilt: tuple[float, float] = (0.0, 0.0)
    code_width: float = 0.4
    offset: tuple[float, float] = (0.0, 0.0)
    blur: float = 0.0
    noise: float = 0.0
    contrast: float = 1.0
    brightness: float = 0.0
    glare: float = 0.0
    seed: int = 0

    @classmethod
    def random(cls, rng: random.Random, target: Target) -> Conditions:
        """A mixture like a lobby's: most photos fair, some small, blurred, dim or glaring."""
        small = rng.random() < 0.2
        if target is Target.QR:
            width = rng.uniform(0.14, 0.2) if small else rng.uniform(0.2, 0.5)
        else:
            width = rng.uniform(0.5, 0.65) if small else rng.uniform(0.65, 0.9)
        return cls(
            rotation=rng.uniform(-30, 30),
            tilt=(rng.uniform(-6e-4, 6e-4), rng.uniform(-6e-4, 6e-4)),
            code_width=width,
            offset=(rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)),
            blur=rng.choice((0.0, 0.0, rng.uniform(0.5, 1.5), rng.uniform(1.0, 2.2))),
            noise=rng.uniform(0, 12),
            contrast=rng.choice((1.0, rng.uniform(0.55, 0.9), rng.uniform(0.3, 0.55))),
            brightness=rng.uniform(-35, 35),
            glare=rng.choice((0.0, 0.0, 0.0, rng.uniform(0.3, 0.75))),
            seed=rng.randrange(2**31),
        )

    def describe(self) -> str:
        parts = [f"rotated {self.rotation:+.0f} deg", f"code {self.code_width:.0%} of width"]
        if self.blur:
            parts.append(f"blur {self.blur:.1f} px")
        if self.contrast < 1:
            parts.append(f"contrast {self.contrast:.0%}")
        if self.glare:
            parts.append(f"glare {self.glare:.0%}")
        return ", ".join(parts)


def _target_box(receipt: Receipt, target: Target) -> Box:
    box = receipt.qr_box if target is Target.QR else receipt.barcode_box
    if box is None:
        raise ValueError(f"this receipt has no {target.value} code to photograph")
    return box


def _output_to_receipt(
    receipt: Receipt, target: Target, size: tuple[int, int], conditions: Conditions
) -> tuple[float, ...]:
    """The projective map from frame pixels back to receipt pixels, as PIL wants it."""
    box = _target_box(receipt, target)
    frame_w, frame_h = size
    scale = conditions.code_width * frame_w / box.width
    centre_x = frame_w * (0.5 + conditions.offset[0])
    centre_y = frame_h * (0.5 + conditions.offset[1])
    angle = math.radians(conditions.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    to_centre = np.array([[1, 0, -centre_x], [0, 1, -centre_y], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, 1, 0], [conditions.tilt[0], conditions.tilt[1], 1]])
    rotate = np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]])
    unscale = np.diag([1 / scale, 1 / scale, 1])
    to_code = np.array([[1, 0, box.centre[0]], [0, 1, box.centre[1]], [0, 0, 1]])
    matrix = to_code @ unscale @ rotate @ tilt @ to_centre
    return tuple(float(value) for value in (matrix / matrix[2, 2]).flatten()[:8])


def photograph(
    receipt: Receipt,
    conditions: Conditions,
    *,
    target: Target = Target.QR,
    size: tuple[int, int] = (640, 480),
) -> Image.Image:
    """A colour camera frame of ``receipt`` taken under ``conditions``."""
    noise_rng = np.random.default_rng(conditions.seed)
    paper = receipt.image.convert("RGB")
    desk = (96, 82, 70)
    frame = paper.transform(
        size,
        Image.Transform.PERSPECTIVE,
        _output_to_receipt(receipt, target, size, conditions),
        resample=Image.Resampling.BILINEAR,
        fillcolor=desk,
    )
    if conditions.blur > 0:
        frame = frame.filter(ImageFilter.GaussianBlur(conditions.blur))
    pixels = np.asarray(frame, dtype=np.float32)
    pixels = pixels * np.array([1.0, 0.97, 0.9], dtype=np.float32)
    pixels = 128 + (pixels - 128) * conditions.contrast + conditions.brightness
    if conditions.glare > 0:
        height, width = pixels.shape[:2]
        spot_x = width * noise_rng.uniform(0.25, 0.75)
        spot_y = height * noise_rng.uniform(0.25, 0.75)
        radius = width * noise_rng.uniform(0.12, 0.25)
        ys, xs = np.ogrid[:height, :width]
        blob = np.exp(-((xs - spot_x) ** 2 + (ys - spot_y) ** 2) / (2 * radius**2))
        pixels += (255 * conditions.glare * blob)[:, :, None].astype(np.float32)
    if conditions.noise > 0:
        pixels += noise_rng.normal(0, conditions.noise, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
