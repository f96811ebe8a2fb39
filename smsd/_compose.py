"""The words of every SMS the daemon sends, fitted to the SMS size a citizen pays for.

Replies are written in Vietnamese and sent without diacritics by default, so that each one
fits a 160-character GSM-7 SMS (one accented letter would make it UCS2 and cut that to 70).
Everything in a reply is made GSM-7-safe: a procedure name or a pickup desk copied from the
backend may hold typographic dashes or quotes that would otherwise force UCS2. Each status is
followed by what to do next (``dossier.next_step``, with the office's hotline, desks and hours
from ``[guidance]``), the same advice the kiosk gives. A reply about one code is shortened,
detail by detail, until it fits one SMS; about several, until it fits the configured number
of parts. It never carries an applicant's name or ID number.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from gsmmodem.pdu import GSM7_BASIC, GSM7_EXTENDED

from backend_client import KnownStatus
from dossier import (
    EXAMPLE_CODE,
    ICT,
    CodeError,
    Dossier,
    DossierCode,
    Language,
    OfficeGuide,
    citizens_turn,
    due_phrase,
    format_date,
    format_moment,
    next_step,
    strip_diacritics,
)
from hardware.modem import submit_pdus

# "`" is excluded: python-gsmmodem-new sends it as the section sign (see the emulator tests).
_GSM7_SAFE = frozenset(GSM7_BASIC) - {"`", "\x1b"} | frozenset(GSM7_EXTENDED) - {"\xff"}
_PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
        "`": "'",
        "\t": " ",
    }
)


@dataclass(frozen=True, slots=True)
class Found:
    code: DossierCode
    dossier: Dossier


@dataclass(frozen=True, slots=True)
class NotFound:
    code: DossierCode


@dataclass(frozen=True, slots=True)
class Stale:
    """The API is down; this is the status it gave last."""

    code: DossierCode
    known: KnownStatus


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The API is down and no status was ever seen for this code."""

    code: DossierCode


@dataclass(frozen=True, slots=True)
class Invalid:
    error: CodeError


Answer = Found | NotFound | Stale | Unavailable | Invalid

_FULLEST = 5
"""The most detailed level of a reply (see :meth:`Composer._status`); 0 is the barest."""


def gsm7_safe(text: str) -> str:
    """The text in characters GSM-7 can carry: diacritics dropped, typography made plain."""
    plain = strip_diacritics(text.translate(_PLAIN))
    kept: list[str] = []
    for char in plain:
        if char in _GSM7_SAFE:
            kept.append(char)
            continue
        folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        kept.append("".join(c for c in folded if c in _GSM7_SAFE) or "?")
    return "".join(kept)


def count_parts(text: str) -> int:
    """How many SMS the modem will send for this text."""
    return len(submit_pdus("0", text, 0))


