"""Who is asking, and whether they may: client tokens, rate limits, not-found limits.

A province gives each kiosk and SMS box its own token (``[gateway] clients_file``); without
that file lookups are open to anyone, as a province's public portal is. Limits apply per
client, or per address for callers without a token (the citizens' web page, an open
gateway). Behind a reverse proxy the address is the one the proxy names in
``X-Forwarded-For``, and only for proxies listed in ``[gateway] trusted_proxies`` (uvicorn
reads the header; see :mod:`gateway.server`).

The not-found limit blunts enumeration: codes run in sequence per agency and day, so someone
who walks through them meets mostly "not found"; after ``not_found_limit`` of those in an
hour a client's lookups wait, whatever they look up, so that walking on tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.clients import ClientRegistry
from gateway.limits import KeyedLimiter
from onestop.config import GatewaySection

HOUR = 3600.0
MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Caller:
    """A client by its name (a token) or, without one, by its address."""

    name: str | None
    address: str

    @property
    def anonymous(self) -> bool:
        return self.name is None

    @property
    def key(self) -> str:
        return self.address if self.name is None else f"client:{self.name}"

    @property
    def label(self) -> str:
        """How the access log names it (addresses are logged on their own)."""
        return self.name or "-"


class Access:
    def __init__(self, settings: GatewaySection, clients: ClientRegistry | None) -> None:
        self.clients = clients
        self._rate = KeyedLimiter(settings.rate_limit, MINUTE)
        self._anonymous_rate = KeyedLimiter(settings.anonymous_rate_limit, MINUTE)
        self._not_found = KeyedLimiter(settings.not_found_limit, HOUR)
        self._anonymous_not_found = KeyedLimiter(settings.anonymous_not_found_limit, HOUR)

    @property
    def open(self) -> bool:
        """Lookups need no token."""
        return self.clients is None

    def identify(self, authorization: str | None, address: str) -> Caller | None:
        """The caller of a request with this ``Authorization`` header; None when a token is
        needed and this one is missing or wrong."""
        if self.clients is None:
            return Caller(None, address)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        name = self.clients.identify(token.strip())
        return None if name is None else Caller(name, address)

    def admit(self, caller: Caller) -> int | None:
        """Count a request; None when it may go ahead, else the seconds to wait."""
        limiter = self._anonymous_rate if caller.anonymous else self._rate
        return limiter.take(caller.key)

    def refused(self, address: str) -> int | None:
        """Count a request whose token was refused against its address, so that guessing
        tokens is rate limited too; None while the address may still try."""
        return self._anonymous_rate.take(address)

    def not_found_wait(self, caller: Caller) -> int | None:
        """None while the caller may look up, else the seconds until its not-found allowance
        has room again."""
        return self._not_found_limiter(caller).check(caller.key)

    def count_not_found(self, caller: Caller) -> None:
        self._not_found_limiter(caller).count(caller.key)

    def _not_found_limiter(self, caller: Caller) -> KeyedLimiter:
        return self._anonymous_not_found if caller.anonymous else self._not_found
