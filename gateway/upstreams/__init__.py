"""Upstream adapters: one module per one-stop system, each behind :class:`Upstream`.

``ADAPTERS`` maps each ``[upstream.NAME] type`` to the adapter class that serves it.
"""

from collections.abc import Callable

from gateway.upstreams._base import (
    Answer,
    BadAnswer,
    KeyRejected,
    KeyRequired,
    NotFound,
    Unavailable,
    Upstream,
    UpstreamError,
)
from gateway.upstreams._http import MAX_ANSWER, Reply, UpstreamHTTP
from gateway.upstreams.demo import DemoUpstream
from gateway.upstreams.igate import IGate
from gateway.upstreams.lgsp import LGSP
from gateway.upstreams.opencps import OpenCPS
from gateway.upstreams.status_api import StatusAPI
from onestop.config import UpstreamSection

UpstreamFactory = Callable[[str, UpstreamSection, UpstreamHTTP], Upstream]
"""Makes the adapter of one section: an :class:`Upstream` subclass, or a function for tests."""

ADAPTERS: dict[str, UpstreamFactory] = {
    adapter.kind: adapter for adapter in (OpenCPS, IGate, LGSP, StatusAPI, DemoUpstream)
}

__all__ = [
    "ADAPTERS",
    "LGSP",
    "MAX_ANSWER",
    "Answer",
    "BadAnswer",
    "DemoUpstream",
    "IGate",
    "KeyRejected",
    "KeyRequired",
    "NotFound",
    "OpenCPS",
    "Reply",
    "StatusAPI",
    "Unavailable",
    "Upstream",
    "UpstreamError",
    "UpstreamFactory",
    "UpstreamHTTP",
]
