"""The units pass systemd's own checks: ``systemd-analyze verify`` without a single word of
complaint, and ``systemd-analyze security`` at the target exposure, with every hardening
line pulling its weight."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from onestop.config import GatewaySection
from provision import UNITS, Role, assets_dir
from tests.systemd.staging import analyze

SMSD = UNITS[Role.SMSD]
KIOSK = UNITS[Role.KIOSK]
GATEWAY = UNITS[Role.GATEWAY]

TARGET = 2.0
"""The highest exposure allowed: systemd-analyze rates up to 2.0 "OK"."""

SANDBOX = [
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateMounts=yes",
    "DevicePolicy=closed",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectProc=invisible",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "UMask=0077",
]
"""The sandbox lines every unit carries (the gateway, which needs no device, has
PrivateDevices= instead of DevicePolicy=)."""

HARDENING = {
    SMSD: [
        "User=onestop-smsd",
        "ProcSubset=pid",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "MemoryDenyWriteExecute=yes",
        "SystemCallFilter=~@privileged @resources",
        *SANDBOX,
    ],
    GATEWAY: [
        "User=onestop-gateway",
        "PrivateDevices=yes",
        "ProcSubset=pid",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "MemoryDenyWriteExecute=yes",
        "SystemCallFilter=~@privileged @resources",
        *(line for line in SANDBOX if line != "DevicePolicy=closed"),  # PrivateDevices= has it
    ],
    KIOSK: [
        "User=onestop-kiosk",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "SystemCallFilter=~@privileged",
        *SANDBOX,
    ],
}


def shipped(unit: str) -> str:
    return (assets_dir() / "system" / unit).read_text()


def override(root: Path, unit: str, text: str | None) -> None:
    """Put a variant of ``unit`` in /etc (which wins over /usr/local/lib), or remove it."""
    path = root / "etc/systemd/system" / unit
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def exposure(root: Path, unit: str) -> float:
    done = analyze("security", "--offline=true", f"--root={root}", unit)
    found = re.search(rf"Overall exposure level for {re.escape(unit)}: ([0-9.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    return float(found.group(1))


def failing(root: Path, unit: str) -> dict[str, float]:
    """Each check the unit fails, with its description (which names what is allowed), and
    its weight."""
    done = analyze("security", "--offline=true", f"--root={root}", "--json=short", unit)
    checks = json.loads(done.stdout)
    return {
        f"{check['name']} {check['description']}": float(check["exposure"] or 0)
        for check in checks
        if not check["set"]
    }


@pytest.mark.parametrize("unit", [SMSD, KIOSK, GATEWAY])
def test_verify_has_nothing_to_say(units: Path, unit: str) -> None:
    done = analyze("verify", "--man=no", f"--root={units}", unit)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_verify_check_catches_a_mere_warning(units: Path) -> None:
    """A misspelt key only draws a warning and exit status 0, so the check above must (and
    does) treat any output as a failure."""
    override(units, SMSD, shipped(SMSD).replace("ProtectSystem=strict", "ProtectSytem=strict"))
    try:
        done = analyze("verify", "--man=no", f"--root={units}", SMSD)
    finally:
        override(units, SMSD, None)
    assert done.returncode == 0
    assert "Unknown key 'ProtectSytem'" in done.stdout + done.stderr


def test_sms_daemon_meets_the_exposure_target(units: Path) -> None:
    assert exposure(units, SMSD) <= TARGET
    threshold = analyze(
        "security", "--offline=true", f"--root={units}", f"--threshold={TARGET * 10:.0f}", SMSD
    )
    assert threshold.returncode == 0, threshold.stdout


def test_kiosk_stays_within_the_same_target(units: Path) -> None:
    assert exposure(units, KIOSK) <= TARGET


def test_gateway_meets_the_exposure_target(units: Path) -> None:
    assert exposure(units, GATEWAY) <= TARGET


def test_gateway_unit_matches_the_gateway() -> None:
    """It sends READY and WATCHDOG itself (only its main process), exits 2 for a configuration
    it cannot use, keeps its ratings in its own state directory, and gets the root-only files
    its configuration may name as private copies."""
    text = shipped(GATEWAY)
    settings = dict(line.split("=", 1) for line in text.splitlines() if re.match(r"^\w+=", line))
    assert settings["Type"] == "notify"
    assert settings["NotifyAccess"] == "main"
    assert settings["ExecStart"] == "/opt/onestop/bin/onestop-gateway"
    assert settings["StateDirectory"] == "onestop-gateway"
    assert settings["RestartPreventExitStatus"] == "2"
    assert int(settings["LimitNOFILE"]) > GatewaySection().max_connections + 256
    for secret in ("gateway-clients", "gateway-secrets"):
        assert f"LoadCredential={secret}:/etc/onestop/{secret}" in text
        assert f"BindReadOnlyPaths=%d/{secret}:/etc/onestop/{secret}" in text
    assert str(GatewaySection().database).startswith("/var/lib/onestop-gateway/")


@pytest.mark.parametrize(
    ("unit", "line"), [(unit, line) for unit, lines in HARDENING.items() for line in lines]
)
def test_every_hardening_line_counts(units: Path, unit: str, line: str) -> None:
    text = shipped(unit)
    assert text.splitlines().count(line) == 1, f"{line!r} is not in {unit}"
    before = failing(units, unit)
    override(units, unit, "".join(kept for kept in text.splitlines(True) if kept.strip() != line))
    try:
        after = failing(units, unit)
    finally:
        override(units, unit, None)
    assert sum(after.values()) > sum(before.values()), sorted(set(after) - set(before))


def test_sms_daemon_matches_the_daemon() -> None:
    """Type, watchdog, reload and paths agree with what onestop-smsd does: it sends READY,
    STATUS and WATCHDOG itself (only its main process), reloads on SIGHUP, reads
    /etc/onestop/onestop.conf and keeps its database in /var/lib/onestop."""
    settings = dict(
        line.split("=", 1) for line in shipped(SMSD).splitlines() if re.match(r"^\w+=", line)
    )
    assert settings["Type"] == "notify"
    assert settings["NotifyAccess"] == "main"
    assert settings["WatchdogSec"] == "1min"
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert settings["ExecStart"] == "/opt/onestop/bin/onestop-smsd"
    assert settings["StateDirectory"] == "onestop"
    assert settings["ConfigurationDirectory"] == "onestop"
    assert settings["Restart"] == "on-failure"
    assert settings["RestartPreventExitStatus"] == "2"
    assert "dialout" in settings["SupplementaryGroups"].split()
