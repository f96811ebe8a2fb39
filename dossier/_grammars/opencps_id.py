"""``opencps_id``: OpenCPS's internal dossier id, as its kiosk payloads carry it.

OpenCPS's kiosk (VietOpenCPS/frontend-opencps-v2.1, ``onegate_21_kios``) accepts a typed
``D-{key}-{dossierId}``, the key being the receipt's lookup key, and its lookup links carry
``QRSCAN={dossierId}-{key}`` (:mod:`dossier._links` turns those into the typed form). The
code is the id alone, canonically ``D-{id}`` (digits, without leading zeros); the key goes
with it as the query's lookup key and never into the code, so that it stays out of URLs
paths and logs. The id is a digit position (O, I and l read as digits) but must begin with
a real digit, so that words such as ``D-LOL`` are not taken for one. Spaces may stand for
both dashes when the key is there too (``D 4656 38963``): a lone ``D 2024`` is too common
in ordinary text to be read as a code, and ``D-38963 4656`` is the id and then the key.
"""

from __future__ import annotations

import re

from dossier._codes import CodeError, DossierCode, Family, Problem
from dossier._grammars._base import ALNUM, ASCII_ALNUM, DIGIT, Grammar, Reading, digits

_KEY = rf"{ALNUM}{{4,12}}"
_ID = rf"[0-9]{DIGIT}{{0,18}}"
_KEY_ALONE = re.compile(_KEY)
_ID_ALONE = re.compile(_ID)

PREFIX = "D-"


class OpenCpsId(Grammar):
    family = Family.OPENCPS_ID
    pattern = re.compile(
        rf"D(?:-(?:(?P<key>{_KEY})-)?| (?P<spaced_key>{_KEY}) )(?P<id>{_ID})(?![0-9A-Z]|-[0-9A-Z])"
    )

    def read(self, text: str, match: re.Match[str]) -> Reading | CodeError | None:
        start = match.start()
        before = text[start - 1] if start else ""
        if before in ASCII_ALNUM or before in (".", "-"):
            return None
        value = f"{PREFIX}{int(digits(match['id']))}"
        return Reading(DossierCode(self.family, value), match["key"] or match["spaced_key"])

    def diagnose(self, candidate: str) -> CodeError | None:
        if not candidate.startswith(PREFIX):
            return None
        parts = candidate[len(PREFIX) :].split("-")
        if len(parts) > 2:
            return CodeError(Problem.DOSSIER_ID, "-".join(parts[1:]))
        if len(parts) == 2 and not _KEY_ALONE.fullmatch(parts[0]):
            return CodeError(Problem.LOOKUP_KEY, parts[0])
        if not _ID_ALONE.fullmatch(parts[-1]):
            return CodeError(Problem.DOSSIER_ID, parts[-1])
        return None
