"""``national_short``: the national portal's letter-first agency, ``-yymmdd-``, a sequence.

``G22.99.09-240114-0001``, ``G22.99-251225-020175``, and the ``H30.20-241203-0158`` that this
project accepted first: the letter code (H or G and two digits), then one to three groups of
one to three digits. The agency is already written letter code first, so it is its own
routing key. The date needs its dash (or a space): the last group has no fixed length, so
``H30.202412030158`` cannot be split with certainty; the dash between date and sequence may
be left out.
"""

from __future__ import annotations

import re

from dossier._codes import CodeError, DossierCode, Family
from dossier._grammars._base import (
    ASCII_DIGITS,
    DIGIT,
    SEQUENCE,
    Reading,
    digits,
    group_before,
    is_short_group,
    receipt_date,
)
from dossier._grammars._dated import DatedGrammar

_AGENCY = rf"[HG]{DIGIT}{{2}}(?:\.{DIGIT}{{1,3}}){{1,3}}"


class NationalShort(DatedGrammar):
    family = Family.NATIONAL_SHORT
    pattern = re.compile(
        rf"(?P<agency>{_AGENCY})[- ](?P<date>{DIGIT}{{6}})[- ]?(?P<seq>{SEQUENCE})(?![0-9A-Z])"
    )
    agency = re.compile(_AGENCY)
    start = re.compile(rf"[HG]{DIGIT}{{2}}\.{DIGIT}")
    runs_on = False

    def read(self, text: str, match: re.Match[str]) -> Reading | CodeError | None:
        start = match.start()
        before = text[start - 1] if start else ""
        if before in ASCII_DIGITS or (
            before == "." and is_short_group(group_before(text, start - 1))
        ):
            return None
        date = receipt_date(match["date"])
        if isinstance(date, CodeError):
            return date
        agency = match["agency"][0] + digits(match["agency"][1:])
        value = f"{agency}-{digits(match['date'])}-{digits(match['seq'])}"
        return Reading(DossierCode(self.family, value, agency, date))
