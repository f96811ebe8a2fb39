"""The decoder on real photos it was never tuned on: it reads at least what the better of its
two libraries reads alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.barcode import Decoder, Gray, Reading, to_gray

PHOTOS = Path(__file__).with_name("photos")


def photo_set() -> list[tuple[str, Gray, str]]:
    """Each photo (at most 640 px wide, as the kiosk decodes), with the text its code holds."""
    found = []
    for expected in sorted(PHOTOS.glob("*/*.txt")):
        picture = next(p for p in expected.parent.glob(expected.stem + ".*") if p != expected)
        image = Image.open(picture).convert("L")
        if image.width > 640:
            image = image.resize((640, round(image.height * 640 / image.width)))
        text = expected.read_bytes().decode("utf-8", errors="replace").strip()
        found.append((f"{picture.parent.name}/{picture.name}", to_gray(np.asarray(image)), text))
    return found


def reads(readings: list[Reading], text: str) -> bool:
    return any(reading.text.strip() == text for reading in readings)


@pytest.fixture(scope="module")
def photos() -> list[tuple[str, Gray, str]]:
    return photo_set()


def test_the_photo_set_is_there(photos: list[tuple[str, Gray, str]]) -> None:
    assert len(photos) == 85


def test_reads_at_least_the_better_of_zbar_and_zxing_cpp(
    photos: list[tuple[str, Gray, str]],
) -> None:
    decoder = Decoder()
    ours = {name for name, gray, text in photos if reads(decoder.decode(gray), text)}
    zbar = {name for name, gray, text in photos if reads(decoder.scan(gray), text)}
    zxing = {name for name, gray, text in photos if reads(decoder.read(gray), text)}
    assert len(ours) >= max(len(zbar), len(zxing))
    assert len(ours) >= 76, sorted({name for name, _gray, _text in photos} - ours)