class Composer:
    """Writes replies for one configuration (alphabet, part limit, suggested keyword)."""

    def __init__(
        self,
        *,
        alphabet: str = "gsm7",
        max_parts: int = 3,
        keyword: str = "HS",
        example: str = EXAMPLE_CODE,
        guide: OfficeGuide | None = None,
        web: str = "",
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ICT),
    ) -> None:
        self.alphabet = alphabet
        self.max_parts = max_parts
        self.keyword = keyword
        self.example = example
        self.guide = guide or OfficeGuide()
        self.web = web
        """The lookup page the help reply names, when it fits (see :mod:`onestop.links`)."""
        self._now = clock

    def _finish(self, text: str) -> str:
        return gsm7_safe(text) if self.alphabet == "gsm7" else text.translate(_PLAIN)

    def fits(self, text: str) -> bool:
        return count_parts(text) <= self.max_parts

    def _fit(self, variants: list[str], *, one_sms: bool = False) -> str:
        """The most detailed variant that fits (one SMS first when ``one_sms``); the shortest
        one cut to fit if none does."""
        finished = [self._finish(variant) for variant in variants]
        if one_sms:
            single = next((text for text in finished if count_parts(text) == 1), None)
            if single is not None:
                return single
        for text in finished:
            if self.fits(text):
                return text
        text = finished[-1]
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.fits(text[:middle] + "..."):
                low = middle
            else:
                high = middle - 1
        return text[:low] + "..."

    def usage(self) -> str:
        full = (
            f"Tra cứu hồ sơ: soạn {self.keyword} <mã hồ sơ> gửi số này. "
            f"Ví dụ: {self.keyword} {self.example}. Mã hồ sơ in trên giấy biên nhận."
        )
        short = f"Soạn {self.keyword} <mã hồ sơ>, ví dụ {self.keyword} {self.example}"
        web = [f"{full} Tra cứu trên web: {self.web}", f"{short}. Web: {self.web}"]
        return self._fit([*(web if self.web else []), full, short])

    def incomplete(self) -> str:
        """For a long message whose part holding the code never arrived."""
        return self._fit(
            [
                "Tin nhắn của bạn đến không đầy đủ, vui lòng gửi lại. "
                f"Soạn {self.keyword} <mã hồ sơ> gửi số này.",
                "Tin nhắn đến không đầy đủ, vui lòng gửi lại.",
            ]
        )

    def limit_notice(self) -> str:
        return self._fit(
            ["Số điện thoại này đã tra cứu quá nhiều lần. Vui lòng thử lại sau 1 giờ."]
        )

    def reply(self, answers: list[Answer], *, dropped: int = 0) -> str:
        """One reply for all the codes of one message."""
        now = self._now()
        details = [
            "\n".join(self._line(answer, now, level) for answer in answers)
            + (f"\n(Chỉ tra 3 mã đầu; còn {dropped} mã chưa tra.)" if dropped else "")
            for level in range(_FULLEST, -1, -1)
        ]
        # One code, without diacritics: the citizen pays for one SMS (with them, 70 characters
        # could not say the next step, and the office chose the parts it pays for).
        one_sms = self.alphabet == "gsm7" and len(answers) == 1 and not dropped
        return self._fit(details, one_sms=one_sms)

    def _line(self, answer: Answer, now: dt.datetime, level: int) -> str:
        """One code's answer; ``level`` :data:`_FULLEST` is the fullest, 0 the barest."""
        if isinstance(answer, Invalid):
            return f"Mã hồ sơ không đúng: {answer.error.message(Language.VI)}"
        if isinstance(answer, NotFound):
            tail = " Vui lòng kiểm tra lại mã trên giấy biên nhận." if level else ""
            return f"{answer.code}: không tìm thấy hồ sơ.{tail}"
        if isinstance(answer, Unavailable):
            return f"{answer.code}: hệ thống tra cứu đang gián đoạn, vui lòng thử lại sau."
        if isinstance(answer, Stale):
            moment = format_moment(answer.known.fetched_at)
            body = self._status(answer.known.dossier, now, level)
            return f"{answer.code} (cập nhật lúc {moment}): {body}"
        return f"{answer.code}: {self._status(answer.dossier, now, level)}"

    def _status(self, dossier: Dossier, now: dt.datetime, level: int) -> str:
        """Status, appointment (while the office holds the dossier) and the next step; level 5
        is the fullest (with opening hours and hotline), 4 keeps the hotline, 3 the next step
        alone, 2 and 1 put general words for the record's desk, then its note (long ones would
        leave no room for the step at all), 0 is the status alone."""
        status = dossier.status
        parts = [status.vi]
        if not status.finished and not citizens_turn(status) and level >= 4:
            due = f"Hẹn trả {format_date(dossier.effective_due)}"
            if dossier.rescheduled and level >= 5:
                due += " (đã hẹn lại)"
            parts.append(due)
            phrase = due_phrase(dossier, now)
            if phrase and not dossier.overdue(now):
                parts.append(phrase)
        text = ". ".join(parts) + "."
        if level >= 1:
            step = next_step(
                dossier,
                self.guide,
                now,
                Language.VI,
                hours=level >= 5,
                hotline=level >= 4,
                place=level >= 3,
                note=level >= 2,
            )
            text += " " + step
        return text
