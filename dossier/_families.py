"""Which code families a deployment accepts: ``[codes]`` in the configuration.

Every parsing function takes a :class:`CodeFamilies` explicitly (default: every built-in
family, no custom one), so that two deployments in one process, or a test, never share a
global setting. A deployment narrows the built-in list (``families = national, opencps``)
and adds families of its own as regular expressions (``custom.permits = GP[0-9]{6}``).

A custom expression is matched against whole words of the cleaned-up text (upper case,
at most 64 characters, surrounding punctuation removed), after the built-in families have
had their turn; the word, upper-cased, is the code's canonical spelling, and a named group
``agency`` gives its routing key. Matching one word at a time bounds what a badly written
expression can cost.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from dossier._codes import CUSTOM_PREFIX, Family

_NAME = re.compile(r"[A-Za-z0-9_]{1,40}")


class CodeFamiliesError(ValueError):
    """A ``[codes]`` setting cannot be used; ``problems`` names each key and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class CustomFamily:
    """A deployment's own code shape: ``custom.NAME = regex``."""

    name: str
    pattern: re.Pattern[str]

    @property
    def family(self) -> str:
        """The family's name wherever families are named: ``custom.NAME``."""
        return CUSTOM_PREFIX + self.name


@dataclass(frozen=True, slots=True)
class CodeFamilies:
    """The built-in families a deployment accepts, in order, and its custom ones."""

    built_in: tuple[Family, ...] = tuple(Family)
    custom: tuple[CustomFamily, ...] = ()

    @classmethod
    def default(cls) -> CodeFamilies:
        """Every built-in family and no custom one: what a unit accepts unless told."""
        return DEFAULT_FAMILIES

    @classmethod
    def from_config(cls, families: Iterable[str], custom: Mapping[str, str]) -> CodeFamilies:
        """Families from ``[codes]``: built-in names, and NAME to regular expression.

        Raises :class:`CodeFamiliesError` naming every bad key.
        """
        problems: list[str] = []
        built_in: list[Family] = []
        for name in families:
            try:
                family = Family(name.strip().lower())
            except ValueError:
                close = difflib.get_close_matches(
                    name.strip().lower(), [str(f) for f in Family], n=1
                )
                hint = f"did you mean {close[0]!r}?" if close else "expected " + ", ".join(Family)
                problems.append(f"families: {name!r} is not a code family; {hint}")
                continue
            if family not in built_in:
                built_in.append(family)
        customs = []
        for name, expression in custom.items():
            key = f"custom.{name}"
            if not _NAME.fullmatch(name):
                problems.append(f"{key}: the name may hold only letters, digits and _")
                continue
            try:
                pattern = re.compile(expression, re.IGNORECASE)
            except re.error as exc:
                problems.append(f"{key}: not a regular expression: {exc}")
                continue
            if pattern.fullmatch(""):
                problems.append(f"{key}: matches an empty word, so any word would be a code")
                continue
            customs.append(CustomFamily(name, pattern))
        if not built_in and not customs and not problems:
            problems.append("families: no code family is enabled, so no code could be read")
        if problems:
            raise CodeFamiliesError(problems)
        return cls(tuple(built_in), tuple(customs))

    @property
    def names(self) -> tuple[str, ...]:
        """Every enabled family's name (``national``, ..., ``custom.NAME``)."""
        return (*(family.value for family in self.built_in), *(c.family for c in self.custom))

    def __contains__(self, family: object) -> bool:
        return family in self.names


DEFAULT_FAMILIES: Final = CodeFamilies()
"""Every built-in family, no custom one (:meth:`CodeFamilies.default`)."""
