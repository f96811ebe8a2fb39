"""The fleet's figures: heartbeats beside lookups, the fleet page, the half-year report.

Three measurements, each printed with its median, p95 (p99 for lookups) and a ratio against
a baseline taken in the same run:

1. ``heartbeats``: the gateway (its own process, as ``onestop-gateway`` serves it, the fleet
   on SQLite) answers lookups at a steady 100 a second (cache hits, an open loop that does
   not slow down when answers do) while 2,000 simulated units post a batch each every 60 s
   (33 a second, a heartbeat and a usage event each, every unit with its own token; the
   units' process runs all along and is only told to send or not). Lookup p99 with
   heartbeats against without, in blocks of two runs interleaved ABBA (off-on, on-off, ...)
   so that drift and other work on the machine fall on both sides alike: the change in each
   block, their median (the verdict) with the middle half and the range, the pooled p99s,
   and the load average before and after. On a busy machine the spread is wide; run it on
   a quiet one. Target: < +10 %.
2. ``page``: the fleet page listing 2,000 units (each with its last heartbeat, one in ten
   with an open alert), over HTTP, against the login page of the same server. Target:
   median under 300 ms.
3. ``report``: the half-year usage report over 2,000 units and 10 million usage events, on
   SQLite and on PostgreSQL (a throwaway cluster, as the tests start it); the events are
   loaded in bulk (executemany, COPY) and the monthly totals computed from them, as the
   gateway keeps them while heartbeats arrive. Target: under 5 s. Also timed: a period that
   starts and ends mid-month (part read from the single events) and the CSV (every unit
   month by month).

Usage: python bench/fleet.py [--only heartbeats|page|report] [--events N] [--units N]
                             [--blocks N] [--seconds S] [--rate R] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' PostgreSQL starter

from dossier import ICT, Status
from gateway.fleet._auth import hash_password
from gateway.fleet._report import Period, build_report, unit_months
from gateway.fleet._store import (
    FleetStore,
    channel_key,
    latency_bucket,
    vietnam_day,
)
from onestop.fleet import (
    HEARTBEAT_PATH,
    Batch,
    Heartbeat,
    HeartbeatItem,
    Modem,
    Outcome,
    Role,
    Sim,
    UsageEvent,
    UsageItem,
    encode,
    hour_of,
)
from tests.pgcluster import PostgresCluster

PASSWORD = "bench password 1"  # noqa: S105 (the throwaway login of a benchmark's server)
OFFICES = 100


def quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def show(name: str, samples: list[float], unit: str = "ms", baseline: float | None = None) -> None:
    middle = statistics.median(samples)
    line = f"  {name:<46} median {middle:9.1f} {unit}  p95 {quantile(samples, 95):9.1f} {unit}"
    if baseline:
        line += f"  x{middle / baseline:.2f}"
    print(line)


def office(unit: int) -> str:
    return f"UBND xã số {unit % OFFICES + 1:03d}"


def unit_name(unit: int) -> str:
    return f"unit-{unit:04d}"


def role_of(unit: int) -> Role:
    return Role.SMS if unit % 2 else Role.KIOSK


TRANSPORTS = ("modem", "kannel", "smpp")


def heartbeat(unit: int, at: float, rng: random.Random) -> Heartbeat:
    role = role_of(unit)
    common: dict[str, Any] = {
        "role": role,
        "at": at,
        "version": "0.1.0",
        "uptime_s": 86400.0,
        "office": office(unit),
        "disk_free_mb": 12000,
        "cpu_temp_c": 50.0,
        "api_requests": 30,
        "api_errors": 0,
        "api_latency_ms": rng.randint(50, 400),
    }
    if role is Role.SMS:
        down = unit % 10 == 1
        return Heartbeat(
            **common,
            transport=TRANSPORTS[unit % 3],
            modems=(Modem(name="modem", state="lost" if down else "ready", signal=17),),
            sims=(Sim(name="modem", sent_hour=5, cap_hour=100, sent_day=50, cap_day=600),),
            outbox_depth=0,
            replies_hour=12,
            reply_median_ms=900,
        )
    return Heartbeat(
        **common,
        screen="idle",
        screen_since_s=20.0,
        ui_stalled_s=0.1,
        camera="picamera2",
        camera_fps=0.0 if unit % 10 == 0 else 15.0,
        lookups_hour=9,
    )


# -- 1. heartbeats beside lookups --------------------------------------------------------------

LOOKUP_TOKEN = "bench-lookups"  # noqa: S105 (a throwaway client of a benchmark gateway)


def unit_token(unit: int) -> str:
    return f"bench-token-{unit:04d}"


def _serve_gateway(port: int, folder: str, units: int) -> None:
    """The gateway with its fleet, as ``onestop-gateway`` serves it (its own process)."""
    import logging

    from gateway import ClientRegistry, Gateway
    from gateway.fleet import mount_fleet
    from onestop.config import UpstreamSection, parse_config

    logging.basicConfig(level=logging.WARNING)
    config = parse_config(
        {
            "gateway": {
                "port": str(port),
                "database": f"{folder}/gateway.sqlite3",
                "rate_limit": "0",
                "not_found_limit": "0",
                "max_connections": "4000",
                "cache_ttl": "3600",
            },
            "fleet_gateway": {"enabled": "yes", "database": f"sqlite:///{folder}/fleet.sqlite3"},
            "fleet_alerts": {"check_interval": "15"},
        }
    )
    tokens = {unit_name(unit): unit_token(unit) for unit in range(units)}
    clients = ClientRegistry.from_tokens(tokens | {"bench": LOOKUP_TOKEN})
    gateway = Gateway(config.gateway, {"demo": UpstreamSection(type="demo")}, clients=clients)
    fleet = mount_fleet(gateway, config)
    if fleet is None:
        raise SystemExit("the fleet is not enabled")
    gateway.server(port=port, extra_routes=fleet.routes, graceful_shutdown=1.0).serve()


async def _open_loop(rate: float, seconds: float, send: Callable[[int], Any]) -> list[float]:
    """Send at ``rate`` a second for ``seconds`` whatever the answers take (an open loop: a
    slow answer does not delay the next request), and return each request's time from when it
    was due to its answer, in milliseconds."""
    import asyncio

    loop = asyncio.get_running_loop()
    times: list[float] = []
    start = loop.time() + 0.1

    async def timed(number: int, due: float) -> None:
        await send(number)
        times.append((loop.time() - due) * 1000)

    tasks = []
    for number in range(int(rate * seconds)):
        due = start + number / rate
        await asyncio.sleep(max(due - loop.time(), 0))
        tasks.append(asyncio.create_task(timed(number, due)))
    await asyncio.gather(*tasks)
    return times


def lookups(url: str, rate: float, seconds: float) -> list[float]:
    import asyncio

    import httpx

    from onestop.demo_api import bundled_records

    paths = [f"/api/v1/dossiers/{record.dossier.code}" for record in bundled_records()]

    async def run() -> list[float]:
        headers = {"Authorization": f"Bearer {LOOKUP_TOKEN}"}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as http:

            async def send(number: int) -> None:
                answer = await http.get(paths[number % len(paths)])
                if answer.status_code != 200:
                    raise SystemExit(f"a lookup answered HTTP {answer.status_code}")

            return await _open_loop(rate, seconds, send)

    return asyncio.run(run())


def _batch_body(unit: int, number: int, rng: random.Random) -> bytes:
    """Unit ``unit``'s batch number ``number``: a heartbeat and a usage event."""
    beat = heartbeat(unit, time.time(), rng)
    event = UsageEvent(
        hour=hour_of(time.time()),
        channel=beat.role,
        outcome=Outcome.FOUND,
        status=Status.PROCESSING,
        latency_ms=rng.randint(100, 900),
        transport=beat.transport or "",
    )
    items = (HeartbeatItem(2 * number + 1, beat), UsageItem(2 * number + 2, event))
    return encode(Batch(outbox_id=f"bench-{unit:04d}", role=beat.role, items=items))


