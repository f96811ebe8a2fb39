"""What the poster says: the published number, the syntax, a worked example, the QR payloads.

The words follow the kiosk's own ("Nhập mã hồ sơ", "biên nhận") so that a citizen meets the
same wording on the notice board, on the kiosk and in the SMS replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from dossier import EXAMPLE_CODE, CodeError, parse_code
from provision.poster._errors import PosterError

TITLE = "Tra cứu tình trạng hồ sơ qua tin nhắn"
COMPOSE = "Soạn tin nhắn theo cú pháp:"
PLACEHOLDER = "<mã hồ sơ>"
SEND_TO = "gửi đến số"
EXAMPLE = "Ví dụ:"
SEND = "gửi"
REPLY = (
    "Hệ thống tự động nhắn lại tình trạng giải quyết hồ sơ, ngày hẹn trả kết quả "
    "và nơi nhận kết quả."
)
WHERE_CODE = "Mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả (biên nhận)."
PRICE = "Cước phí: {note}"
QR_SMS = "Quét mã để soạn sẵn tin nhắn"
QR_WEB = "Quét mã để tra cứu trên trang web"
KIOSK_TITLE = "Tại ki-ốt tra cứu:"
KIOSK = (
    "Đưa mã QR hoặc mã vạch trên biên nhận vào trước camera, hoặc bấm “Nhập mã hồ sơ” rồi gõ mã."
)

_MOBILE = re.compile(r"0\d{9}")
_INTERNATIONAL = re.compile(r"\+?84(\d{9})")
_SHORT_CODE = re.compile(r"\d{3,6}")


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """The number citizens text: dialled as ``digits``, printed as ``shown``."""

    digits: str
    shown: str


def parse_number(text: str) -> PhoneNumber:
    """A Vietnamese mobile number (0912345678, +84 912 345 678) or a short code (8085)."""
    compact = re.sub(r"[\s.\-()]", "", text)
    if _MOBILE.fullmatch(compact):
        return PhoneNumber(compact, f"{compact[:4]} {compact[4:7]} {compact[7:]}")
    international = _INTERNATIONAL.fullmatch(compact)
    if international:
        local = international.group(1)
        return PhoneNumber(f"+84{local}", f"+84 {local[:3]} {local[3:6]} {local[6:]}")
    if _SHORT_CODE.fullmatch(compact):
        return PhoneNumber(compact, compact)
    raise PosterError(
        f"--number: expected a mobile number such as 0912345678 or +84912345678, or a short "
        f"code such as 8085; got {text!r}"
    )


def parse_keyword(text: str) -> str:
    keyword = " ".join(text.split()).upper()
    if not re.fullmatch(r"[A-Z0-9]+( [A-Z0-9]+)*", keyword) or len(keyword) > 12:
        raise PosterError(
            f"--keyword: expected a short word of letters and digits without diacritics, "
            f"such as HS or TC; got {text!r}"
        )
    return keyword


def parse_portal(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PosterError(f"--portal: expected a web address starting with https://, got {text!r}")
    return text


def parse_example(text: str) -> str:
    try:
        return str(parse_code(text))
    except CodeError as exc:
        raise PosterError(f"--example: {exc}") from None


def sms_payload(number: PhoneNumber, keyword: str) -> str:
    """A QR payload that opens the phone's messaging app on the number with the keyword and a
    space already typed (the ``SMSTO:`` form, read by the cameras of Android and iOS)."""
    return f"SMSTO:{number.digits}:{keyword} "


@dataclass(frozen=True)
class Poster:
    """Everything the poster shows."""

    number: PhoneNumber
    keyword: str = "HS"
    portal: str | None = None
    office: str | None = None
    price_note: str | None = None
    example: str = EXAMPLE_CODE

    def all_text(self) -> str:
        """Every character the poster will print, to check the fonts against."""
        parts = [
            TITLE, COMPOSE, PLACEHOLDER, SEND_TO, EXAMPLE, SEND, REPLY, WHERE_CODE, PRICE,
            QR_SMS, QR_WEB, KIOSK_TITLE, KIOSK, self.keyword, self.number.shown, self.example,
            self.portal or "", self.office or "", self.price_note or "",
        ]  # fmt: skip
        return "".join(parts)
