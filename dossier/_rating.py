"""A citizen's satisfaction rating of how a dossier was handled, as every channel offers it.

Hậu Giang's own rating tablet offers three buttons tied to the dossier number (RẤT HÀI LÒNG,
HÀI LÒNG, KHÔNG HÀI LÒNG); the kiosk shows the same three, the status API carries the stable
English key, and an upstream that has a voting API (OpenCPS) receives it in its own terms.
"""

from __future__ import annotations

import enum

from dossier._language import Language


class Rating(enum.StrEnum):
    """One rating; the value is the key used by the status API."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"

    @property
    def vi(self) -> str:
        return _LABELS[self][0]

    @property
    def en(self) -> str:
        return _LABELS[self][1]

    def label(self, lang: Language = Language.VI) -> str:
        """The button's words in ``lang``, as :meth:`Status.label`."""
        return self.en if lang == Language.EN else self.vi


class Channel(enum.StrEnum):
    """Where a citizen looked the dossier up (and rated it)."""

    KIOSK = "kiosk"
    SMS = "sms"
    WEB = "web"


_LABELS = {
    Rating.VERY_SATISFIED: ("Rất hài lòng", "Very satisfied"),
    Rating.SATISFIED: ("Hài lòng", "Satisfied"),
    Rating.UNSATISFIED: ("Không hài lòng", "Not satisfied"),
}
