"""Logging for journald: plain lines on stderr, with every phone number masked.

Logs are read by technicians and sometimes pasted into tickets; a citizen's number is
personal data. The mask keeps enough to tell numbers apart (``+8491****567``).
"""

from __future__ import annotations

import logging
import re
import sys

from hardware.modem import set_traffic_logging

_NUMBER = re.compile(r"(?<![\w.])(\+?\d{4})\d{3,}(\d{3})(?![\w.-])")
_PDU = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{24,}(?![0-9A-Fa-f])")
"""A PDU in hex: its address field spells the number with swapped digits, beyond _NUMBER."""


def mask_number(number: str) -> str:
    """``+84912345567`` becomes ``+8491****567``; short or odd numbers are kept as they are;
    a PDU in hex becomes ``<PDU of N octets>``."""
    masked = _PDU.sub(lambda match: f"<PDU of {len(match.group()) // 2} octets>", number)
    return _NUMBER.sub(r"\1****\2", masked)


class MaskNumbers(logging.Filter):
    """Rewrites each record's message with phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_number(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    """Log to stderr for journald; the raw AT traffic logger stays off until the daemon reads
    ``[modem] log_traffic``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("gsmmodem").setLevel(logging.WARNING)
    set_traffic_logging(False)
