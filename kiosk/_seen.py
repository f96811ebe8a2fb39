"""What a scanned code that is not a dossier code holds, to tell the citizen what they showed.

"Invalid code, type it again" tells a person who scanned the wrong thing nothing. Citizens show
the kiosk what they have in hand: the QR code of their ID card (CCCD), a payment QR code, a web
link from a poster, a product barcode. Each is recognised by its well-known shape so the kiosk
can say what it saw and ask for the QR code on the receipt.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from dossier import Language
from kiosk._strings import tr

_ID_CARD = re.compile(r"\d{12}\|")
"""A CCCD's QR code: the 12-digit ID number, then the old ID, name, birth date... split by |."""
_LINK = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_PAYMENT = re.compile(r"000201")
"""EMVCo merchant QR (VietQR and every bank's payment code) starts with its format indicator."""
_PRODUCT = re.compile(r"\d{8}|\d{12,14}")


class Seen(enum.StrEnum):
    ID_CARD = "id_card"
    LINK = "link"
    PAYMENT = "payment"
    WIFI = "wifi"
    CONTACT = "contact"
    PRODUCT = "product"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class SeenCode:
    kind: Seen
    detail: str = ""

    def message(self, lang: Language) -> str:
        if self.kind is Seen.LINK:
            return tr("seen_link", lang, host=self.detail)
        if self.kind is Seen.TEXT:
            return tr("seen_text", lang, text=self.detail)
        return tr(f"seen_{self.kind.value}", lang)


def seen_code(text: str) -> SeenCode:
    """What a scanned text that holds no dossier code is."""
    text = text.strip()
    upper = text.upper()
    if _ID_CARD.match(text):
        return SeenCode(Seen.ID_CARD)
    if _LINK.match(text):
        host = urlsplit(text if "://" in text else f"http://{text}").hostname or text[:40]
        return SeenCode(Seen.LINK, host)
    if _PAYMENT.match(text):
        return SeenCode(Seen.PAYMENT)
    if upper.startswith("WIFI:"):
        return SeenCode(Seen.WIFI)
    if upper.startswith(("BEGIN:VCARD", "MECARD:")):
        return SeenCode(Seen.CONTACT)
    if _PRODUCT.fullmatch(text):
        return SeenCode(Seen.PRODUCT)
    shown = "".join(char if char.isprintable() else " " for char in text)
    return SeenCode(Seen.TEXT, shown if len(shown) <= 40 else shown[:39] + "…")
