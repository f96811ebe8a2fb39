"""Every section of ``onestop.conf``, with its keys, defaults and one line of help each.

One file serves every program on a unit (kiosk, SMS daemon, technicians' tools), so all
sections are declared here: a key misspelled in any section is caught by whichever program
starts first, and ``onestop-config example`` prints the whole documented file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from onestop.config._types import (
    boolean,
    choice,
    integer,
    option,
    path,
    seconds,
    secret,
    text,
    url,
    words,
)


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


@dataclass(frozen=True)
class ModemSection:
    """The GSM modem that receives citizens' SMS and sends the replies (onestop-smsd)."""

    port: str = option(
        "/dev/gsm-modem",
        text(),
        "Serial device of the modem, or a pyserial URL (spy:///dev/ttyUSB2 logs the traffic).",
    )
    baudrate: int = option(115200, integer(300, 4_000_000), "Serial speed; USB modems ignore it.")
    pin: str = option("", secret(), "SIM PIN, if the SIM asks for one at power-up.")
    smsc: str = option(
        "", text(), "SMS centre number (such as +84980200030); empty keeps the SIM's own."
    )
    heartbeat_interval: float = option(
        30.0, seconds(5, 600), "Idle time after which the modem is asked whether it still answers."
    )
    command_timeout: float = option(
        10.0, seconds(1, 120), "Time for the modem to answer a command."
    )
    send_timeout: float = option(
        60.0, seconds(5, 300), "Time for the network to accept one SMS (real networks: 2 to 6 s)."
    )
    sweep_interval: float = option(
        120.0, seconds(10, 3600), "How often modem storage (SIM and phone memory) is read in full."
    )
    reopen_window: float = option(
        10.0, seconds(1, 600), "How long to keep reopening a lost port before resetting the modem."
    )
    reset_wait: float = option(
        30.0,
        seconds(1, 600),
        "How long a reset modem may take to come back before the daemon exits.",
    )
    log_traffic: bool = option(
        False,
        boolean(),
        "Log every AT command and answer (phone numbers included) for a technician.",
    )


@dataclass(frozen=True)
class SmsdSection:
    """The SMS auto-reply daemon (onestop-smsd): what it accepts, how it answers, its limits."""

    database: Path = option(
        Path("/var/lib/onestop/smsd.sqlite3"),
        path(),
        "SQLite database of received messages, replies, last known statuses and usage events.",
    )
    keywords: tuple[str, ...] = option(
        ("HS", "TC", "TRA CUU", "TRACUU"),
        words(),
        "Words citizens may put before the code; the first is the one replies suggest.",
    )
    help_words: tuple[str, ...] = option(
        ("HD", "HELP", "?", "HUONG DAN"), words(), "Messages that ask how to use the service."
    )
    reply_alphabet: str = option(
        "gsm7",
        choice("gsm7", "ucs2"),
        "gsm7: Vietnamese without diacritics, 160 characters an SMS; ucs2: with diacritics, 70.",
    )
    max_parts: int = option(3, integer(1, 10), "Most SMS parts one reply may take.")
    sender_limit: int = option(
        10,
        integer(1, 1000),
        "Lookups one phone number gets per window; then one notice, then silence.",
    )
    sender_window: float = option(3600.0, seconds(60, 86400), "The window of sender_limit.")
    hourly_send_cap: int = option(
        600, integer(1, 100_000), "Most SMS the daemon sends in any hour, all senders together."
    )
    deny: tuple[str, ...] = option(
        (), words(), "Phone numbers never answered (such as other auto-responders)."
    )
    own_number: str = option("", text(), "The SIM's own number, never answered.")
    loop_repeats: int = option(
        3, integer(2, 100), "The same text from the same number this often in loop_window: stop."
    )
    loop_window: float = option(600.0, seconds(10, 86400), "The window of loop_repeats.")
    lookup_workers: int = option(4, integer(1, 64), "Lookups running at the same time.")
    backend_patience: float = option(
        600.0,
        seconds(0, 86400),
        "How long a lookup is retried while the API is down before the last known status is sent.",
    )
    multipart_timeout: float = option(
        300.0, seconds(5, 86400), "How long to wait for the missing parts of a long SMS."
    )
    send_retries: int = option(6, integer(0, 100), "Retries of a reply the network refused.")
    send_backoff: float = option(
        5.0, seconds(0, 3600), "First pause before retrying a reply; it doubles each time."
    )
    keep_days: int = option(
        90,
        integer(1, 3650),
        "Days handled messages and replies are kept; the anonymous usage events stay.",
    )
