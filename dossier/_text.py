"""Text clean-up shared by every channel that reads what citizens type or scanners emit.

Phones, keyboards and barcode scanners produce the same code in many spellings: full-width
digits from Vietnamese input methods, typographic dashes from word processors, zero-width
characters from copy and paste. Everything is folded to plain ASCII punctuation before any
pattern is applied, so one grammar serves them all.
"""

import unicodedata

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u02d7"
_DOTS = "\u3002\uff61\u2024"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

_FOLD = str.maketrans(
    {**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_DOTS, "."), **dict.fromkeys(_INVISIBLE, "")}
)

_VIETNAMESE_D = str.maketrans({"đ": "d", "Đ": "D"})


def fold_text(text: str) -> str:
    """Fold compatibility forms (full-width digits, typographic dashes) to ASCII punctuation."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def strip_diacritics(text: str) -> str:
    """Write Vietnamese without diacritics ("không dấu"), đ becoming d, as SMS replies use.

    Characters that have no base letter (emoji, symbols) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_VIETNAMESE_D))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)
