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
from onestop.config import UpstreamSection

UpstreamFactory = Callable[[str, UpstreamSection, httpx.AsyncClient], Upstream]
"""Makes the adapter of one section: an :class:`Upstream` subclass, or a function for tests."""

ADAPTERS: dict[str, UpstreamFactory] = {
    DemoUpstream.kind: DemoUpstream,
}

__all__ = [
    "ADAPTERS",
    "Answer",
    "BadAnswer",
    "DemoUpstream",
    "KeyRejected",
    "KeyRequired",
    "NotFound",
    "Unavailable",
    "Upstream",
    "UpstreamError",
    "UpstreamFactory",
]
