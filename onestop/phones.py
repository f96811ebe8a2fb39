"""Phone numbers a technician may be sent an alert on.

Kept apart from :mod:`onestop.fleet` because the configuration checks them, and the
configuration is read by ``onestop-provision`` under Debian's own Python, which has none of
the fleet contract's dependencies.
"""

from __future__ import annotations

import re

PHONE_NUMBER = re.compile(r"\+?[0-9]{6,15}")
"""A technician's number an alert SMS may go to (``+84912345678``, ``0912345678``): the
gateway's configuration is checked against it, and an SMS box sends an alert to nothing else
(a modem cannot address anything else, and must not be asked to)."""
