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
from gateway.upstreams.lgsp import LGSP
from gateway.upstreams.opencps import OpenCPS
from gateway.upstreams.status_api import StatusAPI

__all__ = [
    "LGSP",
    "Answer",
    "BadAnswer",
    "IGate",
    "KeyRejected",
    "KeyRequired",
    "NotFound",
    "OpenCPS",
    "StatusAPI",
    "Unavailable",
    "Upstream",
    "UpstreamError",
]
