"""The fleet: every kiosk and SMS box reports to the gateway, which keeps their heartbeats and
usage events, raises alerts, and serves the fleet page and the six-monthly usage report.

Exceptions::

    Exception
    └── FleetError               the fleet part of the gateway cannot do what was asked
        └── FleetDatabaseError   the fleet database cannot be opened, upgraded or used
"""

from gateway.fleet._app import Fleet
from gateway.fleet._errors import FleetDatabaseError, FleetError
from gateway.fleet._mount import mount_fleet
from gateway.fleet._store import Alert, FleetStore, Point, Unit

__all__ = [
    "Alert",
    "Fleet",
    "FleetDatabaseError",
    "FleetError",
    "FleetStore",
    "Point",
    "Unit",
    "mount_fleet",
]