def _send_heartbeats(url: str, units: int, interval: float, control: Any, report: Any) -> None:
    """2,000 units' batches (its own process, all along the measurement): while
    ``control["sending"]`` is set, every unit posts one batch per ``interval``, spread evenly
    (an open loop, as real units do not wait for each other); while it is clear, nothing. So
    the runs with and without heartbeats differ only in the heartbeats. First every unit
    posts once, so that the gateway knows them all before anything is measured."""
    import asyncio

    import httpx

    rng = random.Random(5)
    numbers = [0] * units
    sent = 0
    failures = 0

    async def run() -> None:
        nonlocal sent, failures
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:

            async def send(unit: int) -> None:
                nonlocal sent, failures
                body = _batch_body(unit, numbers[unit], rng)
                numbers[unit] += 1
                answer = await http.post(
                    HEARTBEAT_PATH,
                    content=body,
                    headers={"Authorization": f"Bearer {unit_token(unit)}"},
                )
                sent += 1
                failures += answer.status_code != 200

            for first in range(0, units, 50):
                await asyncio.gather(*(send(unit) for unit in range(first, first + 50)))
            control["registered"].set()
            loop = asyncio.get_running_loop()
            pending: set[asyncio.Task[None]] = set()
            unit = 0
            due = loop.time()
            while not control["stop"].is_set():
                if not control["sending"].is_set():
                    await asyncio.sleep(0.02)
                    due = loop.time()
                    continue
                await asyncio.sleep(max(due - loop.time(), 0))
                task = asyncio.create_task(send(unit))
                pending.add(task)
                task.add_done_callback(pending.discard)
                unit = (unit + 1) % units
                due += interval / units
            await asyncio.gather(*pending)

    asyncio.run(run())
    report.put((sent, failures))


