"""Simulators of the one-stop systems behind the gateway, for tests and ``--demo``."""

from gateway.sims._faults import Fault, Faults
from gateway.sims._server import Seen, SimServer, Simulator
from gateway.sims.igate import IGateSim
from gateway.sims.opencps import OpenCPSDossier, OpenCPSSim

__all__ = [
    "Fault",
    "Faults",
    "IGateSim",
    "OpenCPSDossier",
    "OpenCPSSim",
    "Seen",
    "SimServer",
    "Simulator",
]
