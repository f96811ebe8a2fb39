"""What can go wrong with a GSM modem, as typed exceptions the daemon can act on.

::

    ModemError                 base of everything below
    ├── ModemUnavailable       the port cannot be opened, or vanished (USB reset, cable)
    ├── ModemTimeout           the modem did not answer a command in time
    ├── CommandRejected        the modem answered ERROR / +CME ERROR / +CMS ERROR
    │   └── SendRejected       ``AT+CMGS`` failed; ``transient`` says whether to retry
    ├── SimLocked              the SIM wants a PIN that is missing or wrong
    └── ModemDead              reopening and resetting did not bring the modem back

The library's own exceptions (``gsmmodem.exceptions``) and pyserial's never leave this
package: they are converted here, at the boundary, with the original chained.
"""

from __future__ import annotations

# +CMS ERROR codes worth retrying: the network or the radio, not the message (TS 27.005 3.2.5).
TRANSIENT_CMS = frozenset({38, 41, 42, 47, 111, 331, 332, 500, 512, 513, 514, 515, 532})


class ModemError(Exception):
    """Base class of every modem failure."""


class ModemUnavailable(ModemError):
    """The serial port cannot be opened or went away."""


class ModemTimeout(ModemError):
    """The modem did not answer in time."""


class CommandRejected(ModemError):
    """The modem refused a command; ``code`` is the +CME/+CMS number when it gave one."""

    def __init__(self, command: str, code: int | None = None, kind: str = "") -> None:
        self.command = command
        self.code = code
        self.kind = kind
        detail = f"+{kind} ERROR: {code}" if code is not None else "ERROR"
        super().__init__(f"{command.split('=', maxsplit=1)[0]} answered {detail}")


class SendRejected(CommandRejected):
    """Sending failed; ``transient`` is True when trying again later may succeed."""

    @property
    def transient(self) -> bool:
        return self.code is None or self.code in TRANSIENT_CMS


class SimLocked(ModemError):
    """The SIM asks for a PIN: none is configured, or the configured one is wrong."""


class ModemDead(ModemError):
    """Reopening the port and resetting the modem both failed: only a restart can help."""
