"""The answer cache: a TTL per entry, the last good answer kept with its age, single-flight.

A province's systems are slow (OpenCPS answers in hundreds of milliseconds on a good day) and
sometimes down for hours, while the same receipt is scanned again and again in a lobby. So:

- an answer is reused for ``ttl`` seconds without asking the system again;
- the last *good* answer of each key is kept after it expires, so that while its system is
  down the gateway can still say what it last knew, and since when (up to ``stale_max_age``);
- many simultaneous lookups of one key make one call (single-flight): the first caller's
  fetch runs as its own task, which the others await, and which a caller that goes away
  (a closed connection) does not cancel.

The cache holds at most ``size`` keys and forgets the least recently used first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    stored: float
    good: V | None
    good_stored: float
    good_time: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LastGood(Generic[V]):
    """The last good answer of a key, and the wall-clock time it was fetched."""

    value: V
    fetched_at: dt.datetime


class AnswerCache(Generic[K, V]):
    """Answers by key; ``good`` answers are also kept as the key's last good answer."""

    def __init__(
        self,
        *,
        ttl: float,
        size: int,
        stale_max_age: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.stale_max_age = stale_max_age
        self._clock = clock
        self._wall = wall_clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._flights: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def fresh(self, key: K) -> V | None:
        """The answer stored for ``key`` less than ``ttl`` seconds ago, if any."""
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry.stored >= self.ttl:
            return None
        self._entries.move_to_end(key)
        return entry.value

    def last_good(self, key: K) -> LastGood[V] | None:
        """The last good answer of ``key``, if it is at most ``stale_max_age`` seconds old."""
        entry = self._entries.get(key)
        if entry is None or entry.good is None or entry.good_time is None:
            return None
        if self._clock() - entry.good_stored > self.stale_max_age:
            return None
        return LastGood(entry.good, entry.good_time)

    def store(self, key: K, value: V, *, good: bool) -> None:
        """Remember ``value``; a definitive answer that is not good (such as "no such
        dossier") also forgets the last good one, which would no longer be true."""
        if self.size <= 0:
            return
        now = self._clock()
        if good:
            entry = _Entry(value, now, value, now, self._wall())
        else:
            entry = _Entry(value, now, None, now, None)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    async def single_flight(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """``await fetch()``, shared with every caller that asks for ``key`` meanwhile."""
        task = self._flights.get(key)
        if task is None:
            task = asyncio.ensure_future(fetch())
            self._flights[key] = task
            task.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(task)

    @property
    def in_flight(self) -> int:
        return len(self._flights)

    def _landed(self, key: K, task: asyncio.Task[V]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved here, so that a flight nobody awaits any more is quiet
