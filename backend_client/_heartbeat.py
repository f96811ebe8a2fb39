"""The unit's heartbeat: every ``[fleet] heartbeat_interval`` it tells the gateway how it is.

:class:`FleetReporter` runs one thread per unit. Each interval it asks the unit (kiosk or SMS
daemon) for its own figures, adds what every unit reports (version, uptime, clock offset, free
disk, CPU temperature, how the status API served it), puts the heartbeat in the durable
outbox, then sends the outbox's backlog in batches until it is empty or the gateway cannot be
reached; what is not delivered waits for the next interval. A failing gateway never slows the
unit: the unit only ever writes to its outbox.

An SMS box may get alert texts for technicians in the answer; ``on_alerts`` stores them in the
box's own outbox of replies and returns the ids stored, which the next batch confirms.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import requests

from backend_client._client import read_token_file
from backend_client._outbox import FleetOutbox
from backend_client._stats import ApiFigures
from onestop import __version__
from onestop.config import Config
from onestop.fleet import (
    HEARTBEAT_PATH,
    MAX_ITEMS,
    AlertText,
    Batch,
    BatchAnswer,
    ContractError,
    Heartbeat,
    Role,
    UsageEvent,
    decode,
)

log = logging.getLogger(__name__)

THERMAL_ZONE = Path("/sys/class/thermal/thermal_zone0/temp")

Collect = Callable[[], dict[str, Any]]
"""The unit's own heartbeat fields (see :class:`onestop.fleet.Heartbeat`)."""
UsageSource = Callable[[int], Sequence[tuple[int, UsageEvent]]]
"""Usage events numbered above a position, in order, from a store the unit already keeps."""
TakeAlerts = Callable[[Sequence[AlertText]], Iterable[int]]


def cpu_temperature(zone: Path = THERMAL_ZONE) -> float | None:
    """Degrees Celsius of the first thermal zone (a Raspberry Pi's SoC), None without one."""
    try:
        return int(zone.read_text(encoding="ascii").strip()) / 1000
    except (OSError, ValueError):
        return None


