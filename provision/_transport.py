"""The SMS daemon's unit drop-in for the configured ``[smsd] transport``.

``onestop-smsd.service`` serves every transport; what only one of them needs is written by
provisioning into a vendor drop-in beside it, from the unit's ``onestop.conf``, and replaced
on every run (a technician's own changes go into ``systemctl edit``, in /etc, which wins):

- ``modem`` and ``modem-pool``: each configured port is allowed by its path as well (the
  unit already allows the USB modems' device groups, so this is what lets a modem on a UART
  or on another kind of port through ``DevicePolicy=closed``);
- ``smpp`` and ``kannel``: no device at all (``PrivateDevices=``, no ``dialout``), which also
  tightens the sandbox; ``kannel`` starts after Kannel on the same machine, whose smsbox
  calls the daemon and whose sendsms carries the replies.

The unit waits for ``network-online.target`` for every transport (the status API, and the
SMSC for ``smpp``), so that is not repeated here.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from onestop.config import Config

TRANSPORT_DROPIN = PurePosixPath(
    "/usr/local/lib/systemd/system/onestop-smsd.service.d/50-transport.conf"
)
KANNEL_UNIT = "kannel.service"
"""Debian's kannel package (bearerbox and smsbox)."""

_HEADER = (
    "# onestop-smsd for [smsd] transport = {transport}; written by onestop-provision from\n"
    "# /etc/onestop/onestop.conf and replaced on every run: change the transport there and run\n"
    "# onestop-provision again. Your own changes go into: systemctl edit onestop-smsd\n"
)


def modem_ports(config: Config) -> list[str]:
    """The device paths of the modems the transport opens (pyserial URLs have none)."""
    transport = config.smsd.transport
    if transport == "modem":
        ports = [config.modem.port]
    elif transport == "modem-pool":
        ports = [modem.port for modem in config.modems.values()]
    else:
        return []
    return list(dict.fromkeys(port for port in ports if port.startswith("/dev/")))


def transport_dropin(config: Config) -> str:
    """The drop-in text for ``config``'s transport."""
    transport = config.smsd.transport
    lines = [_HEADER.format(transport=transport).rstrip("\n")]
    if transport in ("modem", "modem-pool"):
        lines += ["", "[Service]", "# The configured modem ports, besides the unit's own list."]
        lines += [f"DeviceAllow={port} rw" for port in modem_ports(config)]
        return "\n".join(lines) + "\n"
    lines += ["", "[Unit]"]
    if transport == "kannel":
        lines += [
            "# Kannel on this machine carries the messages: start after it (it queues what",
            "# it receives while the daemon is away, so it is not required).",
            f"After={KANNEL_UNIT}",
        ]
    lines += [
        "",
        "[Service]",
        "# No modem: no device and no dialout group.",
        "PrivateDevices=yes",
        "DeviceAllow=",
        "SupplementaryGroups=",
        "SupplementaryGroups=onestop",
    ]
    return "\n".join(lines) + "\n"
