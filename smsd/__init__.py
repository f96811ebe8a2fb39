"""The SMS auto-reply daemon: a citizen texts a dossier code and gets its status back.

The daemon (:class:`SmsDaemon`) stores every received SMS in SQLite before its transport
acknowledges it (a modem, a pool of modems, Kannel or an SMPP link: ``smsd.transports``),
answers through ``backend_client`` on worker threads, and sends replies with bounded
retries; ``onestop-smsd`` runs it under systemd, ``onestop-smsd --demo`` on an emulated
modem and the demo status API.

Exceptions: none of its own. Modem failures are ``hardware.modem.ModemError``, other
transports' ``smsd.transports.TransportError``, status API failures
``backend_client.BackendError``, configuration problems ``onestop.config.ConfigError``.
"""

from onestop.fleet import Outcome
from onestop.notify import Notifier
from smsd._compose import (
    Answer,
    Composer,
    Found,
    Invalid,
    KeyRejected,
    KeyRequired,
    NotFound,
    Retired,
    Stale,
    Unavailable,
    count_parts,
    gsm7_safe,
)
from smsd._daemon import EXIT_MODEM, EXIT_OK, SmsDaemon
from smsd._logging import MaskNumbers, mask_number, setup_logging
from smsd._parse import MAX_CODES, Intent, Request, parse_message
from smsd._policy import Decision, Policy, Verdict, national
from smsd._sending import ReplyJournal, RetryPolicy
from smsd._store import (
    Kept,
    MessageState,
    Note,
    Origin,
    OutboxState,
    Reason,
    Store,
    UsageEvent,
)
from smsd.transports import modem_settings

__all__ = [
    "EXIT_MODEM",
    "EXIT_OK",
    "MAX_CODES",
    "Answer",
    "Composer",
    "Decision",
    "Found",
    "Intent",
    "Invalid",
    "Kept",
    "KeyRejected",
    "KeyRequired",
    "MaskNumbers",
    "MessageState",
    "NotFound",
    "Note",
    "Notifier",
    "Origin",
    "OutboxState",
    "Outcome",
    "Policy",
    "Reason",
    "ReplyJournal",
    "Request",
    "Retired",
    "RetryPolicy",
    "SmsDaemon",
    "Stale",
    "Store",
    "Unavailable",
    "UsageEvent",
    "Verdict",
    "count_parts",
    "gsm7_safe",
    "mask_number",
    "modem_settings",
    "national",
    "parse_message",
    "setup_logging",
]
