"""Looking a code up: routing, cache, single-flight, and each upstream's limits and breaker.

This is what every channel of the gateway calls: the JSON routes of the status API and the
citizens' web page alike. A lookup never raises for a failure of its upstream; it returns a
:class:`LookupResult` whose :class:`Outcome` says what happened, which each channel words in
its own way (an HTTP status and error code, a page).

Each upstream gets its own concurrency limit (``[upstream.NAME] concurrency``), time-out and
circuit breaker, and its own HTTP connection pool, so that a slow or dead system only ever
delays the lookups routed to it; cache hits never wait for any upstream.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from dossier import ICT, Dossier, DossierCode, Rating
from gateway.breaker import BreakerState, CircuitBreaker
from gateway.cache import AnswerCache
from gateway.limits import KeyedLimiter
from gateway.metrics import Children, Metrics
from gateway.routing import Router
from gateway.upstreams import (
    Answer,
    BadAnswer,
    KeyRejected,
    KeyRequired,
    NotFound,
    Unavailable,
    Upstream,
    UpstreamError,
)
from onestop.config import UpstreamSection

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_KEY_LENGTH = 64
"""Receipts print 4-character keys; the applicant's ID number (12 digits) also serves."""

RETIRED_EN = "This office's former system no longer answers lookups; please ask the office."


class Outcome(enum.StrEnum):
    """What a lookup came to; also the ``outcome`` label of the lookups metric."""

    FOUND = "found"
    STALE = "stale"
    """The last good answer, its system being down now."""
    NOT_FOUND = "not_found"
    RETIRED = "retired"
    """The code's office has retired the system that held it."""
    KEY_REQUIRED = "key_required"
    KEY_REJECTED = "key_rejected"
    KEY_LOCKED = "key_locked"
    """Too many wrong keys for this dossier lately: keys for it are not tried for a while."""
    UNAVAILABLE = "unavailable"
    BAD_ANSWER = "bad_answer"


class UpstreamState(enum.StrEnum):
    UP = "up"
    FAILING = "failing"
    """Its last lookups failed; not yet enough to stop asking it."""
    DOWN = "down"
    """Its circuit breaker is open: it is asked again only after the cool-down."""
    RETIRED = "retired"


class InvalidKey(ValueError):
    """A lookup key no receipt prints (too long, spaces or control characters inside)."""


def clean_key(text: str | None) -> str | None:
    """A lookup key as given, trimmed; None for none. Case is kept: systems differ."""
    if text is None or not text.strip():
        return None
    key = text.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or any(ch.isspace() for ch in key):
        raise InvalidKey(
            f"the lookup key must be at most {MAX_KEY_LENGTH} letters or digits, without spaces"
        )
    return key


@dataclass(frozen=True, slots=True)
class LookupResult:
    outcome: Outcome
    upstream: str | None = None
    """The upstream the code routes to; None when no upstream claims it."""
    dossier: Dossier | None = None
    """FOUND and STALE only; the applicant only when the upstream verified the key."""
    stale_since: dt.datetime | None = None
    """STALE: when the gateway last got this answer from the upstream."""
    retry_after: int | None = None
    """KEY_LOCKED, UNAVAILABLE: seconds after which asking again may help, when known."""
    message: str = ""
    """RETIRED: the office's message (Vietnamese); failures: a technician's explanation."""
    message_en: str = ""
    """RETIRED: the office's message in English."""
    key_verified: bool = False
    """FOUND: the upstream confirmed the lookup key asked with (so the applicant may be shown);
    False without a key, for a wrong one, and for systems that never check keys."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A definitive answer of an upstream, as the cache keeps it."""

    outcome: Outcome
    answer: Answer | None = None


class UpstreamSlot:
    """One configured upstream as the service runs it: the adapter (None when retired), its
    concurrency limit, its breaker, and what a technician wants to know about it."""

    def __init__(
        self,
        name: str,
        settings: UpstreamSection,
        upstream: Upstream | None,
        breaker: CircuitBreaker,
    ) -> None:
        self.name = name
        self.settings = settings
        self.upstream = upstream
        self.breaker = breaker
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.last_ok: dt.datetime | None = None
        self.last_failure: dt.datetime | None = None
        self.last_error = ""

    @property
    def retired(self) -> bool:
        return self.upstream is None

    @property
    def state(self) -> UpstreamState:
        if self.upstream is None:
            return UpstreamState.RETIRED
        if self.breaker.state is not BreakerState.CLOSED:
            return UpstreamState.DOWN
        return UpstreamState.FAILING if self.breaker.failures else UpstreamState.UP


