"""The gateway's own error: it cannot start as configured.

Failures of a lookup are not errors of the gateway: they are outcomes
(:class:`gateway.service.Outcome`) that become contract answers.
"""


class GatewayError(Exception):
    """The gateway cannot start as configured; the message says what to fix, in words."""
