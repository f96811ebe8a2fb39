"""The gateway's parts that need no socket: cache, single-flight, breaker, limits, routing,
clients file; each against a clock the test moves."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

import gateway
from gateway import (
    AnswerCache,
    BreakerState,
    CircuitBreaker,
    ClientRegistry,
    ClientsFileError,
    GatewayError,
    KeyedLimiter,
    Router,
    add_client,
    clean_key,
    remove_client,
)
from gateway.clients import read_clients
from gateway.secrets import with_secrets
from gateway.service import InvalidKey
from onestop.config import UpstreamSection


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_every_public_name_is_exported() -> None:
    assert sorted(gateway.__all__) == gateway.__all__
    for name in gateway.__all__:
        assert getattr(gateway, name) is not None


def test_cache_reuses_an_answer_for_its_ttl_and_keeps_the_last_good_one() -> None:
    clock = Clock()
    wall = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    cache: AnswerCache[str, str] = AnswerCache(
        ttl=30, size=10, stale_max_age=3600, clock=clock, wall_clock=lambda: wall
    )
    cache.store("a", "found", good=True)
    assert cache.fresh("a") == "found"
    clock.now += 30
    assert cache.fresh("a") is None
    last = cache.last_good("a")
    assert last is not None and (last.value, last.fetched_at) == ("found", wall)
    clock.now += 3600
    assert cache.last_good("a") is None  # too old to be worth showing
    cache.store("a", "found", good=True)
    cache.store("a", "not found", good=False)
    assert cache.fresh("a") == "not found"
    assert cache.last_good("a") is None  # a definitive "no" is not followed by an old "yes"


def test_cache_forgets_the_least_recently_used_first() -> None:
    cache: AnswerCache[int, int] = AnswerCache(ttl=60, size=3, stale_max_age=60)
    for key in range(3):
        cache.store(key, key, good=True)
    assert cache.fresh(0) == 0  # 0 is now the most recently used
    cache.store(3, 3, good=True)
    assert len(cache) == 3
    assert cache.fresh(1) is None and cache.fresh(0) == 0 and cache.fresh(3) == 3
    empty: AnswerCache[int, int] = AnswerCache(ttl=60, size=0, stale_max_age=60)
    empty.store(1, 1, good=True)
    assert empty.fresh(1) is None


def test_single_flight_makes_one_call_for_many_callers_and_survives_a_cancelled_one() -> None:
    async def scenario() -> tuple[list[str], int]:
        cache: AnswerCache[str, str] = AnswerCache(ttl=60, size=10, stale_max_age=60)
        calls = 0
        release = asyncio.Event()

        async def fetch() -> str:
            nonlocal calls
            calls += 1
            await release.wait()
            return "answer"

        waiters = [asyncio.create_task(cache.single_flight("k", fetch)) for _ in range(100)]
        await asyncio.sleep(0)
        waiters[0].cancel()  # the first caller hangs up; the others still get the answer
        release.set()
        results = await asyncio.gather(*waiters[1:])
        assert cache.in_flight == 0
        return results, calls

    results, calls = asyncio.run(scenario())
    assert calls == 1
    assert results == ["answer"] * 99


def test_single_flight_shares_a_failure_and_then_tries_again() -> None:
    async def scenario() -> int:
        cache: AnswerCache[str, str] = AnswerCache(ttl=60, size=10, stale_max_age=60)
        calls = 0

        async def fetch() -> str:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0)
            raise RuntimeError("down")

        outcomes = await asyncio.gather(
            *(cache.single_flight("k", fetch) for _ in range(5)), return_exceptions=True
        )
        assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
        with pytest.raises(RuntimeError):
            await cache.single_flight("k", fetch)
        return calls

    assert asyncio.run(scenario()) == 2


def state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state  # read afresh: the clock moves under it


def test_breaker_opens_after_failures_in_a_row_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown=30, clock=clock)
    for _ in range(2):
        assert breaker.admit() is None
        breaker.failed()
    breaker.succeeded()  # a success resets the count
    for _ in range(3):
        assert breaker.admit() is None
        breaker.failed()
    assert state(breaker) is BreakerState.OPEN
    assert breaker.admit() == pytest.approx(30)
    clock.now += 30
    assert state(breaker) is BreakerState.HALF_OPEN
    assert breaker.admit() is None  # the trial
    assert breaker.admit() is not None  # only one at a time
    breaker.failed()
    assert state(breaker) is BreakerState.OPEN  # the trial failed: another cool-down
    clock.now += 30
    assert breaker.admit() is None
    breaker.succeeded()
    assert state(breaker) is BreakerState.CLOSED and breaker.admit() is None


def test_breaker_honours_the_upstreams_own_retry_after() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=5, cooldown=30, clock=clock)
    breaker.failed(retry_after=120)
    assert state(breaker) is BreakerState.OPEN
    assert breaker.admit() == pytest.approx(120)
    clock.now += 120
    assert breaker.admit() is None
    breaker.abandoned()  # the trial was given up (shutdown): another may run
    assert breaker.admit() is None


def test_limiter_allows_its_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = KeyedLimiter(3, 60, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 20  # one token comes back every 20 s
    assert limiter.take("b") is None  # keys are apart
    clock.now += 20
    assert limiter.take("a") is None
    assert limiter.check("a") == 20 and limiter.check("a") == 20  # checking takes nothing
    limiter.count("c")
    limiter.count("c")
    limiter.count("c")
    limiter.count("c")  # counted past the limit: the bucket stays empty, never negative
    assert limiter.check("c") == 20
    assert KeyedLimiter(0, 60).take("a") is None  # 0: no limit


def test_limiter_remembers_a_bounded_number_of_keys() -> None:
    limiter = KeyedLimiter(1, 60, max_keys=2)
    for key in ("a", "b", "c"):
        assert limiter.take(key) is None
    assert limiter.take("c") is not None
    assert limiter.take("a") is None  # forgotten, so full again


def router(**agencies: str) -> Router:
    return Router({name: UpstreamSection(type="demo", agencies=tuple(value.split()))
                   for name, value in agencies.items()})  # fmt: skip


def test_routing_takes_the_longest_matching_prefix_then_the_file_order() -> None:
    routes = router(
        cantho="H13 H30 H51", vithanh="H30.20", national="G22.99", anything="*", again="H30"
    )
    assert routes.route("national", "H30.20.00.000") == "vithanh"  # the longer prefix
    assert routes.route("national", "H30.21.00.000") == "cantho"  # before "again" in the file
    assert routes.route("national", "H51.01") == "cantho"
    assert routes.route("national_short", "G22.99.09") == "national"
    assert routes.route("national_short", "G22.98") == "anything"
    assert routes.route("opencps", None) == "anything"  # no agency: only * claims it
    assert routes.route("national", "H300.1") == "anything"  # component-wise, not by letters
    assert routes.route("national", "h30.20") == "vithanh"


def test_routing_by_family_and_without_claimant() -> None:
    routes = Router(
        {
            "opencps": UpstreamSection(type="demo", agencies=("*",), families=("opencps",)),
            "haugiang": UpstreamSection(type="demo", agencies=("H30",)),
        }
    )
    assert routes.route("opencps", None) == "opencps"
    assert routes.route("national", "H30.20") == "haugiang"
    assert routes.route("national", "H29.98") is None
    with pytest.raises(GatewayError, match=r"\[upstream.x\] agencies: 'H3\?' is not"):
        Router({"x": UpstreamSection(type="demo", agencies=("H3?",))})


def test_clients_file_holds_hashes_and_names_its_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "clients"
    token = add_client(path, "kiosk-01")
    other = add_client(path, "smsbox.vithanh")
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    assert token not in text and "kiosk-01 sha256:" in text
    registry = ClientRegistry.load(path)
    assert registry.identify(token) == "kiosk-01"
    assert registry.identify(other) == "smsbox.vithanh"
    assert registry.identify(token[:-1]) is None
    with pytest.raises(ClientsFileError, match="already exists"):
        add_client(path, "kiosk-01")
    with pytest.raises(ClientsFileError, match="client name"):
        add_client(path, "bad name")
    remove_client(path, "kiosk-01")
    assert [client.name for client in read_clients(path)] == ["smsbox.vithanh"]
    with pytest.raises(ClientsFileError, match="not in"):
        remove_client(path, "kiosk-01")
    path.write_text("# comment\nkiosk-02 sha256:abc\n")
    with pytest.raises(ClientsFileError, match="line 2: kiosk-02's hash"):
        ClientRegistry.load(path)
    with pytest.raises(ClientsFileError, match="does not exist"):
        ClientRegistry.load(tmp_path / "absent")


@pytest.mark.parametrize(
    ("given", "expected"), [(None, None), ("", None), ("  ", None), (" 7K2P ", "7K2P")]
)
def test_lookup_keys_are_trimmed(given: str | None, expected: str | None) -> None:
    assert clean_key(given) == expected


@pytest.mark.parametrize("given", ["A" * 65, "7K 2P", "7K\x002P", "7K\n2P"])
def test_hostile_lookup_keys_are_refused(given: str) -> None:
    with pytest.raises(InvalidKey):
        clean_key(given)


def test_upstream_secrets_come_from_their_own_file(tmp_path: Path) -> None:
    upstreams = {"opencps": UpstreamSection(type="opencps", url="https://a.vn", group_id="1")}
    path = tmp_path / "gateway-secrets"
    path.write_text("[opencps]\npassword = s3cret\n")
    assert with_secrets(upstreams, path)["opencps"].password == "s3cret"
    path.write_text("[igate]\nclient_secret = x\n")
    with pytest.raises(GatewayError, match=r"\[igate\] is not an \[upstream.igate\]"):
        with_secrets(upstreams, path)
    path.write_text("[opencps]\nurl = https://b.vn\n")
    with pytest.raises(GatewayError, match=r"\[opencps\] url: only client_secret, password"):
        with_secrets(upstreams, path)
    with pytest.raises(GatewayError, match="cannot be read"):
        with_secrets(upstreams, tmp_path / "absent")
