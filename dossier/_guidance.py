"""What a citizen should do next, for each status, in words every channel shares.

A status alone ("Yêu cầu bổ sung hồ sơ") does not tell a citizen whether to wait, pay, bring
documents or come and collect. :func:`next_step` says it in one sentence, with the office's
own facts (:class:`OfficeGuide`: hotline, opening hours, where to collect and to pay, what to
bring), so that the SMS reply, the kiosk and the web page give the same advice. A request for
documents says what is missing (the latest history note); payment says where to pay; a
result says to bring the receipt and ID card to the pickup desk. Supplement and payment are
the citizen's turn, so no channel should call them overdue (:func:`citizens_turn`).

An office may reword any status's sentence (``OfficeGuide.steps``), with the placeholders of
:data:`PLACEHOLDERS`.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dossier._language import Language
from dossier._model import Dossier
from dossier._status import Status
from dossier._wording import format_date

PLACEHOLDERS = ("hotline", "hours", "place", "pay_at", "bring", "missing", "due")
"""Names an office's own sentence may use, as ``{place}``."""


@dataclass(frozen=True, slots=True)
class OfficeGuide:
    """The office's facts that next steps mention; empty ones are left out of the words."""

    hotline: str = ""
    opening_hours: str = ""
    collect_at: str = ""
    """Where results are collected, when a record does not say (its ``pickup_location``)."""
    pay_at: str = ""
    bring: str = ""
    """What to bring to collect a result; empty: the receipt and ID card."""
    steps: Mapping[Status, str] = field(default_factory=lambda: MappingProxyType({}))
    """An office's own sentence per status, replacing the built-in one."""


def citizens_turn(status: Status) -> bool:
    """The office waits for the citizen (documents, fees): no deadline runs against them."""
    return status in (Status.SUPPLEMENT_REQUIRED, Status.AWAITING_PAYMENT)


def unknown_placeholders(sentence: str) -> list[str]:
    """Placeholders in an office's sentence that :func:`next_step` cannot fill."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None]
    except ValueError as exc:
        return [str(exc)]
    return [name for name in names if name not in PLACEHOLDERS]


_BUILT_IN: dict[Language, dict[Status, str]] = {
    Language.VI: {
        Status.SUBMITTED: "Hồ sơ đang chờ tiếp nhận, chưa cần làm gì.",
        Status.RECEIVED: "Chưa cần làm gì, chờ đến ngày hẹn trả.",
        Status.PROCESSING: "Chưa cần làm gì, chờ đến ngày hẹn trả.",
        Status.SUPPLEMENT_REQUIRED: "Cần bổ sung: {missing}. Mang giấy tờ đến {place}.",
        Status.AWAITING_PAYMENT: "Cần nộp phí, lệ phí tại {pay_at}.",
        Status.REFUSED: "Hồ sơ không được tiếp nhận: {missing}.",
        Status.WITHDRAWN: "Hồ sơ đã rút, không cần làm gì thêm.",
        Status.STOPPED: "Hồ sơ đã dừng xử lý: {missing}.",
        Status.RESULT_READY: "Mang {bring} đến nhận kết quả tại {place}.",
        Status.DELIVERED: "Đã trả kết quả, không cần làm gì thêm.",
    },
    Language.EN: {
        Status.SUBMITTED: "Waiting to be received; nothing to do yet.",
        Status.RECEIVED: "Nothing to do; wait for the appointment date.",
        Status.PROCESSING: "Nothing to do; wait for the appointment date.",
        Status.SUPPLEMENT_REQUIRED: "Please supply: {missing}. Bring the documents to {place}.",
        Status.AWAITING_PAYMENT: "Please pay the fees at {pay_at}.",
        Status.REFUSED: "The dossier was not accepted: {missing}.",
        Status.WITHDRAWN: "The dossier was withdrawn; nothing more to do.",
        Status.STOPPED: "Processing was stopped: {missing}.",
        Status.RESULT_READY: "Bring {bring} to collect the result at {place}.",
        Status.DELIVERED: "The result was handed over; nothing more to do.",
    },
}

_WHILE_LATE: dict[Language, dict[Status, str]] = {
    Language.VI: {
        Status.RECEIVED: "Chưa cần làm gì; hãy tra cứu lại sau vài ngày.",
        Status.PROCESSING: "Chưa cần làm gì; hãy tra cứu lại sau vài ngày.",
    },
    Language.EN: {
        Status.RECEIVED: "Nothing to do yet; check again in a few days.",
        Status.PROCESSING: "Nothing to do yet; check again in a few days.",
    },
}
"""The built-in step of an office that is late, instead of "wait for the appointment date"."""

_OVERDUE = {
    Language.VI: "Hồ sơ đã quá hạn, xin lỗi vì sự chậm trễ.",
    Language.EN: "The dossier is overdue; we apologise for the delay.",
}
_CALL = {Language.VI: "Hỗ trợ: {hotline}.", Language.EN: "Help: {hotline}."}
_HOURS = {Language.VI: "Giờ làm việc: {hours}.", Language.EN: "Opening hours: {hours}."}
_NO_APPOINTMENT = {
    Language.VI: "(chưa có ngày hẹn trả)",
    Language.EN: "(no appointment yet)",
}
"""``{due}`` in an office's own sentence while the dossier has no appointment."""

