"""Provisioning a lobby kiosk, an SMS box or both: ``onestop-provision`` and the files of
``systemd/`` it installs; ``provision.poster`` makes the notice that announces the service.

Uses nothing beyond the standard library and :mod:`onestop.config`, so that it runs with
Debian's own ``python3`` before anything else is installed.

Exceptions::

    Exception
    └── ProvisionError   provisioning cannot go on (wrong system, not root, a step failed)
"""

from provision._assets import ASSETS, UNITS, Asset, Role, assets_dir
from provision._errors import ProvisionError
from provision._plan import CONFIG, TOKEN, Options, check_system, example_config, plan, still_to_do
from provision._steps import VENV, Run, Step
from provision._transport import TRANSPORT_DROPIN, modem_ports, transport_dropin

__all__ = [
    "ASSETS",
    "CONFIG",
    "TOKEN",
    "TRANSPORT_DROPIN",
    "UNITS",
    "VENV",
    "Asset",
    "Options",
    "ProvisionError",
    "Role",
    "Run",
    "Step",
    "assets_dir",
    "check_system",
    "example_config",
    "modem_ports",
    "plan",
    "still_to_do",
    "transport_dropin",
]
