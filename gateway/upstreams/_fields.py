"""Reading an upstream's JSON field by field, with the rigour of ``dossier_from_json``.

A record built from half an answer is worse than none: a kiosk would show a wrong status
with confidence. So every value an adapter uses is read through :class:`Fields`, which
accepts exactly the types the system's own code produces and turns anything else into a
:class:`BadAnswer` naming the system, the field and what was expected. Values of personal
fields are never quoted in those messages (they end up in logs).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Any

from dossier import ICT
from gateway.upstreams._base import BadAnswer

MAX_TEXT = 2000
"""Longest text taken from an upstream; procedure names run to a few hundred characters."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=ICT)
_LATEST = dt.datetime(2100, 1, 1, tzinfo=ICT)


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def kind_of(value: object) -> str:
    """A JSON value's kind in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


class Fields:
    """One JSON object of an answer; ``where`` names it in messages ("OpenCPS dossier")."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise BadAnswer(f"{where}: expected a JSON object, got {kind_of(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def bad(self, name: str, expected: str, value: object, *, personal: bool = False) -> BadAnswer:
        got = kind_of(value) if personal else _shown(value)
        return BadAnswer(f"{self.where}: field {name!r}: expected {expected}, got {got}")

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def text(self, name: str, *, personal: bool = False, numbers: bool = False) -> str | None:
        """A string, stripped; None when absent, null or empty. ``numbers`` also takes an
        integer (OpenCPS writes some ID numbers as JSON numbers)."""
        value = self.data.get(name)
        if value is None:
            return None
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            expected = "a string or a whole number" if numbers else "a string"
            raise self.bad(name, expected, value, personal=personal)
        if len(value) > MAX_TEXT:
            raise self.bad(name, f"at most {MAX_TEXT} characters", value, personal=True)
        if _CONTROL.search(value):
            raise self.bad(name, "text without control characters", value, personal=personal)
        return value.strip() or None

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise self.bad(name, "a non-empty string", self.data.get(name))
        return value

    def integer(self, name: str) -> int | None:
        """A whole number (or its decimal string); None when absent, null or empty."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(name, "a whole number", value)
        return value

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.bad(name, "a number", value)
        if not math.isfinite(value):
            raise self.bad(name, "a finite number", value)
        return float(value)

    def obj(self, name: str) -> Fields | None:
        """A nested object; None when absent or null."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.bad(name, "an object", value)
        return Fields(value, f"{self.where}.{name}")

    def objects(self, name: str) -> Iterator[Fields]:
        """The objects of a list (absent or null: none)."""
        value = self.data.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            raise self.bad(name, "a list", value)
        for index, item in enumerate(value):
            yield Fields(item, f"{self.where}.{name}[{index}]")

    def time(self, name: str, pattern: str) -> dt.datetime | None:
        """A Vietnam-time string in a strptime ``pattern``; None when absent, null or ""."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return _bounded(dt.datetime.strptime(value, pattern).replace(tzinfo=ICT))
        except ValueError:
            raise self.bad(name, f"a time like {_EXAMPLES.get(pattern, pattern)}", value) from None

    def iso_time(self, name: str) -> dt.datetime | None:
        """An ISO 8601 time with its UTC offset (``2025-09-05T08:12:30.000+0700``)."""
        value = self.text(name)
        if value is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(value)
            return _bounded(parsed)
        except ValueError:
            raise self.bad(name, "an ISO 8601 time with its offset", value) from None

    def millis(self, name: str) -> dt.datetime | None:
        """Epoch milliseconds; None when absent, null or 0 (OpenCPS's "no date")."""
        value = self.data.get(name)
        if value is None or value == 0:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(name, "epoch milliseconds", value)
        try:
            moment = dt.datetime.fromtimestamp(value / 1000, ICT)
            return _bounded(moment.replace(microsecond=0))
        except (ValueError, OverflowError, OSError):
            raise self.bad(name, "epoch milliseconds of a real time", value) from None


_EXAMPLES = {"%d/%m/%Y %H:%M:%S": "21/11/2018 09:24:43", "%Y%m%d%H%M%S": "20181121092443"}


def _bounded(moment: dt.datetime) -> dt.datetime:
    """Refuse times no dossier can have (a year 1970 from a zero, or 9999)."""
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError(moment)
    return moment
