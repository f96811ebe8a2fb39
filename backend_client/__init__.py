"""The one client of the central status API, shared by the kiosk and the SMS daemon, and
the unit's reports to the gateway's fleet page (heartbeats and usage events, kept in an
outbox until delivered).

Exceptions::

    BackendError              no usable answer; ``last_known`` may hold the last status
    ├── DossierNotFound       404: no dossier has this code
    │   └── OfficeRetired     410: its office's system is retired (the province's message)
    ├── LookupKeyRequired     403: the dossier is shown only with the receipt's lookup key
    ├── LookupKeyRejected     403: the lookup key does not match the dossier
    ├── CodeRejected          400: the API considers the code malformed
    ├── Unauthorized          401/403: the unit's token is missing or wrong
    ├── BackendUnavailable    unreachable, too slow, or a server error after the retries
    │   └── RateLimited       429: asked to slow down (``retry_after`` seconds)
    └── BadResponse           an answer that breaks the contract (not JSON, wrong shape, too big)
"""

from backend_client._client import API_PREFIX, StatusClient, Timeouts, read_token_file
from backend_client._errors import (
    BackendError,
    BackendUnavailable,
    BadResponse,
    CodeRejected,
    DossierNotFound,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
    RateLimited,
    Unauthorized,
)
from backend_client._fleet_report import fetch_usage_report
from backend_client._heartbeat import FleetReporter, cpu_temperature, fleet_reporter
from backend_client._last_known import KnownStatus, LastKnownStore
from backend_client._outbox import FleetOutbox
from backend_client._stats import ApiFigures, ApiStats

__all__ = [
    "API_PREFIX",
    "ApiFigures",
    "ApiStats",
    "BackendError",
    "BackendUnavailable",
    "BadResponse",
    "CodeRejected",
    "DossierNotFound",
    "FleetOutbox",
    "FleetReporter",
    "KnownStatus",
    "LastKnownStore",
    "LookupKeyRejected",
    "LookupKeyRequired",
    "OfficeRetired",
    "RateLimited",
    "StatusClient",
    "Timeouts",
    "Unauthorized",
    "cpu_temperature",
    "fetch_usage_report",
    "fleet_reporter",
    "read_token_file",
]
