"""What can go wrong in a transport, as typed exceptions the daemon can act on.

::

    TransportError           base of everything below
    ├── TransportUnavailable the link or device is down (reconnecting); nothing was sent
    └── SubmitRefused        the SMSC or gateway refused a message; ``transient`` says
                             whether to retry later

Each library's own exceptions (smpplib's, httpx's) are converted at the transport's boundary,
with the original chained.
"""

from __future__ import annotations


class TransportError(Exception):
    """Base class of every transport failure."""


class TransportUnavailable(TransportError):
    """The link is down or the transport is stopping; the message did not leave."""


class SubmitRefused(TransportError):
    """The SMSC or gateway refused the message; ``code`` is its status code."""

    def __init__(self, reason: str, *, code: int | None = None, transient: bool) -> None:
        super().__init__(reason)
        self.code = code
        self.transient = transient
