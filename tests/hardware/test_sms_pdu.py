"""The project's PDU codec: real phones' PDUs from other projects' test suites, and the
library it routes around.

Each real vector in ``data/real_pdus.json`` names the repository, path, commit and line it
comes from and what it decodes to there. The daemon reads received PDUs through
``hardware.modem.decode_incoming`` (this codec); python-gsmmodem-new, which still drives the
modem and encodes replies, is shown misreading some of them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from gsmmodem.pdu import Concatenation, decodeSmsPdu, encodeSmsSubmitPdu
from hypothesis import given
from hypothesis import strategies as st

from dossier import ICT
from hardware.modem import decode_incoming
from hardware.modem_sim import Alphabet, decode_deliver, decode_submit, encode_deliver
from hardware.sms_pdu import PduError, gsm7_septets, pack_septets, split_deliver, unpack_septets

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "real_pdus.json").read_text(encoding="utf-8")
)["vectors"]


def _where(vector: dict[str, Any]) -> str:
    source = vector["source"]
    return f"{source['repository']}/{source['path']}:{source['line']}"


def _vector(repository: str, path: str, line: int) -> dict[str, Any]:
    return next(
        v
        for v in VECTORS
        if (v["source"]["repository"], v["source"]["path"], v["source"]["line"])
        == (repository, path, line)
    )


def test_the_real_vectors_are_many_and_sourced() -> None:
    assert len(VECTORS) >= 70
    assert sum(v["kind"] == "deliver" for v in VECTORS) >= 44
    repositories = {v["source"]["repository"] for v in VECTORS}
    assert repositories == {
        "gammu/gammu",
        "babca/python-gsmmodem",
        "pmarti/python-messaging",
        "LineageOS/android_frameworks_opt_telephony",
    }
    assert all(len(v["source"]["commit"]) == 40 and v["source"]["line"] > 0 for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=_where)
def test_real_pdus_decode_as_their_sources_say(vector: dict[str, Any]) -> None:
    if vector["kind"] != "deliver":
        with pytest.raises(PduError):
            decode_deliver(vector["pdu"])
        incoming = decode_incoming(vector["pdu"])
        assert incoming.error and incoming.pdu == vector["pdu"]
        return
    deliver = decode_deliver(vector["pdu"])
    got = {
        "sender": deliver.sender,
        "text": deliver.text,
        "binary": deliver.binary,
        "concat": [deliver.concat.reference, deliver.concat.total, deliver.concat.number]
        if deliver.concat
        else None,
        "ports": [deliver.ports.destination, deliver.ports.source] if deliver.ports else None,
    }
    assert {key: got[key] for key in vector["expected"]} == vector["expected"]
    incoming = decode_incoming(vector["pdu"], memory="SM", index=3)
    assert incoming.error is None
    assert (incoming.sender, incoming.binary) == (deliver.sender, deliver.binary)
    if "text" in vector["expected"]:
        assert incoming.text == vector["expected"]["text"]


GAMMU = ("gammu/gammu", "tests/at-sms/39.dump", 3)
EIGHT_BIT_F5 = ("gammu/gammu", "tests/at-sms/26.dump", 3)
AOSP = (
    "LineageOS/android_frameworks_opt_telephony",
    "tests/telephonytests/src/com/android/internal/telephony/GsmSmsTest.java",
)
MMS_NOTIFICATION = (*AOSP, 78)
DIAL_STRING = (*AOSP, 54)


def test_the_library_misreads_real_pdus_that_the_codec_reads_right() -> None:
    # GSM-7 read past the stated user data length: the padding becomes text.
    vector = _vector(*GAMMU)
    assert decodeSmsPdu(vector["pdu"])["text"].endswith("11:19. buzC3e")
    assert decode_deliver(vector["pdu"]).text.endswith("11:19.")
    # 8-bit data with coding scheme F5: the library gives up with StopIteration.
    with pytest.raises(StopIteration):
        decodeSmsPdu(_vector(*EIGHT_BIT_F5)["pdu"])
    assert decode_deliver(_vector(*EIGHT_BIT_F5)["pdu"]).binary
    # An MMS notification on the WAP push port, read as GSM-7 text or not at all.
    with pytest.raises(StopIteration):
        decodeSmsPdu(_vector(*MMS_NOTIFICATION)["pdu"])
    ports = decode_deliver(_vector(*MMS_NOTIFICATION)["pdu"]).ports
    assert ports is not None and ports.destination == 2948
    # A sender with * and # in it loses them.
    assert decodeSmsPdu(_vector(*DIAL_STRING)["pdu"])["number"] == "abcdeba51"
    assert decode_deliver(_vector(*DIAL_STRING)["pdu"]).sender == "*#abc#*51"


@given(st.binary(max_size=200))
def test_no_byte_sequence_breaks_the_codec(data: bytes) -> None:
    try:
        deliver = decode_deliver(data.hex())
    except PduError:
        return
    assert isinstance(deliver.text, str) and isinstance(deliver.sender, str)


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
def test_what_the_emulator_delivers_in_gsm7_reads_back(text: str) -> None:
    deliver = decode_deliver(encode_deliver("+84912345678", text[:160], MOMENT))
    assert (deliver.sender, deliver.text, deliver.timestamp) == ("+84912345678", text[:160], MOMENT)


@given(UCS2_TEXT)
def test_what_the_emulator_delivers_in_ucs2_reads_back(text: str) -> None:
    pdu = encode_deliver("0912345678", text, MOMENT, alphabet=Alphabet.UCS2)
    incoming = decode_incoming(pdu)
    assert (incoming.sender, incoming.text) == ("0912345678", text)
    # The library reads the same; it returns emoji as lone surrogates, which join back.
    fields = decodeSmsPdu(pdu)
    assert fields["text"].encode("utf-16-le", "surrogatepass").decode("utf-16-le") == text


def test_the_library_drops_an_at_sign_that_ends_eight_septets() -> None:
    # "@" is septet 0; after 8 septets (7 octets) the library takes it for padding.
    pdu = encode_deliver("+84912345678", "0000000@", MOMENT)
    assert decodeSmsPdu(pdu)["text"] == "0000000"
    assert decode_deliver(pdu).text == "0000000@"


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
