"""The announcement poster: A4 at 300 dpi in PNG and PDF, Vietnamese text big enough for a
notice board, and QR codes that a phone (here: the project's zbar decoder) reads as the SMS
to send and the lookup page."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from dossier import EXAMPLE_CODE, parse_code
from hardware.barcode import Decoder, Symbology
from provision.poster import (
    DPI,
    FontSet,
    Placed,
    Poster,
    PosterError,
    find_fonts,
    parse_number,
    render,
    sms_payload,
)
from provision.poster._fonts import DEJAVU
from provision.poster._layout import MARGIN
from provision.poster.cli import main

NUMBER = "0912345678"
PORTAL = "https://dichvucong.haugiang.gov.vn/tra-cuu-ho-so-truc-tuyen"  # a long one
OFFICE = "UBND tỉnh Hậu Giang – Bộ phận tiếp nhận và trả kết quả"
PRICE = "cước tin nhắn thông thường của nhà mạng"
ARGS = ["--number", NUMBER, "--portal", PORTAL, "--office", OFFICE, "--price-note", PRICE]

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
TWO_METRES_MM = 6.0
"""Capital letters this high read from about 2 m (a common signage rule: 1 mm per 0.33 m)."""


Layout = tuple[Image.Image, list[Placed], FontSet]


QR_DECODER = Decoder(symbologies=(Symbology.QR,))


def decode(gray: npt.NDArray[np.uint8]) -> list[str]:
    """QR codes in a greyscale picture at full resolution, read by the kiosk's decoder."""
    return [reading.text for reading in QR_DECODER.scan(gray)]


def poster_command(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Path(sys.prefix) / "bin" / "onestop-poster", *[str(arg) for arg in args]],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("poster")
    files = {"png": folder / "poster.png", "pdf": folder / "poster.pdf"}
    for path in files.values():
        done = poster_command(*ARGS, "--out", path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"wrote {path} (A4, 300 dpi)\n"
    yield files


@pytest.fixture(scope="module")
def layout() -> Layout:
    poster = Poster(parse_number(NUMBER), portal=PORTAL, office=OFFICE, price_note=PRICE)
    fonts = find_fonts(poster.all_text())
    image, placed = render(poster, fonts)
    return image, placed, fonts


def block(placed: list[Placed], role: str) -> Placed:
    return next(item for item in placed if item.role == role)


def test_png_is_an_a4_page_at_300_dpi(outputs: dict[str, Path]) -> None:
    with Image.open(outputs["png"]) as image:
        dpi = image.info["dpi"]
        size_mm = tuple(
            pixels / dots * MM_PER_INCH for pixels, dots in zip(image.size, dpi, strict=True)
        )
    assert dpi == pytest.approx((DPI, DPI), abs=0.01)
    assert size_mm == pytest.approx(A4_MM, abs=0.5)


def test_pdf_is_one_a4_page_with_a_lossless_300_dpi_image(outputs: dict[str, Path]) -> None:
    content = outputs["pdf"].read_bytes()
    assert content.count(b"/Type /Page\n") == 1
    box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", content)
    assert box
    size_mm = tuple(float(points) / 72 * MM_PER_INCH for points in box.groups())
    assert size_mm == pytest.approx(A4_MM, abs=0.5)
    assert b"/Width 2480" in content and b"/Height 3508" in content
    assert b"/CCITTFaxDecode" in content and b"/DCTDecode" not in content


def test_png_is_what_the_layout_draws(outputs: dict[str, Path], layout: Layout) -> None:
    image, _placed, _fonts = layout
    with Image.open(outputs["png"]) as written:
        assert written.tobytes() == image.tobytes()


def test_qr_codes_read_as_the_sms_and_the_lookup_page(
    outputs: dict[str, Path], layout: Layout
) -> None:
    _image, placed, _fonts = layout
    with Image.open(outputs["png"]) as image:
        gray = np.asarray(image.convert("L"))
    expected = {"qr-sms": "SMSTO:0912345678:HS ", "qr-web": PORTAL}
    for role, payload in expected.items():
        left, top, right, bottom = block(placed, role).box
        assert decode(gray[top:bottom, left:right]) == [payload], role
    assert sorted(decode(gray)) == sorted(expected.values())


@pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript (./dev installs it)")
def test_pdf_prints_the_same_codes(outputs: dict[str, Path], tmp_path: Path) -> None:
    """The PDF as a printer driver sees it: rendered by Ghostscript at 300 dpi."""
    printed = tmp_path / "printed.png"
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r300",
         f"-sOutputFile={printed}", str(outputs["pdf"])],
        check=True, capture_output=True,
    )  # fmt: skip
    with Image.open(printed) as image:
        assert image.size == (2480, 3508)
        gray = np.asarray(image.convert("L"))
    assert sorted(decode(gray)) == sorted(["SMSTO:0912345678:HS ", PORTAL])


def test_readable_from_two_metres(layout: Layout) -> None:
    _image, placed, fonts = layout
    faces = {"title": "bold", "syntax": "bold", "number": "bold", "example": "mono"}
    for role, face in faces.items():
        assert block(placed, role).cap_height_mm(fonts, face) >= TWO_METRES_MM, role
    assert block(placed, "number").cap_height_mm(fonts, "bold") >= 2 * TWO_METRES_MM
    for role in ("qr-sms", "qr-web"):
        left, _top, right, _bottom = block(placed, role).box
        assert (right - left) / DPI * MM_PER_INCH >= 45, role


