"""Satisfaction ratings: kept once per lookup whatever the resends, refused in words when
malformed, stored with a schema version, and passed on to an upstream that takes them, even
when it was down at first."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from dossier import DossierCode, Rating
from gateway import ClientRegistry, Forwarding, GatewayServer
from gateway.upstreams import DemoUpstream, Unavailable
from onestop.config import UpstreamSection
from tests.gateway import support
from tests.gateway.support import SAMPLE, error_code, serving

DEMO = {"demo": UpstreamSection(type="demo")}
RATINGS = f"/api/v1/dossiers/{SAMPLE.code}/ratings"
BODY = {"rating": "very_satisfied", "channel": "kiosk", "lookup_id": "3f2b9c1e-kiosk-01-0001"}


def post(server: GatewayServer, body: Any, path: str = RATINGS, **kwargs: Any) -> httpx.Response:
    if isinstance(body, bytes):
        return httpx.post(f"{server.url}{path}", content=body, timeout=10, **kwargs)
    return httpx.post(f"{server.url}{path}", json=body, timeout=10, **kwargs)


def wait_until(condition: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_lookup_is_rated_once_whatever_the_resends(tmp_path: Path) -> None:
    database = tmp_path / "gateway.sqlite3"
    clients = ClientRegistry.from_tokens({"kiosk-01": "k1"})
    auth = {"Authorization": "Bearer k1"}
    with serving(DEMO, clients=clients, database=database) as (server, gateway):
        first = post(server, BODY, headers=auth)
        again = post(server, BODY, headers=auth)
        changed = post(server, BODY | {"rating": "unsatisfied"}, headers=auth)
        assert wait_until(
            lambda: gateway.ratings.store.forwarding(BODY["lookup_id"]) is Forwarding.KEPT
        )
        counted = gateway.metrics.registry.get_sample_value(
            "onestop_gateway_ratings_total", {"rating": "very_satisfied"}
        )
    assert first.status_code == 201
    assert again.status_code == 200 and again.json() == first.json()
    rating = first.json()["rating"]
    assert rating["code"] == SAMPLE.code and rating["rating"] == "very_satisfied"
    assert rating["received_at"].endswith("+07:00")
    assert changed.status_code == 409 and error_code(changed) == "already_rated"
    assert counted == 1
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        rows = db.execute(
            "SELECT code, rating, channel, client, forwarding FROM ratings"
        ).fetchall()
    assert rows == [(SAMPLE.code, "very_satisfied", "kiosk", "kiosk-01", "kept")]


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        (b"not json", 400, "invalid_rating", "JSON object"),
        ([1, 2], 400, "invalid_rating", "JSON object"),
        (BODY | {"rating": "good"}, 400, "invalid_rating", "'rating' must be one of"),
        (BODY | {"rating": None}, 400, "invalid_rating", "'rating'"),
        (BODY | {"channel": "fax"}, 400, "invalid_rating", "'channel'"),
        (BODY | {"lookup_id": "short"}, 400, "invalid_rating", "'lookup_id'"),
        (BODY | {"lookup_id": "x" * 65}, 400, "invalid_rating", "'lookup_id'"),
        (BODY | {"padding": "x" * 5000}, 413, "body_too_large", "larger than 4096"),
    ],
)
def test_a_malformed_rating_is_refused_naming_what_is_wrong(
    body: Any, status: int, code: str, words: str
) -> None:
    with serving(DEMO) as (server, _):
        answer = post(server, body)
    assert answer.status_code == status
    assert error_code(answer) == code
    assert words in answer.json()["error"]["message"]


def test_ratings_of_bad_or_unclaimed_codes_and_wrong_methods() -> None:
    h29_only = {"hcm": UpstreamSection(type="demo", agencies=("H29",))}
    with serving(h29_only) as (server, _):
        invalid = post(server, BODY, path="/api/v1/dossiers/hello/ratings")
        unclaimed = post(server, BODY)
        get_ratings = httpx.get(f"{server.url}{RATINGS}")
        post_dossier = post(server, BODY, path=f"/api/v1/dossiers/{SAMPLE.code}")
    assert (invalid.status_code, error_code(invalid)) == (400, "invalid_code")
    assert (unclaimed.status_code, error_code(unclaimed)) == (404, "not_found")
    assert (get_ratings.status_code, get_ratings.headers["Allow"]) == (405, "POST")
    assert (post_dossier.status_code, post_dossier.headers["Allow"]) == (405, "GET")
    assert error_code(post_dossier) == "method_not_allowed"


class VotingUpstream(DemoUpstream):
    """The demo dossiers, with a rating API that is down until ``up`` is set."""

    up: ClassVar[bool] = False
    received: ClassVar[list[tuple[str, Rating]]] = []

    async def rate(self, code: DossierCode, rating: Rating) -> bool:
        if not VotingUpstream.up:
            raise Unavailable("the voting service is down")
        VotingUpstream.received.append((str(code), rating))
        return True


def test_a_rating_reaches_an_upstream_that_takes_ratings_once_it_is_back() -> None:
    adapters = {**support.TEST_ADAPTERS, "voting": VotingUpstream}
    upstreams = {"opencps": UpstreamSection(type="voting")}
    with serving(upstreams, adapters=adapters, rating_retry=0.2) as (server, gateway):
        lookup_id = BODY["lookup_id"]
        assert post(server, BODY).status_code == 201
        assert wait_until(
            lambda: gateway.metrics.registry.get_sample_value(
                "onestop_gateway_upstream_calls_total", {"upstream": "opencps", "result": "failed"}
            )
        )
        assert gateway.ratings.store.forwarding(lookup_id) is Forwarding.PENDING
        VotingUpstream.up = True
        assert wait_until(
            lambda: gateway.ratings.store.forwarding(lookup_id) is Forwarding.FORWARDED
        )
        assert post(server, BODY).status_code == 200  # a resend changes nothing
    assert VotingUpstream.received == [(SAMPLE.code, Rating.VERY_SATISFIED)]
