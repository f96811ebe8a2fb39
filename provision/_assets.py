"""The files a unit gets from ``systemd/`` of this project, and where each one goes.

Vendor files go under ``/usr/local/lib`` (units, udev rules, sysusers.d and tmpfiles.d
fragments), where systemd and udev look for locally installed software and where no Debian
package writes: each provisioning run replaces them with this version's. A technician's own
changes live in ``/etc`` and are never touched: drop-ins (``systemctl edit``), same-named
overrides, and the local udev rule, which is written once as a commented template.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from provision._errors import ProvisionError


class Role(enum.Enum):
    """What a unit is for; a machine may be several (a small office's SMS box is often its
    status gateway too)."""

    KIOSK = "kiosk"
    SMSD = "smsd"
    GATEWAY = "gateway"


ANY = frozenset(Role)
KIOSK = frozenset({Role.KIOSK})
SMSD = frozenset({Role.SMSD})
GATEWAY = frozenset({Role.GATEWAY})


@dataclass(frozen=True, slots=True)
class Asset:
    """One shipped file: where it is in ``systemd/``, where it goes, for which roles."""

    source: str
    target: PurePosixPath
    roles: frozenset[Role]
    once: bool = False
    """Written only when missing: the technician's file from then on."""


LOCAL_MODEM_RULE = PurePosixPath("/etc/udev/rules.d/69-onestop-gsm-modem-local.rules")
"""The technician's own modem rule, written once as a commented template."""


def _asset(source: str, target_dir: str, roles: frozenset[Role]) -> Asset:
    return Asset(source, PurePosixPath(target_dir) / PurePosixPath(source).name, roles)


ASSETS = (
    _asset("system/onestop-smsd.service", "/usr/local/lib/systemd/system", SMSD),
    _asset("system/onestop-kiosk.service", "/usr/local/lib/systemd/system", KIOSK),
    _asset("system/onestop-gateway.service", "/usr/local/lib/systemd/system", GATEWAY),
    _asset("udev/70-onestop-gsm-modem.rules", "/usr/local/lib/udev/rules.d", SMSD),
    Asset(f"udev/{LOCAL_MODEM_RULE.name}", LOCAL_MODEM_RULE, SMSD, once=True),
    _asset("sysusers.d/onestop.conf", "/usr/local/lib/sysusers.d", ANY),
    _asset("sysusers.d/onestop-smsd.conf", "/usr/local/lib/sysusers.d", SMSD),
    _asset("sysusers.d/onestop-kiosk.conf", "/usr/local/lib/sysusers.d", KIOSK),
    _asset("sysusers.d/onestop-gateway.conf", "/usr/local/lib/sysusers.d", GATEWAY),
    _asset("tmpfiles.d/onestop.conf", "/usr/local/lib/tmpfiles.d", ANY),
    _asset("tmpfiles.d/onestop-smsd.conf", "/usr/local/lib/tmpfiles.d", SMSD),
    _asset("tmpfiles.d/onestop-gateway.conf", "/usr/local/lib/tmpfiles.d", GATEWAY),
)

UNITS = {
    Role.SMSD: "onestop-smsd.service",
    Role.KIOSK: "onestop-kiosk.service",
    Role.GATEWAY: "onestop-gateway.service",
}

DATA_NAME = "onestop-appliance"
"""``share/<DATA_NAME>/systemd`` holds the files in an installed package."""


def checkout() -> Path | None:
    """The source checkout this package runs from, if it does (a ``pip install -e`` or a
    ``python3 -m provision`` run in a clone); None in an installed copy."""
    top = Path(__file__).resolve().parent.parent
    if (top / "setup.cfg").is_file() and (top / "pyproject.toml").is_file():
        return top
    return None


def assets_dir() -> Path:
    """``systemd/`` of the checkout, else the copy installed with the package."""
    top = checkout()
    candidates = [top / "systemd"] if top else []
    candidates.append(Path(sys.prefix) / "share" / DATA_NAME / "systemd")
    for candidate in candidates:
        if (candidate / "system" / UNITS[Role.SMSD]).is_file():
            return candidate
    searched = ", ".join(str(candidate) for candidate in candidates)
    raise ProvisionError(f"the unit files are missing (looked in {searched}); reinstall")
