"""Upstream adapters: one module per one-stop system, each behind :class:`Upstream`."""

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
from gateway.upstreams.igate import IGate
from gateway.upstreams.opencps import OpenCPS

__all__ = [
    "Answer",
    "BadAnswer",
    "IGate",
    "KeyRejected",
    "KeyRequired",
    "NotFound",
    "OpenCPS",
    "Unavailable",
    "Upstream",
    "UpstreamError",
]
