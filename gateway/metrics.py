"""The gateway's Prometheus metrics, on ``/metrics``.

Each gateway has its own registry (not the library's global one), so that several gateways in
one process (tests, the demo) never mix their counts.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)

CONTENT_TYPE = CONTENT_TYPE_LATEST

UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upstream answer times, in seconds: one-stop systems answer in tens of milliseconds to
several seconds."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.lookups = Counter(
            "onestop_gateway_lookups",
            "Lookups answered, by the upstream that the code routes to and the outcome.",
            ["upstream", "outcome"],
            registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "onestop_gateway_upstream_seconds",
            "Time an upstream took to answer one lookup (calls that were made).",
            ["upstream"],
            buckets=UPSTREAM_BUCKETS,
            registry=self.registry,
        )
        self.upstream_calls = Counter(
            "onestop_gateway_upstream_calls",
            "Calls to upstreams by result: ok (an answer, found or not), failed, refused "
            "(the circuit breaker was open).",
            ["upstream", "result"],
            registry=self.registry,
        )
        self.cache = Counter(
            "onestop_gateway_cache",
            "Lookups by what the cache did: hit (a fresh answer), miss (the upstream was asked "
            "or a flight was joined), stale (the last good answer, the upstream being down).",
            ["result"],
            registry=self.registry,
        )
        self.breaker_open = Gauge(
            "onestop_gateway_breaker_open",
            "1 while an upstream's circuit breaker is open or half open.",
            ["upstream"],
            registry=self.registry,
        )
        self.limited = Counter(
            "onestop_gateway_limited",
            "Requests refused by a limit: rate, not_found, key_failures, connections.",
            ["limit"],
            registry=self.registry,
        )
        self.unmapped_statuses = Gauge(
            "onestop_gateway_unmapped_statuses",
            "Lookups an upstream answered with a status its adapter cannot map (answered as "
            "in progress), by the upstream's own status name: a table to complete.",
            ["upstream", "status"],
            registry=self.registry,
        )
        self.ratings = Counter(
            "onestop_gateway_ratings",
            "Satisfaction ratings received (repeats of one lookup's rating not counted).",
            ["rating"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class Children(Generic[M]):
    """A metric's children by their label values, each asked of the metric once: ``labels()``
    checks and formats the values and takes a lock on every call, and the lookup path counts
    several times per lookup. A child appears on ``/metrics`` only once first asked for, as
    with ``labels()``."""

    def __init__(self, metric: M) -> None:
        self.metric = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self.metric.labels(*values)
        return child
