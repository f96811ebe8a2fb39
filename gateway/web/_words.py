"""Every word of the citizen lookup page, Vietnamese first.

The card's own words (status, steps, rows, due phrase, next step) and the titles of a lookup's
problems come from the domain core, as the kiosk's do (:data:`dossier.CARD_WORDS`); the rest
are the page's own: the form, the links, what a web page says that a kiosk does not.
"""

from __future__ import annotations

from dossier import CARD_WORDS, Language

LANGUAGES = tuple(Language)

WORDS: dict[str, tuple[str, str]] = {
    **CARD_WORDS,
    "site": ("Tra cứu hồ sơ", "Dossier status lookup"),
    "lead": (
        "Xem tình trạng giải quyết hồ sơ bằng mã in trên giấy biên nhận.",
        "See where your dossier stands, with the code printed on your receipt.",
    ),
    "switch": ("English", "Tiếng Việt"),
    "code_hint": (
        "In trên giấy biên nhận, ví dụ {example}",
        "Printed on your receipt, such as {example}",
    ),
    "key": ("Mã tra cứu (nếu biên nhận có)", "Lookup key (if your receipt has one)"),
    "key_needed_label": ("Mã tra cứu", "Lookup key"),
    "key_hint": (
        "Vài chữ và số in cạnh mã hồ sơ trên một số biên nhận",
        "A few letters and digits printed beside the code on some receipts",
    ),
    "submit": ("Tra cứu", "Look up"),
    "another": ("Tra cứu hồ sơ khác", "Look up another dossier"),
    "result_title": ("Hồ sơ {code}", "Dossier {code}"),
    "steps": ("Các bước giải quyết", "Progress"),
    "step_done": ("đã xong", "done"),
    "step_current": ("đang ở bước này", "current step"),
    "step_waiting": ("chưa đến", "not yet"),
    "step_stopped": ("dừng ở bước này", "stopped here"),
    "next": ("Việc cần làm", "What to do next"),
    "details": ("Thông tin hồ sơ", "Dossier details"),
    "updated": ("Cập nhật lúc {moment}", "Updated at {moment}"),
    "stale": (
        "Không kết nối được hệ thống của cơ quan. Đây là tình trạng lúc {moment}.",
        "The office's system cannot be reached. This is the status as of {moment}.",
    ),
    "invalid_hint": (
        "Hãy sửa phần bị báo sai rồi bấm Tra cứu.",
        "Correct the part named above, then press Look up.",
    ),
    "unavailable_body": (
        "Không kết nối được hệ thống của cơ quan giải quyết hồ sơ {code}. "
        "Vui lòng thử lại sau ít phút.",
        "The system of the office handling dossier {code} cannot be reached. "
        "Please try again in a few minutes.",
    ),
    "key_unconfirmed": (
        "Hệ thống của cơ quan không xác nhận mã tra cứu này, "
        "nên tên người nộp không được hiển thị.",
        "The office's system did not confirm this lookup key, so the applicant's name is not "
        "shown.",
    ),
    "key_locked": (
        "Mã tra cứu của hồ sơ này đã bị nhập sai quá nhiều lần. "
        "Vui lòng thử lại sau {minutes} phút.",
        "The lookup key of this dossier was mistyped too many times. "
        "Please try again in {minutes} minute(s).",
    ),
    "limited_title": ("Tra cứu quá nhiều lần", "Too many lookups"),
    "limited_body": (
        "Đã có quá nhiều lượt tra cứu từ địa chỉ mạng của bạn. "
        "Vui lòng thử lại sau {minutes} phút.",
        "Too many lookups came from your network address. Please try again in {minutes} minute(s).",
    ),
}


def word(key: str, lang: Language, **values: object) -> str:
    """The text of ``key`` in ``lang`` (``vi`` or ``en``), with ``values`` filled in."""
    vi, en = WORDS[key]
    text = en if lang is Language.EN else vi
    return text.format(**values) if values else text
