"""Upstream adapters: one module per one-stop system, each behind :class:`Upstream`.

``ADAPTERS`` maps each ``[upstream.NAME] type`` to the adapter class that serves it.
"""

from collections.abc import Callable

import httpx

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
from gateway.upstreams.demo import DemoUpstream
from gateway.upstreams.igate import IGate
from gateway.upstreams.lgsp import LGSP
from gateway.upstreams.opencps import OpenCPS
from gateway.upstreams.status_api import StatusAPI
from onestop.config import UpstreamSection

UpstreamFactory = Callable[[str, UpstreamSection, httpx.AsyncClient], Upstream]
"""Makes the adapter of one section: an :class:`Upstream` subclass, or a function for tests."""

ADAPTERS: dict[str, UpstreamFactory] = {
    adapter.kind: adapter for adapter in (OpenCPS, IGate, LGSP, StatusAPI, DemoUpstream)
}

__all__ = [
    "ADAPTERS",
    "LGSP",
    "Answer",
    "BadAnswer",
    "DemoUpstream",
    "IGate",
    "KeyRejected",
    "KeyRequired",
    "NotFound",
    "OpenCPS",
    "StatusAPI",
    "Unavailable",
    "Upstream",
    "UpstreamError",
    "UpstreamFactory",
]
