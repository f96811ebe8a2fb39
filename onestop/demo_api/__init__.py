"""The demo status API: the gateway (``gateway``) with one demo upstream, under the names and
the command (``onestop-demo-api``) it had before the gateway existed.

Exceptions::

    Exception
    └── GatewayError
        └── DemoDataError   a ``--data`` file cannot be served (names the entry and field)
"""

from gateway.demo import DemoStatusServer
from gateway.upstreams.demo import DemoDataError, DemoRecord, bundled_records, load_records

__all__ = [
    "DemoDataError",
    "DemoRecord",
    "DemoStatusServer",
    "bundled_records",
    "load_records",
]
