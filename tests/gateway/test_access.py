"""Who may ask, how often, and what the logs keep: tokens, rate limits per client and per
address, the not-found limit against enumeration, the wrong-key limit against brute force,
hostile codes and keys, and lookup keys kept out of every log line."""

from __future__ import annotations

import collections
import logging
import string
import urllib.parse

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import ClientRegistry, GatewayServer
from onestop.config import UpstreamSection
from tests.gateway import support
from tests.gateway.support import RECORDS, SAMPLE, error_code, get, serving

DEMO = {"demo": UpstreamSection(type="demo")}
PATH = f"/api/v1/dossiers/{SAMPLE.code}"
KEY = RECORDS[0].lookup_key or ""
UNKNOWN = "/api/v1/dossiers/000.00.20.H30-240115-{:04d}"


def test_a_missing_or_wrong_token_gets_401_everywhere_and_guessing_is_rate_limited() -> None:
    clients = ClientRegistry.from_tokens({"kiosk-01": "right", "smsbox-01": "other"})
    config = support.settings(anonymous_rate_limit=4, rate_limit=100)
    with serving(DEMO, config, clients=clients) as (server, _):
        for path in (PATH, "/api/v1/health", "/metrics", "/api/v2/nothing"):
            answer = get(server, path)
            assert answer.status_code == 401, path
            assert answer.headers["WWW-Authenticate"] == 'Bearer realm="onestop"'
            assert error_code(answer) == "unauthorized"
        assert get(server, PATH, token="wrong").status_code == 429  # the 5th refusal in a row
        assert get(server, PATH, token="right").status_code == 200  # a client's own bucket
        assert get(server, "/metrics", token="other").status_code == 200


def test_each_client_has_its_own_rate_limit() -> None:
    clients = ClientRegistry.from_tokens({"kiosk-01": "k1", "kiosk-02": "k2"})
    with serving(DEMO, support.settings(rate_limit=3), clients=clients) as (server, _):
        statuses = [get(server, PATH, token="k1").status_code for _ in range(5)]
        other = get(server, PATH, token="k2")
        limited = get(server, PATH, token="k1")
    assert statuses == [200, 200, 200, 429, 429]
    assert other.status_code == 200
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    assert error_code(limited) == "rate_limited"


def test_anonymous_callers_are_limited_by_address_and_a_proxy_is_believed_only_if_trusted() -> None:
    def burst(server: GatewayServer, forwarded: str) -> list[int]:
        headers = {"X-Forwarded-For": forwarded}
        return [httpx.get(f"{server.url}{PATH}", headers=headers).status_code for _ in range(3)]

    with serving(DEMO, support.settings(anonymous_rate_limit=2)) as (server, _):
        # An untrusted peer's X-Forwarded-For is ignored: all of it is 127.0.0.1's.
        assert burst(server, "203.0.113.1") + burst(server, "203.0.113.2") == [200, 200] + [429] * 4
    trusting = support.settings(anonymous_rate_limit=2, trusted_proxies=("127.0.0.1",))
    with serving(DEMO, trusting) as (server, _):
        assert burst(server, "203.0.113.1") == [200, 200, 429]
        assert burst(server, "203.0.113.2") == [200, 200, 429]  # another citizen's phone


def test_a_burst_of_not_found_lookups_is_stopped_whatever_it_looks_up_next() -> None:
    clients = ClientRegistry.from_tokens({"kiosk-01": "k1", "kiosk-02": "k2"})
    config = support.settings(not_found_limit=5)
    with serving(DEMO, config, clients=clients) as (server, gateway):
        walk = [get(server, UNKNOWN.format(n), token="k1") for n in range(1, 9)]
        known = get(server, PATH, token="k1")
        other = get(server, PATH, token="k2")
        limited = gateway.metrics.registry.get_sample_value(
            "onestop_gateway_limited_total", {"limit": "not_found"}
        )
    assert [answer.status_code for answer in walk] == [404] * 5 + [429] * 3
    assert known.status_code == 429  # walking on would tell which codes exist: it waits too
    assert "do not exist" in known.json()["error"]["message"]
    assert int(known.headers["Retry-After"]) >= 1
    assert other.status_code == 200
    assert limited == 4


