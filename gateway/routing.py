"""Which upstream answers a code: by code family and agency prefix, as the config says.

Each ``[upstream.NAME]`` claims agency prefixes (``agencies = H30``, ``H13 H51``, ``G22.99``,
or ``*`` for any) and, optionally, code families (``families = national opencps``; empty for
all). A prefix matches a code's agency component by component, letter code first
(``H30`` matches ``H30.20.00.000`` but not ``H300``); a code without an agency part (most
OpenCPS numbers) matches only ``*``. When several upstreams claim a code, the longest
matching prefix wins, then the order of the sections in the file; no claimant means the
gateway has no system to ask, which is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.errors import GatewayError
from onestop.config import UpstreamSection

ANY = "*"
_COMPONENT = re.compile(r"[A-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Claim:
    """One upstream's claim: its agency prefixes (``()`` is ``*``) and families (empty: all)."""

    upstream: str
    prefixes: tuple[tuple[str, ...], ...]
    families: frozenset[str]


def _prefix(text: str, upstream: str) -> tuple[str, ...]:
    if text == ANY:
        return ()
    parts = tuple(text.upper().split("."))
    if not all(_COMPONENT.fullmatch(part) for part in parts):
        raise GatewayError(
            f"[upstream.{upstream}] agencies: {text!r} is not an agency prefix "
            "(such as H30, G22.99, or * for any)"
        )
    return parts


class Router:
    """Routes codes to upstream names; built once from the ``[upstream.NAME]`` sections."""

    def __init__(self, sections: Mapping[str, UpstreamSection]) -> None:
        self.claims = [
            Claim(
                name,
                tuple(_prefix(text, name) for text in section.agencies),
                frozenset(section.families),
            )
            for name, section in sections.items()
        ]

    def route(self, family: str, agency: str | None) -> str | None:
        """The upstream that answers a code of ``family`` whose agency is ``agency``."""
        parts = tuple(agency.upper().split(".")) if agency else None
        best: tuple[int, str] | None = None
        for claim in self.claims:
            if claim.families and family not in claim.families:
                continue
            for prefix in claim.prefixes:
                matches = not prefix or (parts is not None and parts[: len(prefix)] == prefix)
                if matches and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), claim.upstream)
        return None if best is None else best[1]
