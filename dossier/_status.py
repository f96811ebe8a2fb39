"""The status vocabulary of the National Public Service Portal ("Cổng Dịch vụ công quốc gia").

Every channel (kiosk screen, SMS reply, status API) speaks these ten statuses by their stable
English key; the portal number and the three labels come from one table so that a kiosk and
an SMS reply can never disagree on what a status is called.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dossier._language import Language
from dossier._text import strip_diacritics


@dataclass(frozen=True, slots=True)
class _Labels:
    number: int
    vi: str
    en: str
    finished: bool


class Status(enum.StrEnum):
    """A dossier's processing status; the value is the key used by the status API."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    REFUSED = "refused"
    PROCESSING = "processing"
    SUPPLEMENT_REQUIRED = "supplement_required"
    AWAITING_PAYMENT = "awaiting_payment"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESULT_READY = "result_ready"
    DELIVERED = "delivered"

    @property
    def number(self) -> int:
        """The portal's status number, 1 to 10."""
        return _TABLE[self].number

    @property
    def vi(self) -> str:
        return _TABLE[self].vi

    @property
    def vi_ascii(self) -> str:
        """The Vietnamese label without diacritics, for GSM-7 SMS."""
        return strip_diacritics(_TABLE[self].vi)

    @property
    def en(self) -> str:
        return _TABLE[self].en

    @property
    def finished(self) -> bool:
        """Processing has ended (result issued, or the dossier left the process), so no deadline
        can be missed any more."""
        return _TABLE[self].finished

    def label(self, lang: Language = Language.VI) -> str:
        return self.en if lang == Language.EN else self.vi

    @classmethod
    def from_number(cls, number: int) -> Status:
        for status, labels in _TABLE.items():
            if labels.number == number:
                return status
        raise ValueError(f"no portal status has number {number}")

    @classmethod
    def from_opencps(cls, key: str) -> Status:
        """Map an OpenCPS dossier status key (``DossierTerm.DOSSIER_STATUS_*``), for adapters to
        OpenCPS-based provincial systems. ``new`` is a received dossier; an adapter that sees
        ``new`` without a receive date (submitted online, not yet taken in) says ``submitted``."""
        try:
            return _OPENCPS[key.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown OpenCPS status {key!r}") from None


_TABLE: dict[Status, _Labels] = {
    Status.SUBMITTED: _Labels(1, "Mới đăng ký", "Submitted", finished=False),
    Status.RECEIVED: _Labels(2, "Đã tiếp nhận", "Received", finished=False),
    Status.REFUSED: _Labels(3, "Không được tiếp nhận", "Intake refused", finished=True),
    Status.PROCESSING: _Labels(4, "Đang xử lý", "In progress", finished=False),
    Status.SUPPLEMENT_REQUIRED: _Labels(
        5, "Yêu cầu bổ sung hồ sơ", "Additional documents required", finished=False
    ),
    Status.AWAITING_PAYMENT: _Labels(
        6, "Chờ thực hiện nghĩa vụ tài chính", "Awaiting fee payment", finished=False
    ),
    Status.WITHDRAWN: _Labels(7, "Đã rút hồ sơ", "Withdrawn", finished=True),
    Status.STOPPED: _Labels(8, "Dừng xử lý", "Processing stopped", finished=True),
    Status.RESULT_READY: _Labels(
        9, "Đã có kết quả, chờ trả", "Result ready for collection", finished=True
    ),
    Status.DELIVERED: _Labels(10, "Đã trả kết quả", "Result delivered", finished=True),
}

_OPENCPS: dict[str, Status] = {
    "receiving": Status.SUBMITTED,
    "collecting": Status.SUBMITTED,
    "new": Status.RECEIVED,
    "denied": Status.REFUSED,
    "processing": Status.PROCESSING,
    "interoperating": Status.PROCESSING,
    "handover": Status.PROCESSING,
    "waiting": Status.SUPPLEMENT_REQUIRED,
    "correcting": Status.SUPPLEMENT_REQUIRED,
    "paying": Status.AWAITING_PAYMENT,
    "cancelled": Status.WITHDRAWN,
    "cancelling": Status.WITHDRAWN,
    "unresolved": Status.STOPPED,
    "pausing": Status.STOPPED,
    "releasing": Status.RESULT_READY,
    "posting": Status.RESULT_READY,
    "done": Status.DELIVERED,
}