def test_brute_forcing_a_lookup_key_stops_after_the_limit_even_from_many_addresses() -> None:
    config = support.settings(key_failure_limit=10, trusted_proxies=("127.0.0.1",))
    with serving(DEMO, config) as (server, _):
        guesses = [
            httpx.get(
                f"{server.url}{PATH}",
                params={"lookup_key": f"A{n:03d}"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            for n in range(12)
        ]
        right_key_now = get(server, PATH, lookup_key=KEY)
        without_key = get(server, PATH)
    assert [g.status_code for g in guesses] == [200] * 10 + [429] * 2
    assert all("applicant" not in g.text for g in guesses)
    assert right_key_now.status_code == 429
    assert "wrong lookup keys" in right_key_now.json()["error"]["message"]
    assert without_key.status_code == 200  # the status itself stays available to everyone


def test_the_right_key_shows_the_applicant_and_a_wrong_one_does_not() -> None:
    with serving(DEMO) as (server, _):
        right = get(server, PATH, lookup_key=KEY.lower())
        in_path = httpx.get(f"{server.url}/api/v1/dossiers/{SAMPLE.code}%20{KEY}")
        wrong = get(server, PATH, lookup_key="ZZZZ")
    assert SAMPLE.applicant is not None
    assert right.json()["applicant"]["name"] == SAMPLE.applicant.name
    assert in_path.json()["applicant"]["name"] == SAMPLE.applicant.name  # a key after the code
    assert "applicant" not in wrong.json()


def test_lookup_keys_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Q9X7"
    with caplog.at_level(logging.DEBUG), serving(DEMO) as (server, _):
        get(server, PATH, lookup_key=secret)
        httpx.get(f"{server.url}/api/v1/dossiers/{SAMPLE.code}%20{secret}")
        httpx.get(f"{server.url}/api/v1/dossiers/not-a-code-{secret}")
        httpx.get(f"{server.url}/api/v1/dossiers/{SAMPLE.code}/{secret}/ratings")
        httpx.get(f"{server.url}/api/v1/elsewhere/{secret}")
    logged = [r for r in caplog.records if r.name.startswith(("gateway", "uvicorn"))]
    access = [r.getMessage() for r in logged if r.name == "gateway.access"]
    assert len(access) == 5
    assert f'"GET /api/v1/dossiers/{SAMPLE.code}" 200' in access[0]
    assert '"GET /api/v1/dossiers/(invalid code)" 400' in access[2]
    assert '"GET (no such path)" 404' in access[4]
    assert all(secret not in record.getMessage() for record in logged)


HOSTILE_CODES = [
    "A" * 4000,
    "%00%01%02",
    "%F0%9F%92%A9" * 50,
    "000.00.20.H30-240115-0001';DROP TABLE ratings;--",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%E2%80%AE000.00.20.H30",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("code", HOSTILE_CODES)
def test_hostile_codes_get_a_clear_400(code: str) -> None:
    with serving(DEMO) as (server, _):
        answer = httpx.get(f"{server.url}/api/v1/dossiers/{code}")
    assert answer.status_code in (400, 404)
    assert error_code(answer) in ("invalid_code", "not_found", "no_such_endpoint")


@pytest.mark.parametrize("key", ["K" * 65, "7K 2P", "7K\t2P", "\x7f"])
def test_hostile_keys_get_a_clear_400(key: str) -> None:
    with serving(DEMO) as (server, _):
        answer = get(server, PATH, lookup_key=key)
    assert answer.status_code == 400
    assert error_code(answer) == "invalid_key"


@pytest.fixture(scope="module")
def open_gateway() -> collections.abc.Iterator[httpx.Client]:
    with serving(DEMO) as (server, _), httpx.Client(base_url=server.url) as client:
        yield client


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet=string.printable, max_size=80),
)
def test_any_path_and_key_get_a_json_answer_never_a_failure(
    open_gateway: httpx.Client, text: str, key: str
) -> None:
    answer = open_gateway.get(
        f"/api/v1/dossiers/{urllib.parse.quote(text, safe='/')}",
        params={"lookup_key": key},
    )
    assert answer.status_code in (200, 400, 404, 405)
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    answer.json()
