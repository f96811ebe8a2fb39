"""The one error of provisioning: it names what is wrong in words a technician can act on."""

from __future__ import annotations


class ProvisionError(Exception):
    """Provisioning cannot go on: wrong system, not root, a bad file or a failed step."""