def _spread(values: list[float]) -> str:
    """The median of changes, with the middle half and the whole range of them."""
    if len(values) < 4:
        return f"{statistics.median(values):+.1%} (from {min(values):+.1%} to {max(values):+.1%})"
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return (
        f"{middle:+.1%} (middle half {low:+.1%} to {high:+.1%}, "
        f"all {min(values):+.1%} to {max(values):+.1%})"
    )


def bench_heartbeats(units: int, seconds: float, rate: float, blocks: int) -> None:
    """Lookup times with and without the units' heartbeats, in interleaved runs (ABBA: off
    on, on off, ...), so that the machine's own drift and the other work on it fall on both
    sides alike; the change is the pooled p99's, with the per-block changes' spread."""
    import multiprocessing
    import os

    spawn = multiprocessing.get_context("spawn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    print(
        f"heartbeats from {units} units at 60 s ({units / 60:.0f} batches/s) beside {rate:g} "
        f"lookups/s (cache hits); {blocks} blocks of two {seconds:g} s runs, interleaved "
        f"(off-on, on-off, ...); load average before: {os.getloadavg()[0]:.2f}"
    )
    control = {"sending": spawn.Event(), "stop": spawn.Event(), "registered": spawn.Event()}
    report = spawn.Queue()
    with tempfile.TemporaryDirectory() as folder:
        server = spawn.Process(target=_serve_gateway, args=(port, folder, units), daemon=True)
        server.start()
        sender = None
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"{url}/api/v1/health", timeout=1).status_code in (200, 401):
                        break
                if time.monotonic() > deadline or not server.is_alive():
                    raise SystemExit("the gateway did not start")
                time.sleep(0.1)
            sender = spawn.Process(
                target=_send_heartbeats, args=(url, units, 60.0, control, report), daemon=True
            )
            sender.start()
            if not control["registered"].wait(300):
                raise SystemExit("the units did not register")
            lookups(url, rate, 3)  # warm the cache and the connections
            runs: dict[bool, list[list[float]]] = {False: [], True: []}
            for block in range(blocks):
                for sending in (False, True) if block % 2 == 0 else (True, False):
                    if sending:
                        control["sending"].set()
                    else:
                        control["sending"].clear()
                    time.sleep(2)  # the heartbeats' pace (or their absence) established
                    runs[sending].append(lookups(url, rate, seconds))
            control["sending"].clear()
            control["stop"].set()
            sent, failures = report.get(timeout=120)
            sender.join(60)
        finally:
            control["stop"].set()
            server.terminate()
            server.join(10)
            if sender is not None and sender.is_alive():
                sender.terminate()
        import sqlite3

        with contextlib.closing(sqlite3.connect(f"{folder}/fleet.sqlite3")) as db:
            stored = db.execute("SELECT COUNT(*) FROM heartbeats").fetchone()[0]
    if failures:
        raise SystemExit(f"{failures} of {sent} heartbeat batches were refused")
    alone = [ms for run in runs[False] for ms in run]
    beside = [ms for run in runs[True] for ms in run]
    show(f"lookups alone (baseline), {len(alone)} samples", alone)
    show(
        f"lookups beside heartbeats, {len(beside)} samples",
        beside,
        baseline=statistics.median(alone),
    )
    p99_alone, p99_beside = quantile(alone, 99), quantile(beside, 99)
    change = p99_beside / p99_alone - 1
    per_block = [
        quantile(on, 99) / quantile(off, 99) - 1
        for off, on in zip(runs[False], runs[True], strict=True)
    ]
    medians = [
        statistics.median(on) / statistics.median(off) - 1
        for off, on in zip(runs[False], runs[True], strict=True)
    ]
    print(f"  {sent} heartbeat batches posted, {stored} heartbeats stored")
    print(f"  p99 pooled: {p99_alone:.2f} ms alone, {p99_beside:.2f} ms beside: {change:+.1%}")
    print(f"  p99 change, block by block: {_spread(per_block)}")
    print(f"  median change, block by block: {_spread(medians)}")
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    # The blocks' median: a burst of other work in one run moves the pooled p99 (its top
    # 1 % are a few hundred samples) but only that block's change.
    verdict = "meets" if statistics.median(per_block) < 0.10 else "MISSES"
    print(f"  target: lookup p99 rises by less than 10 % (blocks' median): {verdict}")


