"""Simulators of the one-stop systems behind the gateway, for tests and ``--demo``.

Each is an ASGI app with the system's endpoints, realistic data and fault knobs
(:class:`Fault`), served on 127.0.0.1 by :class:`SimServer`; ``onestop-upstream-sim TYPE``
runs one by hand.
"""

from collections.abc import Callable

from gateway.sims._faults import Fault, Faults
from gateway.sims._server import Seen, SimServer, Simulator
from gateway.sims.igate import IGateSim
from gateway.sims.lgsp import LGSPSim
from gateway.sims.opencps import OpenCPSDossier, OpenCPSSim
from gateway.sims.status_api import StatusAPISim

SIMULATORS: dict[str, Callable[[], Simulator]] = {
    sim.kind: sim for sim in (OpenCPSSim, IGateSim, LGSPSim, StatusAPISim)
}
"""The simulator of each upstream ``type`` (``demo`` needs none: it is its own data)."""

__all__ = [
    "SIMULATORS",
    "Fault",
    "Faults",
    "IGateSim",
    "LGSPSim",
    "OpenCPSDossier",
    "OpenCPSSim",
    "Seen",
    "SimServer",
    "Simulator",
    "StatusAPISim",
]
