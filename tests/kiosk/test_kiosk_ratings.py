"""The kiosk's rating queue against a real status API: kept while it is down, sent once."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from backend_client import StatusClient
from dossier import DEFAULT_FAMILIES, Rating
from kiosk._ratings import RatingQueue, RatingSender, client_sender
from onestop.demo_api import DemoStatusServer
from onestop.sqlite import schema_version


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_ratings_wait_for_the_api_and_are_sent_once(
    demo_api: DemoStatusServer, tmp_path: Path
) -> None:
    code = next(iter(demo_api.records.values())).dossier.code
    path = tmp_path / "ratings.sqlite3"
    queue = RatingQueue(path)
    queue.add(code, Rating.VERY_SATISFIED, "lookup-0001", 1.0)
    queue.add(code, Rating.VERY_SATISFIED, "lookup-0001", 1.5)  # the same lookup: kept once
    queue.add(code, Rating.UNSATISFIED, "lookup-0002", 2.0)
    down = StatusClient(base_url=closed_port_url(), retries=0)
    RatingSender(queue, client_sender(down.rate, DEFAULT_FAMILIES)).send_pending()
    down.close()
    assert [row[3] for row in queue.pending()] == ["lookup-0001", "lookup-0002"]
    queue.close()
    queue = RatingQueue(path)  # the kiosk restarted: nothing lost
    assert schema_version(sqlite3.connect(path)) == 1
    up = StatusClient(base_url=demo_api.url, retries=0)
    sender = RatingSender(queue, client_sender(up.rate, DEFAULT_FAMILIES))
    sender.send_pending()
    assert (sender.sent, queue.pending()) == (2, [])
    queue.add(code, Rating.SATISFIED, "lookup-0001", 3.0)  # a resend the API already has
    sender.send_pending()
    assert (sender.sent, queue.pending()) == (3, [])  # taken as known, not counted twice
    up.close()
    queue.close()
