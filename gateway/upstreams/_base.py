"""What every upstream adapter is: one one-stop system's answer turned into a status record.

An adapter knows one system's API (OpenCPS, VNPT iGate, an LGSP, another status API) and
nothing of the gateway around it: routing, caching, concurrency limits, time-outs and the
circuit breaker live in the gateway, so an adapter stays a small translation that a
simulator of its system can test completely.

Exceptions::

    Exception
    └── UpstreamError        the upstream gave no status record for this lookup
        ├── NotFound         it has no dossier with this code
        ├── KeyRequired      it shows nothing about this dossier without the receipt's key
        ├── KeyRejected      the key given with the code is wrong
        ├── Unavailable      no answer now: time-out, reset, 5xx, 429, our own login refused
        └── BadAnswer        it answered, but not with something we can trust
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import httpx

from dossier import Dossier, DossierCode, Rating
from onestop.config import UpstreamSection


class UpstreamError(Exception):
    """The upstream gave no status record; the message is for a technician's log."""


class NotFound(UpstreamError):
    """The upstream has no dossier with this code."""


class KeyRequired(UpstreamError):
    """The upstream shows nothing about this dossier without the receipt's lookup key."""


class KeyRejected(UpstreamError):
    """The lookup key given with the code does not match (OpenCPS answers HTTP 203)."""


class Unavailable(UpstreamError):
    """No answer now; worth retrying later. ``retry_after`` is the upstream's hint, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadAnswer(UpstreamError):
    """An answer that breaks the system's own format: not JSON, too large, wrong shape."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A status record in the contract's terms.

    ``dossier.applicant`` is set only when the upstream itself verified the lookup key
    (``key_verified``); whatever else the upstream said about the applicant is dropped by the
    adapter and never reaches this record.
    """

    dossier: Dossier
    key_verified: bool = False


class Upstream(abc.ABC):
    """One configured upstream system; built once per ``[upstream.NAME]`` section.

    ``http`` is the gateway's client for this upstream (its base URL, limits and time-outs
    already set from the section). It refuses an answer larger than the section's ``max_body``
    by raising :class:`BadAnswer` while the body is read, so an adapter reads bodies with it as
    usual; adapters never log a lookup key.
    """

    kind: ClassVar[str]
    """The ``type`` value of the config section that selects this adapter."""

    def __init__(self, name: str, settings: UpstreamSection, http: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self.http = http

    @abc.abstractmethod
    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        """The dossier's status, or one of the :class:`UpstreamError` subclasses."""

    async def rate(self, code: DossierCode, rating: Rating) -> bool:
        """Pass a citizen's satisfaction rating of this dossier on to the system.

        True once the system has it; False when the system has no rating API (the default),
        and the gateway keeps the rating itself. Raises :class:`Unavailable` when the system
        should be asked again later.
        """
        return False

    @property
    def unmapped_statuses(self) -> Mapping[str, int]:
        """Statuses this upstream sent that no table maps (each answered as processing),
        with how often, for the gateway's metrics."""
        return {}

    async def aclose(self) -> None:  # noqa: B027 (a hook most adapters need not override)
        """Release what the adapter holds beyond ``http`` (which the gateway closes)."""
