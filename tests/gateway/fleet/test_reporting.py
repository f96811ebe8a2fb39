"""A unit's reporter against the gateway's fleet endpoint, over HTTP on 127.0.0.1."""

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest
import requests
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backend_client import FleetOutbox, FleetReporter
from backend_client._stats import ApiFigures
from onestop.fleet import HEARTBEAT_PATH, AlertText, Outcome, Role, UsageEvent, encode
from tests.gateway.fleet.conftest import RunningFleet, fleet_config, running_fleet
from tests.gateway.fleet.factories import T0, batch, sms_beat, usage

SMS_TOKEN = "token-vithuy-sms"


def reporter(url: str, tmp_path: Path, *, token: str = SMS_TOKEN, **kwargs: Any) -> FleetReporter:
    options: dict[str, Any] = {
        "role": Role.SMS,
        "collect": lambda: {"transport": "modem", "outbox_depth": 2},
        "office": "UBND huyện Vị Thủy",
        "interval": 3600,  # the tests call beat() and flush() themselves
        "timeout": (2.0, 10.0),
        "api_figures": lambda: ApiFigures(requests=5, errors=1, median_ms=80),
    }
    options.update(kwargs)
    return FleetReporter(
        url=url, token=token, outbox=FleetOutbox(tmp_path / "outbox.sqlite3"), **options
    )


def test_a_heartbeat_reaches_the_fleet(gateway: RunningFleet, tmp_path: Path) -> None:
    unit = reporter(gateway.url, tmp_path)
    unit.beat()
    assert unit.flush()
    [seen] = gateway.store.units()
    assert (seen.client, seen.role, seen.office) == ("vithuy-sms", Role.SMS, "UBND huyện Vị Thủy")
    assert seen.heartbeat is not None
    assert (seen.heartbeat.outbox_depth, seen.heartbeat.api_errors) == (2, 1)
    assert seen.heartbeat.api_latency_ms == 80
    assert unit.clock_offset is not None and abs(unit.clock_offset) < 5
    assert unit.outbox.depth() == 0


def test_what_waited_while_the_gateway_was_away_arrives_in_order_once(
    tmp_path: Path,
) -> None:
    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")
    with running_fleet(config) as first:
        url = first.url
    unit = reporter(url, tmp_path)  # the gateway is gone now
    for _ in range(3):
        unit.beat()
        unit.record([usage(latency_ms=100)])
        assert not unit.flush()
    assert unit.reachable is False and unit.outbox.depth() == 6
    with running_fleet(config) as again:
        unit.url = again.url + HEARTBEAT_PATH
        unit.beat()
        assert unit.flush()
        [seen] = again.store.units()
        history = again.store.history(seen.id, 0)
        assert len(history) == 4
        assert [point.at for point in history] == sorted(point.at for point in history)
        assert sum(again.store.lookups_by_hour(seen.id, 0).values()) == 3
    assert unit.outbox.depth() == 0


class LoseAnswers:
    """Lets the gateway store a batch, then loses its answer on the way back (a 502 from a
    proxy, a connection cut), ``count`` times."""

    def __init__(self, app: ASGIApp, count: int) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.count <= 0:
            await self.app(scope, receive, send)
            return
        self.count -= 1

        async def nowhere(_message: Any) -> None:
            return None

        await self.app(scope, receive, nowhere)
        await Response(status_code=502)(scope, receive, send)


def test_a_batch_whose_answer_was_lost_is_not_stored_twice(tmp_path: Path) -> None:
    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")
    with running_fleet(config, wrap=lambda app: LoseAnswers(app, 2)) as gateway:
        unit = reporter(gateway.url, tmp_path)
        unit.beat()
        unit.record([usage(), usage()])
        assert not unit.flush()
        assert not unit.flush()
        assert unit.flush()
        [seen] = gateway.store.units()
        assert len(gateway.store.history(seen.id, 0)) == 1
        assert sum(gateway.store.lookups_by_hour(seen.id, 0).values()) == 2


