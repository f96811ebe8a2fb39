"""An SMSC simulator speaking SMPP 3.4 on 127.0.0.1, for the SMPP transport's tests, the
bench and trying a short-code set-up without a telco (``onestop-smsc-sim``).

Exceptions::

    ValueError
    └── SmppError   bytes that are not a valid SMPP PDU (the simulator answers an error status)
"""

from smsd._smpp_fields import DCS_BINARY, DCS_UCS2, ESM_UDHI
from smsd._smpp_fields import DCS_GSM7 as DCS_DEFAULT
from smsd.smsc_sim._server import Faults, Reply, SmscSimulator, Submitted
from smsd.smsc_sim._smpp import Command, ShortMessage, SmppError, Status

__all__ = [
    "DCS_BINARY",
    "DCS_DEFAULT",
    "DCS_UCS2",
    "ESM_UDHI",
    "Command",
    "Faults",
    "Reply",
    "ShortMessage",
    "SmppError",
    "SmscSimulator",
    "Status",
    "Submitted",
]
