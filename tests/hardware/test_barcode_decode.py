"""The zbar decoder on real rendered receipts and camera-like photos of them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PIL import Image

from dossier import CodeError, CodeQuery
from hardware.barcode import Decoder, Symbology, to_gray
from hardware.receipts import (
    Barcode,
    Conditions,
    Receipt,
    ReceiptFields,
    Target,
    photograph,
    render_receipt,
)

CODE = "000.00.20.H30-240115-0001"
NOW = dt.datetime(2024, 1, 15, 9, 30, tzinfo=dt.UTC)


def receipt(qr: str | None, barcode: Barcode = Barcode.CODE128) -> Receipt:
    fields = ReceiptFields(
        code=CODE,
        procedure="Cấp giấy phép xây dựng nhà ở riêng lẻ",
        agency="UBND huyện Châu Thành",
        received_at=NOW,
        due_at=NOW + dt.timedelta(days=10),
    )
    return render_receipt(fields, qr_payload=qr, barcode=barcode)


@pytest.fixture(scope="module")
def decoder() -> Decoder:
    return Decoder()


def codes(readings: list) -> list[str]:  # type: ignore[type-arg]
    return [str(meaning.code) for r in readings if isinstance(meaning := r.interpret(), CodeQuery)]


def test_a_clean_receipt_reads_qr_first(decoder: Decoder) -> None:
    page = receipt(f"https://dichvucong.haugiang.gov.vn/tra-cuu?mahs={CODE}")
    readings = decoder.decode(np.asarray(page.image))
    assert readings[0].symbology is Symbology.QR
    assert set(codes(readings)) == {CODE}
    both = decoder.scan(to_gray(np.asarray(page.image)))  # one pass that sees both codes
    assert [reading.symbology for reading in both] == [Symbology.QR, Symbology.CODE128]


@pytest.mark.parametrize(
    ("barcode", "symbology"),
    [(Barcode.CODE128, Symbology.CODE128), (Barcode.CODE39, Symbology.CODE39)],
)
def test_linear_barcodes_in_a_photo(
    decoder: Decoder, barcode: Barcode, symbology: Symbology
) -> None:
    photo = photograph(
        receipt(None, barcode),
        Conditions(rotation=8, code_width=0.8),
        target=Target.BARCODE,
        size=(1280, 720),
    )
    readings = decoder.decode(np.asarray(photo))
    assert [reading.symbology for reading in readings] == [symbology]
    assert codes(readings) == [CODE]


HARD = {
    "rotated 30 degrees": Conditions(rotation=30, code_width=0.35, seed=1),
    "perspective": Conditions(rotation=-10, tilt=(5e-4, -4e-4), code_width=0.35, seed=2),
    "blurred": Conditions(rotation=5, code_width=0.4, blur=1.5, seed=3),
    "noisy and dim": Conditions(code_width=0.35, noise=12, brightness=-40, contrast=0.6, seed=4),
    "washed out": Conditions(rotation=12, code_width=0.35, contrast=0.3, brightness=30, seed=5),
    "glare": Conditions(rotation=-18, code_width=0.35, glare=0.6, seed=6),
    "small code": Conditions(rotation=7, code_width=0.17, seed=7),
    "small code in a corner": Conditions(rotation=7, code_width=0.15, offset=(-0.35, -0.3), seed=8),
}


@pytest.mark.parametrize("conditions", HARD.values(), ids=HARD.keys())
@pytest.mark.parametrize("size", [(640, 480), (1280, 720)], ids=["640x480", "1280x720"])
def test_hard_photos_of_a_qr_code(
    decoder: Decoder, conditions: Conditions, size: tuple[int, int]
) -> None:
    page = receipt(CODE)
    photo = photograph(page, conditions, size=size)
    assert codes(decoder.decode(np.asarray(photo))) == [CODE]


def test_non_contiguous_and_odd_inputs(decoder: Decoder) -> None:
    photo = np.asarray(photograph(receipt(CODE), Conditions(code_width=0.4)))
    green = photo[:, :, 1]  # a strided view, as a camera library may hand over
    assert not green.flags.c_contiguous
    assert codes(decoder.decode(green)) == [CODE]
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    assert codes(decoder.decode(rgba)) == [CODE]
    grey = np.asarray(Image.fromarray(photo).convert("L"))
    assert codes(decoder.decode(grey)) == [CODE]


def test_a_frame_without_a_code(decoder: Decoder) -> None:
    assert decoder.decode(np.full((480, 640, 3), 90, np.uint8)) == []


def test_a_qr_code_that_is_not_a_dossier_code(decoder: Decoder) -> None:
    page = receipt("https://pay.example.vn/invoice?id=5531", Barcode.NONE)
    readings = decoder.decode(np.asarray(page.image))
    assert [reading.symbology for reading in readings] == [Symbology.QR]
    assert isinstance(readings[0].interpret(), CodeError)


def test_to_gray_rejects_what_is_not_a_picture() -> None:
    with pytest.raises(ValueError, match="shape"):
        to_gray(np.zeros((4, 4, 2), np.uint8))
