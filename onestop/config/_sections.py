"""Every section of ``onestop.conf``, with its keys, defaults and one line of help each.

One file serves every program on a unit (kiosk, SMS daemon, technicians' tools), so all
sections are declared here: a key misspelled in any section is caught by whichever program
starts first, and ``onestop-config example`` prints the whole documented file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from onestop.config._types import integer, option, path, seconds, secret, url


@dataclass(frozen=True)
class BackendSection:
    """The central status API that answers every lookup."""

    url: str = option(
        "http://127.0.0.1:8080", url(), "Root URL of the status API; /api/v1/... is added to it."
    )
    token: str = option(
        "", secret(), "Bearer token, if the API needs one. Prefer token_file for real units."
    )
    token_file: Path | None = option(
        None, path(optional=True), "File holding the bearer token (root-only, mode 0600)."
    )
    ca_bundle: Path | None = option(
        None, path(optional=True), "CA certificates to verify the API's TLS certificate with."
    )
    connect_timeout: float = option(3.05, seconds(0.1, 60), "Time to open a connection.")
    read_timeout: float = option(5.0, seconds(0.1, 120), "Time to wait for each part of a reply.")
    total_timeout: float = option(
        15.0, seconds(1, 600), "A lookup whose answer is still arriving after this long is dropped."
    )
    retries: int = option(
        2, integer(0, 10), "Retries after a connection error or a 502, 503, 504 or 429 reply."
    )
    backoff: float = option(0.3, seconds(0, 10), "First pause between retries; it doubles.")
    max_retry_after: float = option(
        5.0, seconds(0, 120), "Longest Retry-After pause honoured before giving up for now."
    )
    cache_ttl: float = option(
        30.0, seconds(0, 3600), "Seconds a looked-up status is reused without asking again."
    )
    cache_size: int = option(1024, integer(0, 1_000_000), "Statuses kept in the memory cache.")
    last_known_max_age: float = option(
        7 * 86400.0,
        seconds(0, 365 * 86400),
        "How old a last known status may be and still be shown while the API is down.",
    )