def disk_free_mb(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free // 2**20
    except OSError:
        return None


class FleetReporter:
    """Heartbeats and usage events of one unit, delivered to the gateway in order, once."""

    def __init__(
        self,
        *,
        url: str,
        role: Role,
        outbox: FleetOutbox,
        collect: Collect,
        token: str | None = None,
        interval: float = 60.0,
        office: str = "",
        api_figures: Callable[[], ApiFigures] | None = None,
        usage_source: tuple[str, UsageSource] | None = None,
        on_alerts: TakeAlerts | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        verify: str | bool = True,
        thermal_zone: Path = THERMAL_ZONE,
    ) -> None:
        self.url = url.rstrip("/") + HEARTBEAT_PATH
        self.role = role
        self.outbox = outbox
        self.interval = interval
        self.office = office
        self._collect = collect
        self._api_figures = api_figures
        self._usage_source = usage_source
        self._on_alerts = on_alerts
        self._timeout = timeout
        self._verify = verify
        self._thermal_zone = thermal_zone
        self._session = requests.Session()
        self._session.headers.update(
            {"Content-Type": "application/json", "User-Agent": f"onestop-appliance/{__version__}"}
        )
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fleet", daemon=True)
        self.clock_offset: float | None = None
        self.reachable: bool | None = None
        """None before the first attempt; then whether the last delivery worked."""
        self.delivered = threading.Condition()
        self.last_acked = 0

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FleetReporter:
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the delivery in hand and close the outbox; what is not delivered
        stays in it for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._session.close()
        self.outbox.close()

    def record(self, events: Iterable[UsageEvent]) -> None:
        """Keep usage events for the gateway (a unit without a usage store of its own)."""
        self.outbox.add_usage(events)

    def wake(self) -> None:
        """Send a heartbeat now rather than at the next interval (tests, a technician)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
                self.flush()
            except Exception:
                log.exception("fleet report failed; trying again at the next heartbeat")
            self._wake.wait(self.interval)
            self._wake.clear()

    # -- one heartbeat ---------------------------------------------------------------------------

    def heartbeat(self) -> Heartbeat:
        """This unit's heartbeat now: its own figures and what every unit reports."""
        common: dict[str, Any] = {
            "role": self.role,
            "at": time.time(),
            "version": __version__,
            "uptime_s": round(time.monotonic() - self._started, 1),
            "office": self.office,
            "clock_offset_s": self.clock_offset,
            "disk_free_mb": disk_free_mb(self.outbox.path.parent),
            "cpu_temp_c": cpu_temperature(self._thermal_zone),
        }
        if self._api_figures is not None:
            figures = self._api_figures()
            common |= {
                "api_requests": figures.requests,
                "api_errors": figures.errors,
                "api_latency_ms": figures.median_ms,
            }
        try:
            own = self._collect()
        except Exception:
            log.exception("collecting the unit's heartbeat figures failed; sending the rest")
            own = {}
        try:
            return msgspec.convert(common | own, Heartbeat)
        except msgspec.ValidationError as exc:
            # One bad figure must not silence the unit: send what every unit reports.
            log.error("a heartbeat figure is out of range (%s); sending the rest", exc)
            return msgspec.convert(common, Heartbeat)

    def beat(self) -> None:
        self.outbox.add_heartbeat(self.heartbeat())

    # -- delivery --------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Send the backlog until it is empty; False when the gateway could not take it."""
        if self._usage_source is not None:
            name, source = self._usage_source
            self.outbox.copy_usage(name, source(self.outbox.position(name)))
        while not self._stop.is_set():
            items = self.outbox.pending(MAX_ITEMS)
            sent_alerts = self.outbox.sent_alerts()
            batch = Batch(
                outbox_id=self.outbox.outbox_id,
                role=self.role,
                items=tuple(items),
                sent_alerts=tuple(sent_alerts),
            )
            answer = self._post(batch)
            if answer is None:
                return False
            if items and answer.acked < items[-1].seq:
                self._failed(f"the gateway holds only up to item {answer.acked}")
                return False
            self.outbox.delivered(answer.acked)
            self.outbox.forget_sent_alerts(sent_alerts)
            if answer.alerts:
                self._take_alerts(answer.alerts)
            with self.delivered:
                self.last_acked = answer.acked
                self.delivered.notify_all()
            if len(items) < MAX_ITEMS and not answer.alerts:
                return True
        return False

    def _post(self, batch: Batch) -> BatchAnswer | None:
        started = time.time()
        try:
            response = self._session.post(
                self.url,
                data=msgspec.json.encode(batch),
                timeout=self._timeout,
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._failed(f"cannot reach {self.url}: {type(exc).__name__}")
            return None
        finished = time.time()
        if response.status_code != 200:
            self._failed(_refusal(response))
            return None
        try:
            answer = decode(response.content, BatchAnswer)
        except ContractError as exc:
            self._failed(f"the gateway's answer breaks the fleet contract: {exc}")
            return None
        self.clock_offset = round(answer.time - (started + finished) / 2, 3)
        if self.reachable is not True:
            log.info("fleet: the gateway takes this unit's heartbeats again")
        self.reachable = True
        return answer

    def _failed(self, why: str) -> None:
        depth = self.outbox.depth()
        if self.reachable is not False:
            log.warning("fleet: %s; %d item(s) kept until it answers", why, depth)
        else:
            log.debug("fleet: %s; %d item(s) kept", why, depth)
        self.reachable = False

    def _take_alerts(self, alerts: Sequence[AlertText]) -> None:
        if self._on_alerts is None:
            return
        stored = list(self._on_alerts(alerts))
        self.outbox.note_sent_alerts(stored)
        if stored:
            log.info("fleet: %d alert SMS for technicians queued", len(stored))


def _refusal(response: requests.Response) -> str:
    status = response.status_code
    if status in (401, 403):
        return f"the gateway refused this unit's token (HTTP {status})"
    if status == 404:
        return "the gateway takes no heartbeats (is [fleet_gateway] enabled there?)"
    if status == 400:
        return f"the gateway refused a heartbeat batch: {response.text[:300]}"
    return f"the gateway answered HTTP {status}"


def fleet_reporter(
    config: Config,
    *,
    role: Role,
    default_outbox: Path,
    collect: Collect,
    api_figures: Callable[[], ApiFigures] | None = None,
    usage_source: tuple[str, UsageSource] | None = None,
    on_alerts: TakeAlerts | None = None,
) -> FleetReporter | None:
    """The unit's reporter as ``[fleet]`` configures it, or None when it is not enabled.

    It sends to ``[fleet] url`` (default: the status API, which is the gateway) with the
    unit's status API token, and keeps its outbox in ``[fleet] outbox`` (default:
    ``default_outbox``, beside the unit's own data).
    """
    fleet = config.fleet
    if not fleet.enabled:
        return None
    backend = config.backend
    token = read_token_file(backend.token_file) if backend.token_file else backend.token
    outbox = FleetOutbox(fleet.outbox or default_outbox, max_backlog=fleet.max_backlog)
    return FleetReporter(
        url=fleet.url or backend.url,
        role=role,
        outbox=outbox,
        collect=collect,
        token=token or None,
        interval=fleet.heartbeat_interval,
        office=fleet.office,
        api_figures=api_figures,
        usage_source=usage_source,
        on_alerts=on_alerts,
        timeout=(backend.connect_timeout, backend.read_timeout),
        verify=str(backend.ca_bundle) if backend.ca_bundle else True,
    )
