"""The reference status API: the contract of docs/status-api.md, served from demo data.

Exceptions::

    Exception
    └── DemoDataError   a ``--data`` file cannot be served (names the entry and field)
"""

from onestop.demo_api._data import DemoDataError, DemoRecord, bundled_records, load_records
from onestop.demo_api._server import DOSSIER_PATH, HEALTH_PATH, DemoStatusServer

__all__ = [
    "DOSSIER_PATH",
    "HEALTH_PATH",
    "DemoDataError",
    "DemoRecord",
    "DemoStatusServer",
    "bundled_records",
    "load_records",
]
