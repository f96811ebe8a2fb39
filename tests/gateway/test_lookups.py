"""Lookups through the gateway over HTTP: the cache, one upstream call for many lookups, the
last good answer while the upstream is down, the circuit breaker, and one upstream's trouble
kept away from the others."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx

from dossier import FIELDS, Applicant, DossierCode, dossier_from_json
from gateway import GatewayServer
from gateway.upstream_client import SHARD_SIZE, UpstreamTransport
from gateway.upstreams import Answer, DemoUpstream
from onestop.config import UpstreamSection
from tests.backend_client.fault_server import Reply, fault_server
from tests.gateway.support import (
    RECORDS,
    SAMPLE,
    TEST_ADAPTERS,
    ProbeUpstream,
    error_code,
    get,
    probe,
    record_reply,
    serving,
    settings,
)

PATH = f"/api/v1/dossiers/{SAMPLE.code}"


async def _many(server: GatewayServer, paths: list[str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(paths))
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
        return await asyncio.gather(*(client.get(path) for path in paths))


def test_a_found_dossier_has_exactly_the_contract_names_and_is_cached() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply()]
        with serving({"only": probe(upstream.url)}) as (server, _):
            first = get(server, PATH)
            second = get(server, PATH)
        assert len(upstream.requests) == 1
    assert first.status_code == second.status_code == 200
    assert first.headers["Content-Type"] == "application/json; charset=utf-8"
    assert list(first.json()) == list(FIELDS)
    assert dossier_from_json(first.json()) == SAMPLE.without_applicant()
    assert second.content == first.content


def test_one_upstream_call_for_a_hundred_simultaneous_lookups() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply(delay=0.5)]
        with serving({"only": probe(upstream.url, concurrency=100)}) as (server, gateway):
            answers = asyncio.run(_many(server, [PATH] * 100))
            hits = gateway.metrics.registry.get_sample_value(
                "onestop_gateway_cache_total", {"result": "hit"}
            )
        assert len(upstream.requests) == 1
    assert [answer.status_code for answer in answers] == [200] * 100
    assert len({answer.content for answer in answers}) == 1
    assert hits is not None and hits < 100  # the others joined the flight, not the cache


def test_the_last_good_answer_is_served_with_its_age_while_the_upstream_is_down() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply(), Reply(503)]
        with serving({"only": probe(upstream.url)}, settings(cache_ttl=0)) as (server, _):
            fresh = get(server, PATH)
            stale = get(server, PATH)
            never_seen = get(server, f"/api/v1/dossiers/{RECORDS[1].dossier.code}")
    assert fresh.status_code == 200 and "stale_since" not in fresh.json()
    assert stale.status_code == 200
    body = stale.json()
    assert body["stale_since"].endswith("+07:00")
    assert {name: body[name] for name in FIELDS} == fresh.json()
    assert never_seen.status_code == 503
    assert error_code(never_seen) == "upstream_unavailable"
    assert never_seen.json()["error"]["message_vi"]


def test_the_breaker_stops_asking_a_failing_upstream_and_says_when_to_retry() -> None:
    with fault_server() as upstream:
        upstream.script = [Reply(500)]
        config = settings(breaker_failures=3, breaker_cooldown=120)
        with serving({"only": probe(upstream.url)}, config) as (server, _):
            answers = [get(server, PATH) for _ in range(6)]
            health = get(server, "/api/v1/health").json()
        assert len(upstream.requests) == 3
    assert [answer.status_code for answer in answers] == [503] * 6
    assert 100 <= int(answers[-1].headers["Retry-After"]) <= 120
    assert health["status"] == "degraded"
    assert health["upstreams"]["only"]["state"] == "down"
    assert "HTTP 500" in health["upstreams"]["only"]["last_error"]


def test_an_upstreams_429_is_honoured_as_a_pause() -> None:
    with fault_server() as upstream:
        upstream.script = [Reply(429, headers={"Retry-After": "90"}), record_reply()]
        with serving({"only": probe(upstream.url)}) as (server, _):
            first = get(server, PATH)
            second = get(server, PATH)
        assert len(upstream.requests) == 1
    assert first.status_code == second.status_code == 503
    assert 80 <= int(second.headers["Retry-After"]) <= 90


def test_a_hanging_upstream_is_answered_within_its_timeout() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply(delay=30)]
        with serving({"only": probe(upstream.url, timeout=0.5)}) as (server, _):
            answer = get(server, PATH)
    assert answer.status_code == 503
    assert "no answer within 0.5 s" in answer.json()["error"]["message"]


def test_a_slow_upstream_never_delays_another_upstream_or_the_cache() -> None:
    slow_code = RECORDS[0].dossier.code  # 000.00.20.H30: routed to "slow"
    fast_codes = [r.dossier.code for r in RECORDS if ".20.H30" not in r.dossier.code][:5]
    with fault_server() as slow, fault_server() as fast:
        slow.script = [record_reply(), record_reply(delay=20)]
        fast.script = [record_reply()]
        upstreams = {
            "slow": probe(slow.url, agencies=("H30.20",), timeout=15, concurrency=4),
            "fast": probe(fast.url),
        }
        with serving(upstreams, settings(cache_ttl=600)) as (server, _):
            assert get(server, f"/api/v1/dossiers/{slow_code}").status_code == 200  # cached
            others = [f"/api/v1/dossiers/{r.dossier.code}" for r in RECORDS[1:4]
                      if ".20.H30" in r.dossier.code]  # fmt: skip

            async def scenario() -> tuple[list[httpx.Response], bool]:
                async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                    stuck = [asyncio.create_task(client.get(path)) for path in others * 4]
                    await asyncio.sleep(0.2)
                    answers = await asyncio.gather(
                        *(client.get(f"/api/v1/dossiers/{code}") for code in fast_codes),
                        client.get(f"/api/v1/dossiers/{slow_code}"),
                    )
                    still_stuck = not any(task.done() for task in stuck)
                    for task in stuck:
                        task.cancel()
                    return list(answers), still_stuck

            answers, still_stuck = asyncio.run(scenario())
    assert still_stuck
    assert [answer.status_code for answer in answers] == [200] * (len(fast_codes) + 1)


class LeakyUpstream(ProbeUpstream):
    """An adapter that forgets to drop what its system says about the applicant."""

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        answer = await super().lookup(code, lookup_key)
        applicant = Applicant("Nguyễn Văn An", "093090001234")
        dossier = replace(answer.dossier, applicant=applicant)
        return Answer(dossier, key_verified=False)


def test_the_adapters_record_is_checked_before_it_is_served() -> None:
    """Nothing about the applicant gets out without a key the upstream verified."""
    with fault_server() as upstream:
        upstream.script = [record_reply()]
        adapters = {**TEST_ADAPTERS, "leaky": LeakyUpstream}
        leaky = UpstreamSection(type="leaky", url=upstream.url)
        with serving({"only": leaky}, adapters=adapters) as (server, _):
            answer = get(server, PATH, lookup_key=RECORDS[0].lookup_key or "")
    assert answer.status_code == 200
    assert "applicant" not in answer.json()
    assert "093090001234" not in answer.text


def test_a_retired_office_is_answered_with_its_message_without_asking_anything() -> None:
    message = "Hệ thống cũ của tỉnh Hậu Giang đã ngừng; xin hỏi Trung tâm Phục vụ hành chính công."
    with fault_server() as upstream:
        upstreams = {"haugiang": probe(upstream.url, agencies=("H30",), retired=message)}
        with serving(upstreams) as (server, _):
            answer = get(server, PATH, lookup_key="7K2P")
            health = get(server, "/api/v1/health").json()
        assert upstream.requests == []
    assert answer.status_code == 410
    assert answer.json()["error"] == {
        "code": "retired",
        "message": "This office's former system no longer answers lookups; please ask the office.",
        "message_vi": message,
    }
    assert health["status"] == "ok"
    assert health["upstreams"]["haugiang"]["state"] == "retired"


def test_metrics_count_lookups_by_upstream_and_outcome_upstream_time_and_the_cache() -> None:
    with fault_server() as upstream:
        upstream.script = [record_reply(), Reply(404)]
        with serving({"only": probe(upstream.url)}) as (server, _):
            for path in (PATH, PATH, f"/api/v1/dossiers/{RECORDS[1].dossier.code}"):
                get(server, path)
            text = get(server, "/metrics").text
    assert 'onestop_gateway_lookups_total{outcome="found",upstream="only"} 2.0' in text
    assert 'onestop_gateway_lookups_total{outcome="not_found",upstream="only"} 1.0' in text
    assert 'onestop_gateway_upstream_seconds_count{upstream="only"} 2.0' in text
    assert 'onestop_gateway_cache_total{result="hit"} 1.0' in text
    assert 'onestop_gateway_cache_total{result="miss"} 2.0' in text


def test_many_lookups_at_once_are_spread_over_small_connection_pools() -> None:
    """httpcore scans its whole pool on every event (encode/httpcore#1035), so a large
    ``concurrency`` is spread over pools of SHARD_SIZE connections, each used as much."""
    paths = [f"/api/v1/dossiers/{r.dossier.code}" for r in RECORDS[:40]]
    with fault_server() as upstream:
        upstream.script = [record_reply(delay=0.3)]
        with serving({"only": probe(upstream.url, concurrency=40)}) as (server, gateway):
            transport = gateway.service.slots["only"].upstream.http._transport  # type: ignore[union-attr]
            answers = asyncio.run(_many(server, paths))
        assert len(upstream.requests) == 40
    assert [answer.status_code for answer in answers] == [200] * 40
    assert isinstance(transport, UpstreamTransport)
    assert len(transport._shards) == 40 // SHARD_SIZE


class UnmappedUpstream(DemoUpstream):
    @property
    def unmapped_statuses(self) -> dict[str, int]:
        return {"Chờ ký số": 3}


def test_statuses_an_adapter_cannot_map_are_in_the_metrics() -> None:
    adapters = {**TEST_ADAPTERS, "unmapped": UnmappedUpstream}
    with serving({"cantho": UpstreamSection(type="unmapped")}, adapters=adapters) as (server, _):
        text = get(server, "/metrics").text
    assert 'onestop_gateway_unmapped_statuses{status="Chờ ký số",upstream="cantho"} 3.0' in text