def test_everything_is_on_the_page_and_nothing_overlaps(layout: Layout) -> None:
    image, placed, _fonts = layout
    width, height = image.size
    for item in placed:
        left, top, right, bottom = item.box
        assert MARGIN <= left < right <= width - MARGIN, item.role
        assert 0 <= top < bottom <= height - MARGIN, item.role
    for index, first in enumerate(placed):
        for second in placed[index + 1 :]:
            apart = (
                first.box[2] <= second.box[0]
                or second.box[2] <= first.box[0]
                or first.box[3] <= second.box[1]
                or second.box[3] <= first.box[1]
            )
            assert apart, (first.role, second.role)


def test_poster_says_what_it_must(layout: Layout) -> None:
    _image, placed, _fonts = layout
    texts = {item.role: item.text for item in placed}
    assert texts["title"] == "Tra cứu tình trạng hồ sơ qua tin nhắn"
    assert texts["syntax"] == "HS <mã hồ sơ>"
    assert texts["number"] == "0912 345 678"
    assert texts["example"] == f"HS {EXAMPLE_CODE}"
    assert str(parse_code(EXAMPLE_CODE)) == EXAMPLE_CODE
    assert texts["office"] == OFFICE
    assert PRICE in texts["price"]
    assert "Nhập mã hồ sơ" in texts["kiosk"]


def test_without_a_portal_there_is_one_qr_code() -> None:
    poster = Poster(parse_number("8085"), keyword="TC")
    image, placed = render(poster, find_fonts(poster.all_text()))
    roles = [item.role for item in placed]
    assert "qr-web" not in roles and "portal" not in roles
    gray = np.asarray(image)
    assert decode(gray) == ["SMSTO:8085:TC "]


@pytest.mark.parametrize(
    ("typed", "digits", "shown"),
    [
        ("0912345678", "0912345678", "0912 345 678"),
        ("0912 345 678", "0912345678", "0912 345 678"),
        ("0912.345.678", "0912345678", "0912 345 678"),
        ("+84 912 345 678", "+84912345678", "+84 912 345 678"),
        ("84912345678", "+84912345678", "+84 912 345 678"),
        ("8085", "8085", "8085"),
    ],
)
def test_numbers(typed: str, digits: str, shown: str) -> None:
    number = parse_number(typed)
    assert (number.digits, number.shown) == (digits, shown)
    assert sms_payload(number, "HS") == f"SMSTO:{digits}:HS "


@pytest.mark.parametrize("typed", ["091234567", "09123456789", "hotline", "", "12"])
def test_bad_numbers_are_refused_in_words(typed: str) -> None:
    with pytest.raises(PosterError, match="--number: expected a mobile number"):
        parse_number(typed)


def test_command_refuses_bad_options_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        ("--number", "hotline", "--out", tmp_path / "a.png"): "--number: expected",
        ("--number", NUMBER, "--out", tmp_path / "a.jpg"): "must end in .pdf or .png",
        ("--number", NUMBER, "--keyword", "HỒ SƠ", "--out", tmp_path / "a.png"): "--keyword",
        ("--number", NUMBER, "--portal", "dichvucong", "--out", tmp_path / "a.png"): "--portal",
        ("--number", NUMBER, "--example", "H30-1", "--out", tmp_path / "a.png"): "--example",
    }
    for args, message in cases.items():
        assert main([str(arg) for arg in args]) == 2, args
        assert message in capsys.readouterr().err, args
    assert list(tmp_path.iterdir()) == []


def test_no_usable_font_is_explained(tmp_path: Path) -> None:
    absent = FontSet(tmp_path / "a.ttf", tmp_path / "b.ttf", tmp_path / "c.ttf")
    with pytest.raises(PosterError, match="sudo apt-get install fonts-dejavu-core"):
        find_fonts("Tra cứu", sets=[absent])
    dejavu = FontSet(
        DEJAVU / "DejaVuSans.ttf",
        DEJAVU / "DejaVuSans-Bold.ttf",
        DEJAVU / "DejaVuSansMono-Bold.ttf",
    )
    with pytest.raises(PosterError, match="cannot write: ก"):
        find_fonts("Tra cứu ก", sets=[dejavu])
    assert find_fonts("Tra cứu tình trạng hồ sơ", sets=[absent, dejavu]) == dejavu


def test_the_web_code_leads_to_the_gateway_page_of_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text("[gateway]\npublic_url = https://tracuu.cantho.gov.vn\n", encoding="utf-8")
    out = tmp_path / "poster.png"
    assert main(["--number", NUMBER, "--config", str(config), "--out", str(out)]) == 0
    with Image.open(out) as image:
        gray = np.asarray(image.convert("L"))
    assert sorted(decode(gray)) == ["SMSTO:0912345678:HS ", "https://tracuu.cantho.gov.vn/tra-cuu"]
    config.write_text("[backend]\nurl = http://127.0.0.1:8080\n", encoding="utf-8")
    assert main(["--number", NUMBER, "--config", str(config), "--out", str(out)]) == 0
    with Image.open(out) as image:
        assert decode(np.asarray(image.convert("L"))) == ["SMSTO:0912345678:HS "]