class LookupService:
    def __init__(
        self,
        slots: Mapping[str, UpstreamSlot],
        router: Router,
        cache: AnswerCache[tuple[str, DossierCode, bytes | None], _Fetched],
        *,
        key_failures: KeyedLimiter,
        metrics: Metrics,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ICT),
    ) -> None:
        self.slots = slots
        self.router = router
        self.cache = cache
        self.key_failures = key_failures
        self.metrics = metrics
        self._now = clock
        # Keys are part of cache keys only as a keyed hash, never in the clear.
        self._key_secret = secrets.token_bytes(16)
        self._hits = metrics.cache.labels("hit")
        self._misses = metrics.cache.labels("miss")
        self._lookups = Children(metrics.lookups)
        self._calls = Children(metrics.upstream_calls)
        self._seconds = Children(metrics.upstream_seconds)
        self._breaker_open = Children(metrics.breaker_open)

    def upstream_for(self, code: DossierCode) -> str | None:
        return self.router.route(code.family, code.agency)

    async def lookup(self, code: DossierCode, lookup_key: str | None = None) -> LookupResult:
        """The status of ``code`` (with the applicant when ``lookup_key`` is right)."""
        name = self.upstream_for(code)
        if name is None:
            return self._counted(LookupResult(Outcome.NOT_FOUND))
        slot = self.slots[name]
        adapter = slot.upstream
        if adapter is None:
            return self._counted(
                LookupResult(
                    Outcome.RETIRED,
                    name,
                    message=slot.settings.retired,
                    message_en=slot.settings.retired_en or RETIRED_EN,
                )
            )
        if lookup_key is not None and (wait := self.key_failures.check(str(code))) is not None:
            self.metrics.limited.labels("key_failures").inc()
            return self._counted(LookupResult(Outcome.KEY_LOCKED, name, retry_after=wait))
        cache_key = (name, code, self._digest(lookup_key))
        fetched = self.cache.fresh(cache_key)
        if fetched is not None:
            self._hits.inc()
        else:
            self._misses.inc()
            try:
                fetched = await self.cache.single_flight(
                    cache_key, lambda: self._fetch(slot, adapter, code, lookup_key, cache_key)
                )
            except UpstreamError as exc:
                return self._counted(self._without_answer(name, cache_key, exc))
        result = self._result(name, fetched)
        if lookup_key is not None and (
            result.outcome is Outcome.KEY_REJECTED
            or (fetched.answer is not None and not fetched.answer.key_verified)
        ):
            self.key_failures.count(str(code))
        return self._counted(result)

    async def forward_rating(self, upstream: str, code: DossierCode, rating: Rating) -> bool:
        """Pass a rating on to ``upstream``: True once it has it, False when it has no rating
        API (or is retired); raises :class:`UpstreamError` when it should be tried again."""
        slot = self.slots.get(upstream)
        if slot is None or slot.upstream is None:
            return False
        adapter = slot.upstream
        return await self._call(slot, lambda: adapter.rate(code, rating))

    def _digest(self, lookup_key: str | None) -> bytes | None:
        if lookup_key is None:
            return None
        return hashlib.blake2b(
            lookup_key.encode("utf-8", "surrogateescape"), key=self._key_secret, digest_size=16
        ).digest()

    async def _fetch(
        self,
        slot: UpstreamSlot,
        adapter: Upstream,
        code: DossierCode,
        lookup_key: str | None,
        cache_key: tuple[str, DossierCode, bytes | None],
    ) -> _Fetched:
        try:
            answer = await self._call(slot, lambda: adapter.lookup(code, lookup_key))
        except NotFound:
            fetched = _Fetched(Outcome.NOT_FOUND)
        except KeyRequired:
            fetched = _Fetched(Outcome.KEY_REQUIRED)
        except KeyRejected:
            fetched = _Fetched(Outcome.KEY_REJECTED)
        else:
            fetched = _Fetched(Outcome.FOUND, _checked(answer))
        self.cache.store(cache_key, fetched, good=fetched.outcome is Outcome.FOUND)
        return fetched

    async def _call(self, slot: UpstreamSlot, call: Callable[[], Awaitable[T]]) -> T:
        """One call to an upstream, within its breaker, concurrency limit and time-out; every
        failure comes out as :class:`Unavailable` or :class:`BadAnswer`."""
        name = slot.name
        wait = slot.breaker.admit()
        if wait is not None:
            self._calls(name, "refused").inc()
            raise Unavailable(
                f"{name} failed repeatedly; it is asked again in {math.ceil(wait)} s",
                retry_after=wait,
            )
        timeout = slot.settings.timeout
        started: float | None = None
        try:
            async with asyncio.timeout(timeout), slot.semaphore:
                started = time.monotonic()
                result = await call()
        except (NotFound, KeyRequired, KeyRejected):
            self._succeeded(slot)
            raise
        except Unavailable as exc:
            self._failed(slot, exc, retry_after=exc.retry_after)
            raise
        except BadAnswer as exc:
            self._failed(slot, exc)
            raise
        except TimeoutError:
            if started is None:
                slot.breaker.abandoned()
                raise Unavailable(
                    f"{name} is busy: all {slot.settings.concurrency} of its lookups "
                    f"took the whole {timeout:g} s"
                ) from None
            failure = Unavailable(f"{name} gave no answer within {timeout:g} s")
            self._failed(slot, failure)
            raise failure from None
        except asyncio.CancelledError:
            slot.breaker.abandoned()
            raise
        except Exception as exc:
            logger.exception("upstream %s: its adapter failed", name)
            bad = BadAnswer(f"{name}: its adapter failed ({type(exc).__name__})")
            self._failed(slot, bad)
            raise bad from exc
        finally:
            if started is not None:
                self._seconds(name).observe(time.monotonic() - started)
        self._succeeded(slot)
        return result

    def _succeeded(self, slot: UpstreamSlot) -> None:
        slot.breaker.succeeded()
        slot.last_ok = self._now()
        self._calls(slot.name, "ok").inc()
        self._breaker_open(slot.name).set(0)

    def _failed(
        self, slot: UpstreamSlot, exc: UpstreamError, *, retry_after: float | None = None
    ) -> None:
        was = slot.breaker.state
        slot.breaker.failed(retry_after=retry_after)
        slot.last_failure = self._now()
        slot.last_error = str(exc)
        self._calls(slot.name, "failed").inc()
        if slot.breaker.state is not BreakerState.CLOSED:
            self._breaker_open(slot.name).set(1)
            if was is BreakerState.CLOSED:
                logger.warning(
                    "upstream %s: not asked for a while after %d failures (last: %s)",
                    slot.name,
                    slot.breaker.failures,
                    exc,
                )

    def _without_answer(
        self,
        name: str,
        cache_key: tuple[str, DossierCode, bytes | None],
        exc: UpstreamError,
    ) -> LookupResult:
        """The last good answer while the upstream cannot give one, else the failure."""
        last = self.cache.last_good(cache_key)
        if last is not None and last.value.answer is not None:
            self.metrics.cache.labels("stale").inc()
            return LookupResult(
                Outcome.STALE,
                name,
                dossier=last.value.answer.dossier,
                stale_since=last.fetched_at,
                message=str(exc),
            )
        if isinstance(exc, Unavailable):
            wait = None if exc.retry_after is None else max(1, math.ceil(exc.retry_after))
            return LookupResult(Outcome.UNAVAILABLE, name, retry_after=wait, message=str(exc))
        return LookupResult(Outcome.BAD_ANSWER, name, message=str(exc))

    @staticmethod
    def _result(name: str, fetched: _Fetched) -> LookupResult:
        answer = fetched.answer
        if answer is None:
            return LookupResult(fetched.outcome, name)
        return LookupResult(
            fetched.outcome, name, dossier=answer.dossier, key_verified=answer.key_verified
        )

    def _counted(self, result: LookupResult) -> LookupResult:
        self._lookups(result.upstream or "none", result.outcome).inc()
        return result


def _checked(answer: Answer) -> Answer:
    """The record as the contract needs it, whatever the adapter did: no applicant unless the
    upstream itself verified the key. (Its code is the dossier's own number, which differs
    from the one asked for when a dossier is looked up by another of its codes, such as
    OpenCPS's ``D-{id}``.)"""
    if answer.key_verified or answer.dossier.applicant is None:
        return answer
    return Answer(answer.dossier.without_applicant())
