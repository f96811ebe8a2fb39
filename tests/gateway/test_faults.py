"""Upstreams that misbehave, over real sockets: each gets a clear contract answer in time."""

from __future__ import annotations

import pytest

from dossier import DossierCode
from gateway.upstreams import Answer
from tests.backend_client.fault_server import Reply, fault_server
from tests.gateway.support import (
    SAMPLE,
    TEST_ADAPTERS,
    ProbeUpstream,
    error_code,
    get,
    probe,
    record_reply,
    serving,
)

PATH = f"/api/v1/dossiers/{SAMPLE.code}"
FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("reply", "status", "code", "words"),
    [
        (Reply(200, b"x" * FIFTY_MB), 502, "bad_upstream_answer", "too large"),
        (Reply(200, b"x" * FIFTY_MB, close_delimited=True), 502, "bad_upstream_answer", "larger"),
        (Reply(200, b"<html>Bad gateway</html>"), 502, "bad_upstream_answer", "not a status"),
        (Reply.json({"code": SAMPLE.code}), 502, "bad_upstream_answer", "not a status"),
        (Reply(reset=True), 503, "upstream_unavailable", "broke off"),
        (Reply(500), 503, "upstream_unavailable", "HTTP 500"),
        (Reply(502), 503, "upstream_unavailable", "HTTP 502"),
        (Reply(429, headers={"Retry-After": "30"}), 503, "upstream_unavailable", "wait"),
        (record_reply(trickle=0.05), 503, "upstream_unavailable", "no answer within"),
        (Reply(203), 403, "key_rejected", "does not match"),
        (Reply(403), 403, "key_required", "lookup key"),
        (Reply(404), 404, "not_found", SAMPLE.code),
    ],
    ids=[
        "50MB-declared",
        "50MB-undeclared",
        "html",
        "wrong-shape",
        "reset",
        "500",
        "502",
        "429",
        "trickle",
        "203-wrong-key",
        "403-key-required",
        "404",
    ],
)
def test_an_upstream_fault_gets_a_contract_answer(
    reply: Reply, status: int, code: str, words: str
) -> None:
    with fault_server() as upstream:
        upstream.script = [reply]
        section = probe(upstream.url, timeout=1.0, max_body=1_048_576)
        with serving({"only": section}) as (server, _):
            answer = get(server, PATH, lookup_key="ZZZZ")
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert error_code(answer) == code
    assert words in answer.json()["error"]["message"]
    assert len(answer.content) < 2000


def test_an_unreachable_upstream_is_unavailable() -> None:
    with fault_server() as upstream:
        url = upstream.url
    with serving({"only": probe(url)}) as (server, _):
        answer = get(server, PATH)
    assert answer.status_code == 503
    assert "cannot connect" in answer.json()["error"]["message"]


def test_an_adapter_that_breaks_is_a_bad_answer_not_a_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(ProbeUpstream):
        async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
            raise KeyError("serviceName")

    adapters = {**TEST_ADAPTERS, "probe": Broken}
    with serving({"only": probe("http://127.0.0.1:9")}, adapters=adapters) as (server, _):
        answer = get(server, PATH)
        health = get(server, "/api/v1/health").json()
    assert answer.status_code == 502
    assert "its adapter failed (KeyError)" in answer.json()["error"]["message"]
    assert health["upstreams"]["only"]["state"] == "failing"
    assert "KeyError" in caplog.text  # with the traceback, for whoever fixes the adapter