def test_a_unit_without_a_valid_token_is_refused_and_keeps_everything(
    gateway: RunningFleet, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unit = reporter(gateway.url, tmp_path, token="stolen")
    unit.beat()
    assert not unit.flush()
    assert "refused this unit's token (HTTP 401)" in caplog.text
    assert unit.outbox.depth() == 1
    assert gateway.store.units() == []


def test_usage_events_of_the_sms_store_are_copied_once_and_delivered(
    gateway: RunningFleet, tmp_path: Path
) -> None:
    events = [(number, usage(latency_ms=number)) for number in range(1, 6)]

    def source(position: int) -> Sequence[tuple[int, UsageEvent]]:
        return [row for row in events if row[0] > position]

    unit = reporter(gateway.url, tmp_path, usage_source=("smsd", source))
    assert unit.flush()
    events.append((6, usage()))
    assert unit.flush()
    assert unit.flush()
    [seen] = gateway.store.units()
    assert sum(gateway.store.lookups_by_hour(seen.id, 0).values()) == 6


def test_alert_texts_reach_the_sms_box_and_are_confirmed(
    gateway: RunningFleet, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    from gateway.fleet._database import transaction
    from gateway.fleet._schema import alerts, notices, units

    with transaction(gateway.store.engine, write=True) as db:
        db.execute(sa.insert(units).values(client="x", role="kiosk", first_seen=0, last_seen=0))
        db.execute(sa.insert(alerts).values(unit_id=1, kind="silent", opened_at=0))
        db.execute(
            sa.insert(notices).values(
                alert_id=1,
                event="opened",
                channel="sms",
                recipient="+84912345678",
                text="CANH BAO",
                state="pending",
                next_at=0,
                created_at=0,
            )
        )
    taken: list[AlertText] = []

    def store_alerts(texts: Sequence[AlertText]) -> list[int]:
        taken.extend(texts)
        return [text.id for text in texts]

    unit = reporter(
        gateway.url,
        tmp_path,
        on_alerts=store_alerts,
        collect=lambda: {"modems": [{"name": "modem", "state": "ready"}]},
    )
    unit.beat()
    assert unit.flush()
    assert [(text.to, text.text) for text in taken] == [("+84912345678", "CANH BAO")]
    assert unit.outbox.sent_alerts() == []  # confirmed in the batch that followed
    with transaction(gateway.store.engine) as db:
        assert db.execute(sa.select(notices.c.state)).scalar() == "done"


def test_one_bad_figure_does_not_silence_the_unit(gateway: RunningFleet, tmp_path: Path) -> None:
    unit = reporter(gateway.url, tmp_path, collect=lambda: {"camera_fps": -3.0})
    unit.beat()
    assert unit.flush()
    [seen] = gateway.store.units()
    assert seen.heartbeat is not None and seen.heartbeat.camera_fps is None


def post(url: str, body: bytes, token: str = SMS_TOKEN) -> requests.Response:
    return requests.post(
        url + HEARTBEAT_PATH,
        data=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "not JSON"),
        (
            b'{"outbox_id": "outbox-1", "role": "sms", "items": [{"type": "usage", "seq": 1}]}',
            400,
            "missing required field `event` - at `$.items[0]`",
        ),
        (encode(batch(sms_beat(), role=Role.KIOSK)), 400, "role differs"),
        (b"x" * (3 * 2**20), 413, "at most"),
    ],
)
def test_a_malformed_batch_is_refused_with_the_reason(
    gateway: RunningFleet, body: bytes, status: int, words: str
) -> None:
    answer = post(gateway.url, body)
    assert answer.status_code == status
    assert words in answer.json()["error"]["message"]


