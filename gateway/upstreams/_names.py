"""Status names in words (VNPT iGate, LGSP answers, OpenCPS log entries) to portal statuses.

Some systems publish no status ids, only names such as "Đang xử lý", and each province may
word them its own way. Names are compared without diacritics, case or extra spaces. A name
that is not in the table is never guessed to be finished: it is answered as ``processing``
(the dossier is still somewhere in the office), counted per name so that the gateway can
export the count, and logged once so a technician can add it to the table.
"""

from __future__ import annotations

import collections
import logging
import threading

from dossier import Status, strip_diacritics

logger = logging.getLogger(__name__)


def fold_name(name: str) -> str:
    """``"  Đã tiếp nhận "`` → ``"da tiep nhan"``: the form names are compared in."""
    return " ".join(strip_diacritics(name).lower().replace(",", " ").split())


_SYNONYMS: dict[str, Status] = {
    # VNPT iGate (names seen on its citizen lookup page; ids are not published)
    "cho tiep nhan": Status.SUBMITTED,
    "moi dang ky": Status.SUBMITTED,
    "da tiep nhan": Status.RECEIVED,
    "dang xu ly": Status.PROCESSING,
    "yeu cau bo sung ho so": Status.SUPPLEMENT_REQUIRED,
    "yeu cau bo sung": Status.SUPPLEMENT_REQUIRED,
    "cho bo sung": Status.SUPPLEMENT_REQUIRED,
    "cho thuc hien nghia vu tai chinh": Status.AWAITING_PAYMENT,
    "cho thanh toan": Status.AWAITING_PAYMENT,
    "co ket qua": Status.RESULT_READY,
    "da co ket qua": Status.RESULT_READY,
    "cho tra ket qua": Status.RESULT_READY,
    "da tra ket qua": Status.DELIVERED,
    "dung xu ly": Status.STOPPED,
    "da rut ho so": Status.WITHDRAWN,
    "tu choi tiep nhan": Status.REFUSED,
    # OpenCPS's default dictionary names, as its dossier logs carry them
    "ho so moi nhan": Status.RECEIVED,
    "dang xu ly lien thong": Status.PROCESSING,
    "cho tra ket qua tai mot cua": Status.RESULT_READY,
}

NAMES: dict[str, Status] = {
    **{fold_name(status.vi): status for status in Status},
    **_SYNONYMS,
}
"""Every known name, folded, with its status: the ten portal labels and the synonyms."""


class StatusNames:
    """One upstream's name table, with the count of names it could not map."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.unmapped: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def status(self, name: str) -> Status:
        """The portal status a name means; ``processing`` (counted, logged once) if unknown."""
        known = NAMES.get(fold_name(name))
        return self.unknown(name) if known is None else known

    def unknown(self, name: str) -> Status:
        """Count and log (once) a status this upstream sent that no table maps; it is
        answered as ``processing``, never as finished."""
        folded = fold_name(name)
        with self._lock:
            first = folded not in self.unmapped
            self.unmapped[folded] += 1
        if first:
            logger.warning(
                "upstream %s: status %r is not in the table; answered as processing "
                "(add it to gateway/upstreams/_names.py)",
                self.upstream,
                name,
            )
        return Status.PROCESSING
