"""Replies cut into SMPP parts: the coding, the header, whole characters, the kept reference."""

from __future__ import annotations

import pytest
import smpplib.consts
import smpplib.gsm
from hypothesis import given
from hypothesis import strategies as st

from hardware.sms_pdu import gsm7_text
from smsd.transports import segments
from smsd.transports._segments import DCS_GSM7, DCS_UCS2, ESM_UDHI, Segment


def text_of(parts: list[Segment]) -> str:
    units = b""
    chars = ""
    for part in parts:
        body = part.short_message[6:] if part.esm_class & ESM_UDHI else part.short_message
        if part.data_coding == DCS_UCS2:
            units += body
        else:
            chars += gsm7_text(list(body))
    return chars + units.decode("utf-16-be", "surrogatepass")


def test_a_short_gsm7_reply_is_one_part_without_a_header() -> None:
    (part,) = segments("Ho so 000.00.20.H30-240115-0001: Dang xu ly", reference=9)
    assert part.data_coding == DCS_GSM7
    assert part.esm_class == 0
    assert part.short_message.startswith(b"Ho so")


def test_diacritics_go_as_ucs2() -> None:
    (part,) = segments("Hồ sơ đang xử lý", reference=9)
    assert part.data_coding == DCS_UCS2
    assert part.short_message == "Hồ sơ đang xử lý".encode("utf-16-be")


def test_a_long_reply_carries_the_given_reference_in_every_part() -> None:
    parts = segments("x" * 400, reference=300)
    assert [p.short_message[:6] for p in parts] == [
        bytes((5, 0, 3, 300 % 256, 3, number)) for number in (1, 2, 3)
    ]
    assert all(len(p.short_message) <= 6 + 153 for p in parts)


def test_a_euro_sign_at_a_part_boundary_stays_whole() -> None:
    text = "a" * 152 + "€" + "b" * 20
    parts = segments(text, reference=1)
    assert text_of(parts) == text
    assert parts[0].short_message[-1] != 0x1B


def test_smpplib_cuts_a_euro_sign_in_two_and_draws_a_random_reference() -> None:
    """Why ``segments`` exists: smpplib's own splitter breaks the escape sequence across the
    parts, and a second call for the same text gives another reference."""
    text = "a" * 152 + "€" + "b" * 20
    parts, _, _ = smpplib.gsm.make_parts(text, smpplib.consts.SMPP_ENCODING_DEFAULT)
    assert parts[0][-1] == 0x1B  # the escape ends part 1, its character starts part 2
    references = {smpplib.gsm.make_parts(text)[0][0][3] for _ in range(40)}
    assert len(references) > 1


def test_an_emoji_at_a_part_boundary_stays_whole() -> None:
    text = "á" * 66 + "😀" + "b" * 10
    parts = segments(text, reference=1)
    assert text_of(parts) == text
    assert all(len(p.short_message) <= 140 for p in parts)


@given(st.text(max_size=600))
def test_any_text_comes_back_whole_from_its_parts(text: str) -> None:
    parts = segments(text, reference=42)
    assert text_of(parts) == text
    assert all(len(p.short_message) <= 140 or p.data_coding == DCS_GSM7 for p in parts)
    assert all(len(p.short_message) <= 160 for p in parts)
    if len(parts) > 1:
        assert [p.short_message[5] for p in parts] == list(range(1, len(parts) + 1))


@pytest.mark.parametrize("text", ["", "?"])
def test_empty_and_tiny_texts_are_one_part(text: str) -> None:
    assert len(segments(text, reference=0)) == 1
