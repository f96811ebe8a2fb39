"""``onestop-scan``: one line per image, in order; non-dossier QR codes said as such."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.barcode.cli import main
from hardware.receipts import Barcode, Conditions, ReceiptFields, Target, photograph, render_receipt

CODE = "H30.20-241203-0158"
NOW = dt.datetime(2024, 12, 3, 8, 0, tzinfo=dt.UTC)


def save_receipt(path: Path, qr: str | None, barcode: Barcode, target: Target) -> Path:
    fields = ReceiptFields(CODE, "Đăng ký khai sinh", "UBND xã Vị Thủy", NOW, NOW)
    page = render_receipt(fields, qr_payload=qr, barcode=barcode)
    size = (1280, 720) if target is Target.BARCODE else (640, 480)
    width = 0.8 if target is Target.BARCODE else 0.35
    photograph(page, Conditions(rotation=6, code_width=width), target=target, size=size).save(path)
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scan")
    grey = folder / "grey.jpg"
    link = save_receipt(
        folder / "link.png",
        f"https://dvc.example.vn/tra-cuu?mahs={CODE}&mtc=A7K2",
        Barcode.NONE,
        Target.QR,
    )
    Image.open(link).convert("L").save(grey)
    blank = folder / "blank.png"
    Image.fromarray(np.full((480, 640, 3), 120, np.uint8)).save(blank)
    return {
        "link": link,
        "grey": grey,
        "barcode": save_receipt(folder / "bar.png", None, Barcode.CODE39, Target.BARCODE),
        "payment": save_receipt(
            folder / "pay.png", "https://pay.example.vn/x?id=9", Barcode.NONE, Target.QR
        ),
        "blank": blank,
        "broken": folder / "missing.png",
    }


def test_every_image_gets_a_line_in_argument_order(
    images: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    order = ["link", "grey", "barcode", "payment", "blank", "broken"]
    assert main([str(images[name]) for name in order]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(order)
    for name, line in zip(order, lines, strict=True):
        assert line.startswith(f"{images[name]}: ")
    assert lines[0].endswith(f"{CODE} (lookup key A7K2) [QR code]")
    assert lines[1].endswith(f"{CODE} (lookup key A7K2) [QR code]")
    assert lines[2].endswith(f"{CODE} [Code 39]")
    assert "QR code holding 'https://pay.example.vn/x?id=9', not a dossier code" in lines[3]
    assert CODE not in lines[3]
    assert lines[4].endswith("no barcode found")
    assert "cannot read picture" in lines[5]


def test_all_found_exits_zero_through_the_installed_command(images: dict[str, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hardware.barcode.cli", str(images["link"]), str(images["barcode"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(CODE) == 2
