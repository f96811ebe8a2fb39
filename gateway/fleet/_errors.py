"""The fleet's exceptions.

Exceptions::

    Exception
    └── FleetError               the fleet part of the gateway cannot do what was asked
        └── FleetDatabaseError   the fleet database cannot be opened, upgraded or used
"""

from __future__ import annotations


class FleetError(Exception):
    """The fleet part of the gateway cannot do what was asked; the message says why."""


class FleetDatabaseError(FleetError):
    """The fleet database cannot be opened, upgraded or used."""
