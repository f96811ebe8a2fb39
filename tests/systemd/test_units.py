"""The units pass systemd's own checks: ``systemd-analyze verify`` without a single word of
complaint, and ``systemd-analyze security`` at the target exposure, with every hardening
line pulling its weight."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from onestop.config import GatewaySection, load_config
from provision import (
    TRANSPORT_DROPIN,
    UNITS,
    Role,
    assets_dir,
    modem_ports,
    transport_dropin,
)
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


def _settings(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def test_sms_daemon_unit_serves_every_transport() -> None:
    """No hard wait for one modem device (smpp and kannel have none, a pool has several; the
    daemon reports a missing modem itself); the network is waited for (the status API, the
    SMSC); the USB modems' serial ports are allowed by device group, which covers every
    /dev/gsm-modems/usb-* link of a pool whenever it is plugged in."""
    text = shipped(SMSD)
    assert not [line for line in text.splitlines() if ".device" in line and "=" in line]
    assert "network-online.target" in _settings(text, "Wants")
    assert "network-online.target" in _settings(text, "After")
    allowed = _settings(text, "DeviceAllow")
    assert {"char-ttyUSB rw", "char-ttyACM rw", "/dev/gsm-modem rw"} <= set(allowed)


def _dropin(root: Path, text: str | None) -> None:
    path = root / str(TRANSPORT_DROPIN).lstrip("/")
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


TRANSPORTS = {
    "modem": "[modem]\nport = /dev/ttyAMA0\n",
    "modem-pool": "[modem.sim1]\nport = /dev/gsm-modems/usb-1-1.2\n"
    "[modem.sim2]\nport = /dev/gsm-modems/usb-1-1.3\n[modem.lab]\nport = rfc2217://x:1\n",
    "smpp": "[smpp]\nhost = smsc.example.vn\nsystem_id = onestop\nsource_addr = 8077\n",
    "kannel": "[kannel]\npassword = pw\n",
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_transport_dropin_verifies_and_keeps_the_sandbox(
    units: Path, tmp_path: Path, transport: str
) -> None:
    """The drop-in provisioning writes for each transport passes ``systemd-analyze verify``
    and keeps the exposure target; without a modem the daemon sees no device at all."""
    conf = tmp_path / "onestop.conf"
    conf.write_text(f"[smsd]\ntransport = {transport}\n{TRANSPORTS[transport]}")
    config = load_config(conf)
    text = transport_dropin(config)
    _dropin(units, text)
    try:
        done = analyze("verify", "--man=no", f"--root={units}", SMSD)
        level = exposure(units, SMSD)
        failed = failing(units, SMSD)
    finally:
        _dropin(units, None)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    assert level <= TARGET
    private_devices = [check for check in failed if check.startswith("PrivateDevices=")]
    if transport in ("smpp", "kannel"):
        assert not private_devices, failed
        assert _settings(text, "DeviceAllow") == [""]
        assert _settings(text, "SupplementaryGroups") == ["", "onestop"]
        assert ("After=kannel.service" in text.splitlines()) == (transport == "kannel")
    else:
        assert private_devices
        assert _settings(text, "DeviceAllow") == [f"{port} rw" for port in modem_ports(config)]
        assert modem_ports(config) == (
            ["/dev/ttyAMA0"]
            if transport == "modem"
            else ["/dev/gsm-modems/usb-1-1.2", "/dev/gsm-modems/usb-1-1.3"]
        )
