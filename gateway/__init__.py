"""The status gateway: the status API a province runs in front of its one-stop systems.

``onestop-gateway`` serves the contract of docs/status-api.md to kiosks, SMS boxes and
citizens' phones, and asks the province's systems (``[upstream.NAME]``: OpenCPS, VNPT iGate,
an LGSP, another status API, or the demo dossiers) through one adapter each. See
docs/gateway.md.

Exceptions::

    Exception
    ├── GatewayError            the gateway cannot start as configured (says what to fix)
    │   ├── ClientsFileError    the clients file cannot be read, or a line of it is wrong
    │   └── DemoDataError       a demo data file cannot be served
    └── UpstreamError           (gateway.upstreams) an upstream gave no status record
"""

from gateway.access import Access, Caller
from gateway.assembly import Gateway
from gateway.breaker import BreakerState, CircuitBreaker
from gateway.cache import AnswerCache
from gateway.clients import ClientRegistry, ClientsFileError, add_client, remove_client
from gateway.demo import DemoStatusServer
from gateway.errors import GatewayError
from gateway.limits import KeyedLimiter
from gateway.metrics import Metrics
from gateway.ratings import Forwarding, RatingRecord, RatingStore
from gateway.routing import Router
from gateway.server import ConnectionLimits, GatewayServer
from gateway.service import LookupResult, LookupService, Outcome, UpstreamState, clean_key
from gateway.upstreams.demo import DemoDataError

__all__ = [
    "Access",
    "AnswerCache",
    "BreakerState",
    "Caller",
    "CircuitBreaker",
    "ClientRegistry",
    "ClientsFileError",
    "ConnectionLimits",
    "DemoDataError",
    "DemoStatusServer",
    "Forwarding",
    "Gateway",
    "GatewayError",
    "GatewayServer",
    "KeyedLimiter",
    "LookupResult",
    "LookupService",
    "Metrics",
    "Outcome",
    "RatingRecord",
    "RatingStore",
    "Router",
    "UpstreamState",
    "add_client",
    "clean_key",
    "remove_client",
]
