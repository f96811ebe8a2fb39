"""``onestop-check``: a monitoring plugin for Icinga, Nagios or Zabbix.

    onestop-check --url URL [--token-file FILE]            the gateway
    onestop-check --url URL --token-file FILE --unit NAME  one kiosk or SMS box, as the gateway
                                                           last heard from it

It prints one status line with performance data, as the Monitoring Plugins guidelines ask,
and exits 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN). A unit's state comes from the
gateway's fleet (the unit itself may be behind a NAT the monitoring host cannot reach); the
token is one of the gateway's clients listed in ``[fleet_gateway] readers``.
"""

from __future__ import annotations

import argparse
import enum
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import requests

from backend_client._client import API_PREFIX, read_token_file
from onestop.config import ConfigError

UNITS_PATH = f"{API_PREFIX}/fleet/units"


class Status(enum.IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass
class Result:
    status: Status
    summary: str
    performance: list[str] = field(default_factory=list)

    def line(self, service: str) -> str:
        # One line, and nothing a unit reports (a modem's state) may pass for the "|" that
        # starts the performance data.
        summary = " ".join(self.summary.replace("|", "/").split())
        text = f"{service} {self.status.name} - {summary}"
        return f"{text} | {' '.join(self.performance)}" if self.performance else text


def _number(value: float) -> str:
    """A figure as the guidelines want it: digits and a point, never an exponent (``:g``
    writes a unit silent for twelve days as 1.0368e+06)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def perf(label: str, value: float | int | None, unit: str = "", *limits: float | None) -> str:
    """``'label'=value[unit];warn;crit;min;max``, trailing empty fields left out."""
    shown = "U" if value is None else _number(value)
    fields = [f"{shown}{unit if value is not None else ''}"]
    fields += ["" if limit is None else _number(limit) for limit in limits]
    return f"'{label}'=" + ";".join(fields).rstrip(";")


class _Gateway:
    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.url + path, timeout=self.timeout, allow_redirects=False)


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def check_gateway(gateway: _Gateway, *, with_fleet: bool) -> Result:
    try:
        response = gateway.get(f"{API_PREFIX}/health")
    except requests.RequestException as exc:
        return Result(Status.CRITICAL, f"the gateway does not answer: {type(exc).__name__}")
    elapsed = round(response.elapsed.total_seconds() * 1000)
    if response.status_code in (401, 403):
        return Result(
            Status.UNKNOWN,
            "the gateway answers but wants a client's token for its health check (--token-file)",
        )
    health = _json(response)
    if response.status_code != 200 or health is None:
        return Result(
            Status.CRITICAL, f"the gateway's health check answers HTTP {response.status_code}"
        )
    state = str(health.get("status", "?"))
    result = Result(
        Status.OK if state == "ok" else Status.WARNING,
        f"gateway {state}",
        [perf("health_time", elapsed, "ms")],
    )
    if not with_fleet:
        return result
    try:
        fleet = gateway.get(UNITS_PATH)
    except requests.RequestException as exc:
        result.summary += f"; the fleet does not answer: {type(exc).__name__}"
        result.status = max(result.status, Status.WARNING)
        return result
    data = _json(fleet)
    if fleet.status_code != 200 or data is None:
        result.summary += f"; the fleet answers HTTP {fleet.status_code} (is this client a reader?)"
        result.status = max(result.status, Status.UNKNOWN)
        return result
    units = data.get("units", [])
    states = [unit.get("state") for unit in units]
    down, warning = states.count("down"), states.count("warning")
    result.summary += f"; {len(units)} units, {down} down, {warning} with warnings"
    if down or warning:
        result.status = max(result.status, Status.WARNING)
    result.performance += [
        perf("units", len(units), "", None, None, 0),
        perf("units_down", down, "", None, None, 0),
        perf("units_warning", warning, "", None, None, 0),
    ]
    return result


_STATES = {"ok": Status.OK, "warning": Status.WARNING, "down": Status.CRITICAL}


def check_unit(gateway: _Gateway, name: str, role: str | None) -> Result:
    try:
        response = gateway.get(f"{UNITS_PATH}/{quote(name, safe='')}")
    except requests.RequestException as exc:
        return Result(Status.UNKNOWN, f"the gateway does not answer: {type(exc).__name__}")
    data = _json(response)
    if response.status_code == 404:
        return Result(Status.UNKNOWN, f"the gateway knows no unit called {name}")
    if response.status_code in (401, 403):
        return Result(
            Status.UNKNOWN, "the gateway refused the token (is it in [fleet_gateway] readers?)"
        )
    if response.status_code != 200 or data is None:
        return Result(Status.UNKNOWN, f"the gateway answered HTTP {response.status_code}")
    units = [unit for unit in data.get("units", []) if role is None or unit.get("role") == role]
    if not units:
        return Result(Status.UNKNOWN, f"the gateway knows no {role} called {name}")
    silent_after = float(data.get("silent_after", 300))
    status = max(_STATES.get(str(unit.get("state")), Status.UNKNOWN) for unit in units)
    parts, performance = [], []
    for unit in units:
        kind = unit.get("role", "?")
        age = float(unit.get("age_s", 0))
        alerts = [alert.get("text", alert.get("kind", "?")) for alert in unit.get("alerts", [])]
        part = f"{name} ({kind}): last heartbeat {age:.0f} s ago"
        part += f", {'; '.join(alerts)}" if alerts else ", no alerts"
        parts.append(part)
        prefix = f"{kind}_" if len(units) > 1 else ""
        performance.append(perf(f"{prefix}heartbeat_age", round(age), "s", None, silent_after, 0))
        performance += _figures(prefix, unit.get("heartbeat") or {})
    return Result(status, "; ".join(parts), performance)


def _figures(prefix: str, beat: dict[str, Any]) -> list[str]:
    found = [
        perf(f"{prefix}api_latency", beat.get("api_latency_ms"), "ms", None, None, 0),
        perf(f"{prefix}api_errors", beat.get("api_errors", 0), "", None, None, 0),
    ]
    if beat.get("role") == "sms":
        signals = [m["signal"] for m in beat.get("modems", []) if m.get("signal") is not None]
        found += [
            perf(f"{prefix}signal", min(signals) if signals else None, "", None, None, 0, 31),
            perf(f"{prefix}outbox", beat.get("outbox_depth"), "", None, None, 0),
            perf(f"{prefix}replies_hour", beat.get("replies_hour"), "", None, None, 0),
        ]
    elif beat.get("role") == "kiosk":
        found += [
            perf(f"{prefix}camera_fps", beat.get("camera_fps"), "", None, None, 0),
            perf(f"{prefix}lookups_hour", beat.get("lookups_hour"), "", None, None, 0),
        ]
    return found


class _Usage(Exception):
    """The command line is wrong: the plugin says so on its one line, UNKNOWN."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(message)


def main(argv: list[str] | None = None) -> int:
    """Print the one line and return the status; whatever goes wrong, UNKNOWN (3), never a
    traceback that a monitoring tool would read as WARNING (Python exits 1)."""
    try:
        return _check(argv)
    except _Usage as exc:
        print(f"ONESTOP UNKNOWN - {exc} (onestop-check --help)")
    except Exception as exc:  # a gateway's answer this release cannot read, a bug
        print(f"ONESTOP UNKNOWN - the check failed: {type(exc).__name__}: {exc}"[:300])
    return Status.UNKNOWN


def _check(argv: list[str] | None) -> int:
    parser = _Parser(
        prog="onestop-check",
        description="Check the status gateway or one unit, for Icinga, Nagios or Zabbix.",
    )
    parser.add_argument("--url", required=True, help="the gateway's root URL")
    parser.add_argument("--token-file", type=Path, metavar="FILE", help="file with the token")
    parser.add_argument("--unit", metavar="NAME", help="check this unit instead of the gateway")
    parser.add_argument("--role", choices=("kiosk", "sms"), help="the unit's kind, when it has two")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return Status.UNKNOWN if exc.code else Status.OK
    try:
        token = read_token_file(args.token_file) if args.token_file else None
    except ConfigError as exc:
        print(f"ONESTOP UNKNOWN - {exc.problems[0]}")
        return Status.UNKNOWN
    gateway = _Gateway(args.url, token, args.timeout)
    if args.unit:
        if token is None:
            print("ONESTOP UNKNOWN - checking a unit needs --token-file (a reader's token)")
            return Status.UNKNOWN
        result = check_unit(gateway, args.unit, args.role)
        service = "ONESTOP UNIT"
    else:
        result = check_gateway(gateway, with_fleet=token is not None)
        service = "ONESTOP GATEWAY"
    print(result.line(service))
    return result.status


if __name__ == "__main__":
    sys.exit(main())
