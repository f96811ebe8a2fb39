"""The receipt renderer and the camera-photo distortions."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from hardware.receipts import Barcode, Conditions, ReceiptFields, Target, photograph, render_receipt

NOW = dt.datetime(2024, 1, 15, 2, 30, tzinfo=dt.UTC)
FIELDS = ReceiptFields(
    "000.00.20.H30-240115-0001", "Cấp phiếu lý lịch tư pháp", "Sở Tư pháp", NOW, NOW
)


def test_receipt_places_its_codes_on_the_paper() -> None:
    receipt = render_receipt(FIELDS, qr_payload="000.00.20.H30-240115-0001", barcode=Barcode.CODE39)
    width, height = receipt.image.size
    for box in (receipt.qr_box, receipt.barcode_box):
        assert box is not None
        assert 0 <= box.left < box.right <= width
        assert 0 <= box.top < box.bottom <= height
    bare = render_receipt(FIELDS, qr_payload=None, barcode=Barcode.NONE)
    assert bare.qr_box is None
    assert bare.barcode_box is None
    with pytest.raises(ValueError, match="no qr code"):
        photograph(bare, Conditions())


def test_photographs_are_camera_frames_and_repeatable() -> None:
    receipt = render_receipt(FIELDS, qr_payload="x", barcode=Barcode.CODE128)
    conditions = Conditions.random(random.Random(3), Target.QR)  # noqa: S311 -- repeatable pictures
    first = photograph(receipt, conditions, size=(1280, 720))
    again = photograph(receipt, conditions, size=(1280, 720))
    assert first.size == (1280, 720)
    assert first.mode == "RGB"
    assert np.array_equal(np.asarray(first), np.asarray(again))
    washed = photograph(receipt, Conditions(contrast=0.3), target=Target.BARCODE)
    assert np.asarray(washed).std() < np.asarray(photograph(receipt, Conditions())).std()


def test_random_conditions_stay_within_the_bench_limits() -> None:
    rng = random.Random(11)  # noqa: S311 -- repeatable pictures, not secrets
    for _ in range(200):
        conditions = Conditions.random(rng, rng.choice(list(Target)))
        assert abs(conditions.rotation) <= 30
        assert 0.14 <= conditions.code_width <= 0.9
        assert conditions.describe().startswith("rotated")
