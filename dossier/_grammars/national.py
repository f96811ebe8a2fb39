"""``national``: the national code list's agency, ``-yymmdd-``, a 4 to 7 digit sequence.

The agency is ``aaa.bb.cc.Xnn`` (``000.00.14.H56``) or, on some provinces' receipts, only
``bb.cc.Xnn`` (``38.98.H29``), where X is H for a province or G for a ministry and the
groups may hold letters (``000.A0.01.H26``). The canonical spelling is upper case with dots
and dashes; the routing key puts the letter code first (``H56.14.00.000``).

Typos read as meant: O for 0 and I or l for 1 in every position of the code, the groups
included: letters inside real groups (``A0``) have never been seen to be O, I or L, while a
zero typed as the letter O is common. The date may follow the letter code without its dash
(``000.00.20.H302611260001``): ``Xnn`` has a fixed length, so the reading is unambiguous.

Where the code starts matters: ``00.20.H30`` is the tail of ``000.00.20.H30`` and of the
mistyped ``00.00.20.H30``. A match right after a digit is no code; a match glued by a dot to
digits before it (``00.``), or the two-group form after a short group and a space
(``000 00.20.H30``), is a mistyped agency, and is reported as one instead of being read as
a different, shorter code.
"""

from __future__ import annotations

import re

from dossier._codes import CodeError, DossierCode, Family, Problem
from dossier._grammars._base import (
    ALNUM,
    ASCII_DIGITS,
    DIGIT,
    SEQUENCE,
    Reading,
    digits,
    group_before,
    has_digit,
    is_short_group,
    receipt_date,
)
from dossier._grammars._dated import DatedGrammar

_GROUPS = rf"(?:(?P<g1>{ALNUM}{{3}})\.)?(?P<g2>{ALNUM}{{2}})\.(?P<g3>{ALNUM}{{2}})"
_LETTER_CODE = rf"(?P<letter>[HG])(?P<province>{DIGIT}{{2}})"


class National(DatedGrammar):
    family = Family.NATIONAL
    pattern = re.compile(
        rf"{_GROUPS}\.{_LETTER_CODE}[- ]?(?P<date>{DIGIT}{{6}})[- ]?(?P<seq>{SEQUENCE})"
        r"(?![0-9A-Z])"
    )
    agency = re.compile(rf"(?:{ALNUM}{{3}}\.)?{ALNUM}{{2}}\.{ALNUM}{{2}}\.[HG]{DIGIT}{{2}}")
    start = re.compile(
        rf"{ALNUM}{{3}}\.{ALNUM}{{2}}\.{ALNUM}{{2}}\.|{ALNUM}{{2}}\.{ALNUM}{{2}}\.[HG]"
    )
    runs_on = True

    def read(self, text: str, match: re.Match[str]) -> Reading | CodeError | None:
        start = match.start()
        before = text[start - 1] if start else ""
        if before in ASCII_DIGITS:
            return None
        run = group_before(text, start - 1) if before in (".", " ") else ""
        if (before == "." and has_digit(run)) or (
            before == " " and match["g1"] is None and is_short_group(run)
        ):
            written = text[start - 1 - len(run) : match.end("province")]
            return CodeError(Problem.AGENCY, written)
        groups = [digits(group) for group in (match["g1"], match["g2"], match["g3"]) if group]
        groups.append(match["letter"] + digits(match["province"]))
        date = receipt_date(match["date"])
        if isinstance(date, CodeError):
            return date
        agency = ".".join(groups)
        value = f"{agency}-{digits(match['date'])}-{digits(match['seq'])}"
        return Reading(DossierCode(self.family, value, ".".join(reversed(groups)), date))