# -- 2. the fleet page ------------------------------------------------------------------------


@contextlib.contextmanager
def fleet_server(database: str, units: int) -> Iterator[str]:
    from tests.gateway.fleet.conftest import fleet_config, running_fleet

    config = fleet_config(
        database,
        fleet_gateway={"login.bench": hash_password(PASSWORD), "cookie_secure": "no"},
        fleet_alerts={"check_interval": "600"},
    )
    with running_fleet(config) as running:
        rng = random.Random(7)
        now = time.time()
        for unit in range(units):
            beat = heartbeat(unit, now - rng.uniform(0, 60), rng)
            batch = Batch(outbox_id="bench-outbox", role=beat.role, items=(HeartbeatItem(1, beat),))
            running.store.ingest(unit_name(unit), batch, now)
        running.fleet.book.evaluate(running.store.units(), now)
        yield running.url


def timed_get(session: requests.Session, url: str, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = session.get(url, timeout=60)
        samples.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return samples


def bench_page(units: int, rounds: int) -> None:
    print(f"fleet page, {units} units, {rounds} requests each:")
    with (
        tempfile.TemporaryDirectory() as folder,
        fleet_server(f"sqlite:///{folder}/fleet.sqlite3", units) as url,
    ):
        browser = requests.Session()
        browser.post(f"{url}/fleet/login", data={"name": "bench", "password": PASSWORD}, timeout=30)
        page = browser.get(f"{url}/fleet/", timeout=60)
        shown = page.text.count('<tr class="unit')
        if shown != units:
            raise SystemExit(f"the page lists {shown} units, not {units}")
        baseline = timed_get(requests.Session(), f"{url}/fleet/login", rounds)
        listing = timed_get(browser, f"{url}/fleet/", rounds)
        office_only = timed_get(browser, f"{url}/fleet/?office={office(1)}", rounds)
        sent = int(page.headers.get("content-length", len(page.content)))
        size = len(page.content) / 1024
        print(f"  ({size:.0f} KB of HTML for {units} units, {sent / 1024:.0f} KB sent)")
        base = statistics.median(baseline)
        show("login page (baseline)", baseline)
        show(f"unit list, all {units} units", listing, baseline=base)
        show("unit list, one office", office_only, baseline=base)
        verdict = "meets" if statistics.median(listing) < 300 else "MISSES"
        print(f"  target: median under 300 ms: {verdict}")


# -- 3. the report ----------------------------------------------------------------------------

HALF_YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def event_rows(units: int, count: int, unit_ids: dict[int, int]) -> Iterator[tuple[object, ...]]:
    """``count`` usage events over the first half of 2026, as rows of ``usage_events``.

    Drawn in blocks with ``random.choices`` (a loop in C) from precomputed pools of hours,
    outcomes and answer times, so that ten million rows take seconds, not minutes.
    """
    rng = random.Random(13)
    start = int(dt.datetime(2026, 1, 1, tzinfo=ICT).timestamp())
    end = int(dt.datetime(2026, 7, 1, tzinfo=ICT).timestamp())
    hours = [
        (hour, vietnam_day(hour).isoformat(), f"{vietnam_day(hour):%Y-%m}")
        for hour in range(start, end, 3600)
    ]
    weights = {
        Outcome.FOUND: 70,
        Outcome.LAST_KNOWN: 3,
        Outcome.NOT_FOUND: 10,
        Outcome.INVALID_CODE: 8,
        Outcome.REJECTED: 1,
        Outcome.UNAVAILABLE: 2,
        Outcome.HELP: 5,
        Outcome.UNKNOWN: 1,
    }
    statuses = [status.value for status in Status]
    told = [
        (outcome.value, rng.choice(statuses) if outcome.answered else "")
        for outcome, weight in weights.items()
        for _ in range(weight * 10)
    ]
    times = {
        role: [
            (ms, latency_bucket(ms))
            for ms in (
                int(rng.lognormvariate(5.7 if role is Role.KIOSK else 6.6, 0.6))
                for _ in range(5000)
            )
        ]
        for role in Role
    }
    cells = [
        (
            unit_ids[unit],
            channel_key(role_of(unit), TRANSPORTS[unit % 3] if role_of(unit) is Role.SMS else ""),
            times[role_of(unit)],
        )
        for unit in range(units)
    ]
    # Units send their events as they happen, so the gateway stores them roughly in time
    # order: generated hour by hour here, as the single events' table really fills.
    per_hour = count // len(hours)
    extra = count - per_hour * len(hours)
    for index, (hour, day, month) in enumerate(hours):
        size = per_hour + (1 if index < extra else 0)
        for (unit_id, channel, pool), (outcome, status), pick in zip(
            rng.choices(cells, k=size),
            rng.choices(told, k=size),
            rng.choices(range(5000), k=size),
            strict=True,
        ):
            ms, bucket = pool[pick]
            yield (unit_id, hour, day, month, channel, outcome, status, ms, bucket)


COLUMNS = (
    "unit_id",
    "hour",
    "day",
    "month",
    "channel",
    "outcome",
    "status",
    "latency_ms",
    "bucket",
)


def load_events(store: FleetStore, units: int, count: int) -> float:
    """Units, then ``count`` events in bulk, then their monthly totals; seconds it took."""
    started = time.perf_counter()
    now = time.time()
    rng = random.Random(3)
    for unit in range(units):
        beat = heartbeat(unit, now, rng)
        store.ingest(
            unit_name(unit),
            Batch(outbox_id="bench-outbox", role=beat.role, items=(HeartbeatItem(1, beat),)),
            now,
        )
    unit_ids = {int(u.name.split("-")[1]): u.id for u in store.units()}
    rows = event_rows(units, count, unit_ids)
    raw = store.engine.raw_connection()
    try:
        if store.engine.dialect.name == "postgresql":
            cursor = raw.cursor()
            with cursor.copy(f"COPY usage_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor = raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            names, marks = ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))
            statement = f"INSERT INTO usage_events ({names}) VALUES ({marks})"  # noqa: S608
            chunk: list[tuple[object, ...]] = []
            cursor.execute("BEGIN")
            for row in rows:
                chunk.append(row)
                if len(chunk) == 100_000:
                    cursor.executemany(statement, chunk)
                    chunk.clear()
            cursor.executemany(statement, chunk)
            cursor.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()
    store.rebuild_totals()
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def time_it(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_report_on(name: str, database: str, units: int, events: int, rounds: int) -> None:
    store = FleetStore(database)
    try:
        store.upgrade()
        loading = load_events(store, units, events)
        print(
            f"{name}: {units} units, {events:,} events loaded with their totals in {loading:.0f} s"
        )
        report = build_report(store.engine, HALF_YEAR)
        total = report.province.total
        print(f"  ({total.lookups:,} lookups, median answer {total.median_ms} ms)")
        one_month = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        baseline = time_it(lambda: build_report(store.engine, one_month), rounds)
        base = statistics.median(baseline)
        show("report, one whole month (baseline)", baseline)
        half = time_it(lambda: build_report(store.engine, HALF_YEAR), rounds)
        show("report, the half-year", half, baseline=base)
        odd = Period(dt.date(2026, 1, 15), dt.date(2026, 6, 14))
        show(
            "report, 15 Jan to 14 Jun (months in part)",
            time_it(lambda: build_report(store.engine, odd), rounds),
            baseline=base,
        )
        show(
            "CSV rows, every unit month by month",
            time_it(lambda: unit_months(store.engine, HALF_YEAR), rounds),
            baseline=base,
        )
        verdict = "meets" if statistics.median(half) < 5000 else "MISSES"
        print(f"  target: the half-year report under 5 s: {verdict}")
    finally:
        store.close()


def bench_report(units: int, events: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench_report_on("SQLite", f"sqlite:///{folder}/fleet.sqlite3", units, events, rounds)
    cluster = PostgresCluster(durable=True)
    try:
        cluster.start()
        bench_report_on("PostgreSQL", cluster.create_database("fleet"), units, events, rounds)
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("heartbeats", "page", "report"))
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10, help="length of each lookup run")
    parser.add_argument(
        "--blocks", type=int, default=8, help="pairs of lookup runs, with and without heartbeats"
    )
    parser.add_argument("--rate", type=float, default=100, help="lookups a second")
    args = parser.parse_args()
    if args.only in (None, "heartbeats"):
        bench_heartbeats(args.units, args.seconds, args.rate, args.blocks)
    if args.only in (None, "page"):
        bench_page(args.units, args.rounds)
    if args.only in (None, "report"):
        bench_report(args.units, args.events, max(3, args.rounds // 4))


if __name__ == "__main__":
    main()
