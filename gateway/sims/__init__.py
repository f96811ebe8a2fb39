"""Simulators of the one-stop systems behind the gateway, for tests and ``--demo``."""

from gateway.sims._faults import Fault, Faults
from gateway.sims._server import Seen, SimServer, Simulator
from gateway.sims.opencps import OpenCPSDossier, OpenCPSSim

__all__ = [
    "Fault",
    "Faults",
    "OpenCPSDossier",
    "OpenCPSSim",
    "Seen",
    "SimServer",
    "Simulator",
]
