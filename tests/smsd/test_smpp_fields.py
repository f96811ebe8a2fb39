"""The SMPP fields both ends write alike (``smsd._smpp_fields``): numbers and their TON/NPI,
the cutting into parts, and delivery receipts read as real SMSCs write them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smsd._smpp_fields import (
    DCS_GSM7,
    DCS_UCS2,
    ESM_UDHI,
    Ton,
    address,
    encode_text,
    number,
    parts,
    receipt_fields,
    receipt_text,
)
from smsd.transports import segments


@given(st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True))
def test_a_number_goes_and_comes_back_the_same(dialled: str) -> None:
    sent = address(dialled)
    assert sent.ton == (Ton.INTERNATIONAL if dialled.startswith("+") else Ton.UNKNOWN)
    assert sent.npi == 1 and not sent.digits.startswith("+")
    assert number(sent.ton, sent.digits) == dialled


def test_the_transport_cuts_replies_as_the_simulator_cuts_messages() -> None:
    """One cutting for both: a reply's segments are the parts of its encoded text."""
    for text in ("Ho so da xong", "Hồ sơ đang xử lý " * 12, "€" * 100 + "x" * 200):
        coding, data = encode_text(text)
        assert [(s.esm_class, s.short_message) for s in segments(text, 42)] == parts(
            data, coding, 42
        )
    assert encode_text("Hồ sơ")[0] == DCS_UCS2 and encode_text("Ho so")[0] == DCS_GSM7
    cut = parts(bytes(400), DCS_GSM7, 7)
    assert [part[0] for part in cut] == [ESM_UDHI] * 3
    assert [part[1][:6] for part in cut] == [bytes((5, 0, 3, 7, 3, n)) for n in (1, 2, 3)]


def test_receipt_text_as_appendix_b_writes_it() -> None:
    text = receipt_text(
        "0A1B", "DELIVRD", "2611291842", "2611291843", "Ho so 000.00.20.H30: da xong"
    )
    assert receipt_fields(text) == {
        "id": "0A1B",
        "sub": "001",
        "dlvrd": "001",
        "submit_date": "2611291842",
        "done_date": "2611291843",
        "stat": "DELIVRD",
        "err": "000",
    }


def test_receipts_as_real_smscs_write_them() -> None:
    """Keys in any case; and the message's own text, which comes last and may say anything,
    is never taken for a field."""
    kannel_style = (
        "id:7f3a sub:001 dlvrd:000 Submit date:2611291842 Done date:2611291850 "
        "Stat:UNDELIV Err:001 Text:Hồ sơ stat:DELIVRD id:1"
    )
    fields = receipt_fields(kannel_style)
    assert (fields["id"], fields["stat"], fields["done_date"]) == ("7f3a", "UNDELIV", "2611291850")
    assert receipt_fields("id:5 stat:EXPIRED text:") == {"id": "5", "stat": "EXPIRED"}
