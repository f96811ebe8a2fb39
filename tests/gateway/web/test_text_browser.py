"""The lookup page without JavaScript or CSS, as a text browser (w3m) shows it and sends it."""

from __future__ import annotations

import re

from gateway.web import PAGE_PATH
from tests.browser_support import text_dump
from tests.gateway.web.conftest import KEY, KEYED, PROCESSING, PROCESSING_DATE, PROCESSING_KEY


def test_the_form_reads_in_order(site: str) -> None:
    shown = text_dump(f"{site}{PAGE_PATH}")
    at = 0
    for label in ("Tra cứu hồ sơ", "English", "Mã hồ sơ", "[", "Mã tra cứu", "[", "Tra cứu"):
        at = shown.index(label, at) + len(label)  # each one after the one before
    boxes = [line.strip() for line in shown.splitlines() if "[" in line]
    # Each field on its own line: no label or button runs on after a field's box.
    assert len(boxes) == 2 and all(re.fullmatch(r"\[ *\]", box) for box in boxes), boxes


def test_sending_the_form_shows_the_result(site: str) -> None:
    shown = text_dump(f"{site}{PAGE_PATH}", post={"ma": f"{PROCESSING} {PROCESSING_KEY}"})
    lines = [line.strip() for line in shown.splitlines()]
    assert "Đang xử lý" in lines
    assert "Nguyễn Văn An" in shown
    assert "Tiếp nhận (đã xong)" in shown.replace("\n", " ")
    # The tracker's numbers are the list's own, not said twice ("1. 1Tiếp nhận").
    assert "1. Tiếp nhận (đã xong)" in lines and "2. Đang xử lý (đang ở bước" in shown


def test_a_key_sent_to_the_dossier_address(site: str) -> None:
    asked = text_dump(f"{site}{PAGE_PATH}/{KEYED}")
    assert "Nhập mã tra cứu in trên biên nhận" in asked
    shown = text_dump(f"{site}{PAGE_PATH}/{KEYED}", post={"key": KEY})
    assert "Nguyễn Văn An" in shown


def test_a_redirected_code_is_followed(site: str) -> None:
    typed = f"000.00.20.h30%20{PROCESSING_DATE}%200001"
    shown = text_dump(f"{site}{PAGE_PATH}?ma={typed}&lang=en")
    assert "In progress" in shown and PROCESSING in shown
