"""The emulator's PDU codec against python-gsmmodem-new's: two independent readings agree."""

from __future__ import annotations

import datetime as dt

import pytest
from gsmmodem.pdu import Concatenation, decodeSmsPdu, encodeSmsSubmitPdu
from hypothesis import given
from hypothesis import strategies as st

from dossier import ICT
from hardware.modem_sim import Alphabet, decode_deliver, decode_submit, encode_deliver
from hardware.modem_sim._pdu import gsm7_septets, pack_septets, split_deliver, unpack_septets

MOMENT = dt.datetime(2024, 1, 15, 9, 30, 5, tzinfo=ICT)
GSM7_TEXT = st.text(
    alphabet=st.sampled_from(
        list("@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?")
        + list("¡ABCXYZÄÖÑÜ¿abcxyzäöñüà^{}\\[~]|€")
    ),
    max_size=200,
)
# Vietnamese letters and emoji push a message into UCS2.
UCS2_TEXT = st.text(
    alphabet=st.sampled_from(
        [*list("aăâbcdđeêghiklmnoôơpqrstuưvxyạảãàáặẳẵằắậẩẫầấđĐệểễềếợởỡờớ"), "😀", "🙏", " ", "."]
    ),
    min_size=1,
    max_size=35,
)


@given(st.lists(st.integers(0, 127), max_size=300), st.integers(0, 6))
def test_septet_packing_round_trips(septets: list[int], fill: int) -> None:
    assert unpack_septets(pack_septets(septets, fill), len(septets), fill) == septets


def test_known_pdu_from_the_standard() -> None:
    # "hellohello" packed into septets is a textbook example (GSM 03.38).
    assert pack_septets(gsm7_septets("hellohello")).hex().upper() == "E8329BFD4697D9EC37"


@given(GSM7_TEXT)
def test_library_reads_what_the_emulator_delivers_in_gsm7(text: str) -> None:
    pdu = encode_deliver("+84912345678", text[:160], MOMENT)
    fields = decodeSmsPdu(pdu)
    assert fields["number"] == "+84912345678"
    assert fields["text"] == text[:160].replace("§", "`")
    assert fields["time"] == MOMENT


@given(UCS2_TEXT)
def test_library_reads_what_the_emulator_delivers_in_ucs2(text: str) -> None:
    pdu = encode_deliver("0912345678", text, MOMENT, alphabet=Alphabet.UCS2)
    fields = decodeSmsPdu(pdu)
    # The library returns emoji as lone surrogates; joined back they are the same text.
    assert fields["text"].encode("utf-16-le", "surrogatepass").decode("utf-16-le") == text
    assert fields["number"] == "0912345678"


@given(st.text(alphabet=st.sampled_from(list("Hoso 0123456789.-:,ABCDEFGH")), max_size=480))
def test_emulator_reads_what_the_library_submits(text: str) -> None:
    pdus = encodeSmsSubmitPdu("+84912345678", text, reference=7, requestStatusReport=False)
    decoded = [decode_submit(str(pdu)) for pdu in pdus]
    assert "".join(part.text for part in decoded) == text
    for pdu, part in zip(pdus, decoded, strict=True):
        assert part.destination == "+84912345678"
        assert part.tpdu_length == pdu.tpduLength
        assert part.alphabet is Alphabet.GSM7
    if len(pdus) > 1:
        assert [part.concat.number for part in decoded if part.concat] == list(
            range(1, len(pdus) + 1)
        )


def test_emulator_reads_vietnamese_with_diacritics_from_the_library() -> None:
    text = "Hồ sơ 000.00.20.H30-240115-0001: Đang xử lý. Hẹn trả 20/01/2024. " * 3
    pdus = encodeSmsSubmitPdu("0912345678", text, reference=3, requestStatusReport=False)
    decoded = [decode_submit(str(pdu)) for pdu in pdus]
    assert all(part.alphabet is Alphabet.UCS2 for part in decoded)
    assert "".join(part.text for part in decoded) == text


def test_library_sends_a_backtick_as_the_section_sign() -> None:
    # python-gsmmodem-new's GSM-7 table has "`" where TS 23.038 has "§" (0x5F); the
    # independent codec sees what a phone would show. Replies therefore never use "`".
    (pdu,) = encodeSmsSubmitPdu("0912345678", "a`b", requestStatusReport=False)
    assert decode_submit(str(pdu)).text == "a§b"


@pytest.mark.parametrize("wide", [False, True])
def test_concatenated_delivery_carries_headers_the_library_reads(wide: bool) -> None:
    text = "Tra cứu hồ sơ " * 20
    pdus = split_deliver(
        "+84912345678", text, MOMENT, reference=300 if wide else 42, wide_reference=wide
    )
    headers = []
    texts = []
    for pdu in pdus:
        fields = decodeSmsPdu(pdu)
        (concat,) = [ie for ie in fields["udh"] if isinstance(ie, Concatenation)]
        headers.append((concat.reference, concat.parts, concat.number))
        texts.append(fields["text"])
        assert decode_deliver(pdu).concat is not None
    assert headers == [(300 if wide else 42, len(pdus), n) for n in range(1, len(pdus) + 1)]
    assert "".join(texts) == text


def test_alphanumeric_sender_round_trips() -> None:
    pdu = encode_deliver("Viettel", "Khuyen mai", MOMENT)
    assert decode_deliver(pdu).sender == "Viettel"
    assert decodeSmsPdu(pdu)["number"] == "Viettel"