_DEFAULTS = {
    Language.VI: {
        "place": "nơi nộp hồ sơ",
        "pay_at": "nơi nộp hồ sơ",
        "bring": "giấy biên nhận và CCCD",
        "missing": "xem thông báo của cơ quan",
    },
    Language.EN: {
        "place": "the office where you applied",
        "pay_at": "the office where you applied",
        "bring": "the receipt and your ID card",
        "missing": "see the office's notice",
    },
}
_WITH_HOTLINE = frozenset(
    {Status.SUPPLEMENT_REQUIRED, Status.AWAITING_PAYMENT, Status.REFUSED, Status.STOPPED}
)
_WITH_HOURS = frozenset({Status.SUPPLEMENT_REQUIRED, Status.RESULT_READY})


def _latest_note(dossier: Dossier) -> str:
    notes = [entry for entry in dossier.history if entry.note.strip()]
    if not notes:
        return ""
    return max(notes, key=lambda entry: entry.at).note.strip().rstrip(".")


def next_step(
    dossier: Dossier,
    guide: OfficeGuide,
    now: dt.datetime,
    lang: Language = Language.VI,
    *,
    hours: bool = True,
    hotline: bool = True,
    place: bool = True,
    note: bool = True,
) -> str:
    """The citizen's next action for this dossier, in plain words (with diacritics in
    Vietnamese; the SMS reply folds them). ``hours`` and ``hotline`` False leave those out,
    and ``place`` and ``note`` False put general words in place of the record's own desk
    and latest note (which a backend may make as long as it likes), for the shortest forms."""
    status = dossier.status
    values = dict(_DEFAULTS[lang])
    values.update(
        hotline=guide.hotline,
        hours=guide.opening_hours,
        due=_NO_APPOINTMENT[lang]
        if dossier.effective_due is None
        else format_date(dossier.effective_due),
    )
    for name, value in (
        ("place", (dossier.pickup_location if place else None) or guide.collect_at),
        ("pay_at", guide.pay_at),
        ("bring", guide.bring),
        ("missing", _latest_note(dossier) if note else ""),
    ):
        if value:
            values[name] = value
    overdue = dossier.overdue(now) and not citizens_turn(status)
    built_in = (_WHILE_LATE[lang] if overdue else {}).get(status) or _BUILT_IN[lang][status]
    sentence = guide.steps.get(status) or built_in
    words = [sentence.format_map(values)]
    if overdue:
        words.insert(0, _OVERDUE[lang])
    if hours and guide.opening_hours and status in _WITH_HOURS:
        words.append(_HOURS[lang].format(hours=guide.opening_hours))
    if hotline and guide.hotline and (overdue or status in _WITH_HOTLINE):
        words.append(_CALL[lang].format(hotline=guide.hotline))
    return " ".join(words)
