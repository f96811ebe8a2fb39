"""Value types of the INI file: each turns the text a technician wrote into a typed value, or
says in words what it expected."""

from __future__ import annotations

import configparser
import dataclasses
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Parse = Callable[[str], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class ValueType:
    """How one key is read and shown: ``parse`` raises ValueError with what it expected."""

    parse: Parse
    expected: str
    secret: bool = False


def text() -> ValueType:
    return ValueType(lambda value: value, "text")


def secret() -> ValueType:
    """Text that is never printed back (tokens, PINs)."""
    return ValueType(lambda value: value, "text", secret=True)


def _bounded(
    convert: Callable[[str], float], minimum: float, maximum: float, expected: str
) -> ValueType:
    """A number between ``minimum`` and ``maximum`` (both allowed), read by ``convert``."""

    def parse(value: str) -> float:
        number = convert(value)
        if not minimum <= number <= maximum:
            raise ValueError(expected)
        return number

    return ValueType(parse, expected)


def integer(minimum: int, maximum: int) -> ValueType:
    return _bounded(int, minimum, maximum, f"a whole number from {minimum} to {maximum}")


def seconds(minimum: float, maximum: float) -> ValueType:
    return _bounded(float, minimum, maximum, f"a number of seconds from {minimum:g} to {maximum:g}")


def number(minimum: float, maximum: float, unit: str) -> ValueType:
    return _bounded(float, minimum, maximum, f"a number of {unit} from {minimum:g} to {maximum:g}")


def boolean() -> ValueType:
    states = configparser.ConfigParser.BOOLEAN_STATES

    def parse(value: str) -> bool:
        return states[value.lower()]

    return ValueType(parse, "yes or no")


def choice(*values: str) -> ValueType:
    """One of ``values``, in any case; the members of a StrEnum come back as members."""
    expected = "one of " + ", ".join(values)

    def parse(value: str) -> str:
        for allowed in values:
            if allowed == value.lower():
                return allowed
        raise ValueError(expected)

    return ValueType(parse, expected)


def words() -> ValueType:
    """A comma-separated list; empty means none."""

    def parse(value: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in value.split(",") if item.strip())

    return ValueType(parse, "a comma-separated list")


def names() -> ValueType:
    """A list of short names separated by commas or spaces (``H13 H51``, ``national, opencps``)."""

    def parse(value: str) -> tuple[str, ...]:
        return tuple(value.replace(",", " ").split())

    return ValueType(parse, "names separated by spaces or commas")


def url(schemes: tuple[str, ...] = ("http", "https"), *, optional: bool = False) -> ValueType:
    """A URL; when ``optional``, empty means "not set"."""
    expected = "a URL starting with " + " or ".join(f"{scheme}://" for scheme in schemes)
    expected += " or nothing" if optional else ""

    def parse(value: str) -> str:
        if not value and optional:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(expected)
        return value.rstrip("/")

    return ValueType(parse, expected)


def command() -> ValueType:
    """A command line a program runs later, split as a shell would: an unclosed quote is said
    now, naming the key, rather than as a crash when the command is first used."""
    expected = "a command line (with its quotes closed)"

    def parse(value: str) -> str:
        if not shlex.split(value):
            raise ValueError(expected)
        return value

    return ValueType(parse, expected)


def usb_id() -> ValueType:
    """A USB vendor or product id in hex, written ``0x0416`` or as ``lsusb`` shows it (``0416``);
    empty means "not set". Kept as ``0x`` and four hex digits."""
    expected = "a USB id of 4 hex digits such as 0x0416 (lsusb shows 0416), or nothing"

    def parse(value: str) -> str:
        if not value:
            return ""
        digits = value.lower().removeprefix("0x")
        if not 1 <= len(digits) <= 4:
            raise ValueError(expected)
        return f"0x{int(digits, 16):04x}"

    return ValueType(parse, expected)


def path(*, optional: bool = False) -> ValueType:
    """An absolute file path; when ``optional``, empty means "not set"."""
    expected = "an absolute path" + (" or nothing" if optional else "")

    def parse(value: str) -> Path | None:
        if not value and optional:
            return None
        if not value.startswith("/"):
            raise ValueError(expected)
        return Path(value)

    return ValueType(parse, expected)


def option(default: Any, kind: ValueType, doc: str) -> Any:
    """Declare a key of a section dataclass: its default, its type and one line of help."""
    return dataclasses.field(default=default, metadata={"kind": kind, "doc": doc})


def option_map(kind: ValueType, doc: str) -> Any:
    """Declare a family of keys ``<field>.<NAME> = value`` (such as ``custom.permits = ...``),
    read into a dict of NAME to value; ``doc`` explains one of them."""
    return dataclasses.field(default_factory=dict, metadata={"kind": kind, "doc": doc, "map": True})


@dataclasses.dataclass(frozen=True, slots=True)
class Renamed:
    """A key that a later release renamed: still read (into ``new``), with a warning to edit
    the file, so that an upgrade never stops a unit that was configured before it."""

    new: str


@dataclasses.dataclass(frozen=True, slots=True)
class Retired:
    """A key that a later release no longer uses: accepted and ignored, with a warning that
    says why (Mopidy's ``Deprecated`` config value)."""

    why: str