def test_the_stored_batch_answer_says_how_far_the_gateway_holds(gateway: RunningFleet) -> None:
    sent = batch(sms_beat(T0), usage(), start=5)
    answer = post(gateway.url, encode(sent))
    assert answer.status_code == 200
    assert msgspec.json.decode(answer.content)["acked"] == 6
    assert post(gateway.url, encode(sent), token="nope").status_code == 401


@pytest.fixture
def _no_threads_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert not [t for t in threading.enumerate() if t not in before and t.name == "fleet"]


@pytest.mark.usefixtures("_no_threads_left")
def test_the_reporter_thread_beats_at_start_and_stops(
    gateway: RunningFleet, tmp_path: Path
) -> None:
    unit = reporter(gateway.url, tmp_path).start()
    with unit.delivered:
        assert unit.delivered.wait_for(lambda: unit.last_acked >= 1, timeout=30)
    unit.wake()
    with unit.delivered:
        assert unit.delivered.wait_for(lambda: unit.last_acked >= 2, timeout=30)
    unit.stop()
    assert len(gateway.store.history(gateway.store.units()[0].id, 0)) >= 2


def test_the_whole_path_on_each_database(database_url: str, tmp_path: Path) -> None:
    """A unit reports, the page shows it and the report counts it, on SQLite and on
    PostgreSQL alike."""
    from gateway.fleet._auth import hash_password

    config = fleet_config(
        database_url,
        fleet_gateway={
            "login.thu": hash_password("a good password", cost=2**10),
            "cookie_secure": "no",
        },
    )
    with running_fleet(config) as gateway:
        unit = reporter(gateway.url, tmp_path)
        unit.beat()
        unit.record([usage(T0), usage(T0, outcome=Outcome.NOT_FOUND)])
        assert unit.flush()
        browser = requests.Session()
        browser.post(
            f"{gateway.url}/fleet/login",
            data={"name": "thu", "password": "a good password"},
            timeout=10,
        )
        assert 'data-unit="vithuy-sms"' in browser.get(f"{gateway.url}/fleet/", timeout=10).text
        table = browser.get(
            f"{gateway.url}/fleet/report.csv",
            params={"from": "2026-05-01", "to": "2026-05-31"},
            timeout=30,
        ).text
        [total] = [line for line in table.splitlines() if line.startswith("province,,,,,total,")]
        assert total.split(",")[6:8] == ["2", "1"]  # lookups, answered


class CountPosts:
    """Counts the batches that reach the gateway."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.posts = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            self.posts += 1
        await self.app(scope, receive, send)


def test_a_long_outage_s_backlog_arrives_in_several_batches_in_order_once(
    tmp_path: Path,
) -> None:
    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")
    with running_fleet(config) as first:
        url = first.url
    # The gateway is gone: a long outage. Storing a batch of 500 took more than the usual 10 s
    # on a loaded machine, so the unit is patient here (the test is about order and once).
    unit = reporter(url, tmp_path, timeout=(10.0, 60.0))
    for hour in range(300):
        unit.outbox.add_heartbeat(sms_beat(T0 + 60 * hour))
        unit.record([usage(T0 + 60 * hour, latency_ms=hour) for _ in range(3)])
    assert not unit.flush()
    counted: list[CountPosts] = []

    def counting(app: ASGIApp) -> ASGIApp:
        counted.append(CountPosts(app))
        return counted[0]

    with running_fleet(config, wrap=counting) as again:
        unit.url = again.url + HEARTBEAT_PATH
        assert unit.flush()
        [seen] = again.store.units()
        history = again.store.history(seen.id, 0)
        assert [point.at for point in history] == [T0 + 60 * hour for hour in range(300)]
        assert sum(again.store.lookups_by_hour(seen.id, 0).values()) == 900
        assert unit.flush()  # nothing left, nothing sent twice
        assert sum(again.store.lookups_by_hour(seen.id, 0).values()) == 900
    assert unit.outbox.depth() == 0
    assert counted[0].posts == 4  # 1,200 items in batches of 500, then an empty one
