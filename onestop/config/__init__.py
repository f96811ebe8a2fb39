"""The one INI file of a unit, ``/etc/onestop/onestop.conf``, read and validated.

Exceptions::

    Exception
    └── ConfigError   the file cannot be used (lists every problem, naming section and key)
"""

from onestop.config._config import (
    DEFAULT_PATH,
    ENVIRONMENT_VARIABLE,
    Config,
    ConfigError,
    dump_config,
    load_config,
    parse_config,
)
from onestop.config._sections import (
    BackendSection,
    CameraSection,
    CodesSection,
    FleetAlertsSection,
    FleetGatewaySection,
    FleetSection,
    GatewaySection,
    GuidanceSection,
    KannelSection,
    KioskSection,
    ModemSection,
    PoolModemSection,
    PrinterSection,
    ScannerSection,
    SmppSection,
    SmsdSection,
    UpstreamSection,
)

__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENT_VARIABLE",
    "BackendSection",
    "CameraSection",
    "CodesSection",
    "Config",
    "ConfigError",
    "FleetAlertsSection",
    "FleetGatewaySection",
    "FleetSection",
    "GatewaySection",
    "GuidanceSection",
    "KannelSection",
    "KioskSection",
    "ModemSection",
    "PoolModemSection",
    "PrinterSection",
    "ScannerSection",
    "SmppSection",
    "SmsdSection",
    "UpstreamSection",
    "dump_config",
    "load_config",
    "parse_config",
]
