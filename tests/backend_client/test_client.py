import datetime as dt
import json
import logging
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_client import (
    BackendUnavailable,
    BadResponse,
    CodeRejected,
    DossierNotFound,
    LastKnownStore,
    RateLimited,
    StatusClient,
    Timeouts,
    Unauthorized,
)
from dossier import ICT, DossierCode, Family, dossier_to_json, parse_code
from onestop.config import BackendSection, ConfigError
from onestop.demo_api import DemoStatusServer, bundled_records
from tests.backend_client.fault_server import FaultServer, Reply, fault_server

RECORDS = bundled_records()
SAMPLE = RECORDS[0].dossier
CODE = parse_code(SAMPLE.code)
GOOD = Reply.json(dossier_to_json(SAMPLE.without_applicant()))
FAST = Timeouts(connect=0.5, read=0.3, total=2.0)


def raw_field(name: str, raw: str) -> Reply:
    """The good record with one field's value written as this raw JSON text."""
    data = {**dossier_to_json(SAMPLE.without_applicant()), name: "\0"}
    return Reply(body=json.dumps(data).replace('"\\u0000"', raw).encode())


def client(url: str, **kwargs: Any) -> StatusClient:
    options: dict[str, Any] = {"timeouts": FAST, "retries": 2, "backoff": 0.01, "cache_ttl": 0}
    options.update(kwargs)
    return StatusClient(base_url=url, **options)


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def test_every_bundled_dossier(demo_api: DemoStatusServer) -> None:
    with client(demo_api.url) as api:
        for record in demo_api.records.values():
            code = parse_code(record.dossier.code)
            assert api.lookup(code) == record.dossier.without_applicant()
            if record.lookup_key:
                assert api.lookup(code, record.lookup_key) == record.dossier


def test_not_found_and_rejected(demo_api: DemoStatusServer) -> None:
    with client(demo_api.url) as api:
        with pytest.raises(DossierNotFound):
            api.lookup(parse_code("000.00.20.H30-240115-9999"))
        impossible = DossierCode(Family.NATIONAL, "000.00.20.H30-240115-12")
        with pytest.raises(CodeRejected, match="4 to 7 digits"):
            api.lookup(impossible)


def test_health(demo_api: DemoStatusServer) -> None:
    with client(demo_api.url) as api:
        assert api.health()["dossiers"] == len(RECORDS)


def test_retries_503_then_succeeds(faults: FaultServer) -> None:
    faults.script = [Reply(503), Reply(503), GOOD]
    with client(faults.url) as api:
        assert api.lookup(CODE).code == SAMPLE.code
    assert len(faults.requests) == 3


def test_gives_up_after_the_retries(faults: FaultServer) -> None:
    faults.script = [Reply(503)]
    with client(faults.url) as api, pytest.raises(BackendUnavailable, match="503"):
        api.lookup(CODE)
    assert len(faults.requests) == 3


def test_server_error_is_not_retried(faults: FaultServer) -> None:
    faults.script = [Reply.json({"error": {"code": "bug", "message": "database down"}}, 500)]
    with client(faults.url) as api, pytest.raises(BackendUnavailable, match="database down"):
        api.lookup(CODE)
    assert len(faults.requests) == 1


def test_slow_server_ends_within_the_timeouts(faults: FaultServer) -> None:
    faults.script = [Reply(delay=1.0)]
    started = time.monotonic()
    with client(faults.url) as api, pytest.raises(BackendUnavailable, match="in time"):
        api.lookup(CODE)
    elapsed = time.monotonic() - started
    assert len(faults.requests) == 3
    assert elapsed < 3 * (FAST.connect + FAST.read) + 0.5


def test_trickling_answer_is_dropped_at_the_total_timeout(faults: FaultServer) -> None:
    faults.script = [Reply(body=GOOD.body, trickle=0.1)]
    started = time.monotonic()
    with client(faults.url) as api, pytest.raises(BackendUnavailable, match="too slowly"):
        api.lookup(CODE)
    assert time.monotonic() - started < FAST.total + 1.0


# -- the whole lookup ends by its deadline (timeouts.total), whatever the server does -------

MARGIN = 1.0
"""Seconds past the deadline a lookup may take to notice it on a loaded machine."""


def ends_by_the_deadline(api: StatusClient, message: str) -> float:
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match=message):
        api.lookup(CODE)
    elapsed = time.monotonic() - started
    assert elapsed < api.timeouts.total + MARGIN
    return elapsed


def test_headers_sent_a_byte_at_a_time_end_at_the_deadline(faults: FaultServer) -> None:
    faults.script = [Reply(body=GOOD.body, trickle_head=0.05)]  # about 15 s of headers
    with client(faults.url) as api:
        ends_by_the_deadline(api, "too slowly: no complete answer within 2 s")


def test_headers_trickled_over_tls_end_at_the_deadline(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with fault_server(tls=context) as server:
        server.script = [Reply(body=GOOD.body, trickle_head=0.05)]
        with client(server.url, ca_bundle=cert) as api:
            ends_by_the_deadline(api, "too slowly")


def test_slow_429s_and_their_retry_after_end_at_the_deadline(faults: FaultServer) -> None:
    # The 4.5 s delay then 429 Retry-After 5 (24 s of a 15 s lookup), scaled down.
    faults.script = [Reply(429, headers={"Retry-After": "1"}, delay=0.6)]
    timeouts = Timeouts(connect=0.5, read=1.0, total=2.0)
    with client(faults.url, timeouts=timeouts, retries=5) as api:
        ends_by_the_deadline(api, "too slowly")
    assert len(faults.requests) == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(faults: FaultServer) -> None:
    faults.script = [Reply(503, headers={"Retry-After": "3"})]
    with client(faults.url, timeouts=Timeouts(0.5, 1.0, 2.0), max_retry_after=5) as api:
        assert ends_by_the_deadline(api, "503") < 1.0
    assert len(faults.requests) == 1


def test_a_silent_server_ends_at_the_deadline(faults: FaultServer) -> None:
    faults.script = [Reply(delay=30)]
    with client(faults.url, timeouts=Timeouts(0.5, 1.5, 2.0), retries=3) as api:
        ends_by_the_deadline(api, "too slowly")
    assert len(faults.requests) == 2


def test_parallel_lookups_each_end_at_their_deadline(faults: FaultServer) -> None:
    faults.script = [Reply(body=GOOD.body, trickle_head=0.05)]
    elapsed: list[float] = []
    with client(faults.url) as api:
        threads = [
            threading.Thread(target=lambda: elapsed.append(ends_by_the_deadline(api, "slowly")))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(elapsed) == 4


def test_a_lookup_after_a_deadline_reuses_nothing_broken(faults: FaultServer) -> None:
    faults.script = [Reply(body=GOOD.body, trickle_head=0.05), GOOD]
    with client(faults.url, retries=0) as api:
        ends_by_the_deadline(api, "slowly")
        assert api.lookup(CODE).code == SAMPLE.code


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(body=b"<html>Bad gateway</html>"), "not JSON"),
        (Reply(body=b"\xff\xfe{"), "not JSON"),
        (Reply.json({"code": SAMPLE.code}), "'procedure'"),
        (Reply.json({**dossier_to_json(SAMPLE), "due_at": "tomorrow"}), "'due_at'"),
        (Reply.json([1, 2]), "JSON object"),
        (Reply(body=b"{" + b" " * 5_000_000 + b"}"), "too large"),
        (Reply(body=b"{" + b" " * 5_000_000 + b"}", close_delimited=True), "larger than"),
        (Reply(302, headers={"Location": "http://example.org/"}), "unexpected HTTP 302"),
        # What an attacker or a broken proxy can send: each a BadResponse, nothing else.
        (Reply(body=b"[" * 200_000), "nested too deeply"),
        (Reply(body=b"[" * 50 + b"]" * 50), "nests deeper than 16"),
        (raw_field("status_code", "9" * 5000), "4300"),
        (raw_field("status_code", "NaN"), "NaN"),
        (raw_field("procedure", '"H\\u1ed9 t\\ud800ch"'), "surrogate"),
        (raw_field("extension", '{"\\udfff": 1}'), "surrogate"),
        (Reply.json({**dossier_to_json(SAMPLE), "received_at": "0001-01-01T00:00+14:00"}), "1 and"),
        (Reply.json({**dossier_to_json(SAMPLE), "due_at": "9999-12-31T23:59-10:00"}), "1 and"),
    ],
)
def test_bad_answers(faults: FaultServer, reply: Reply, message: str) -> None:
    faults.script = [reply]
    started = time.monotonic()
    with client(faults.url) as api, pytest.raises(BadResponse, match=message):
        api.lookup(CODE)
    assert len(faults.requests) == 1
    assert time.monotonic() - started < FAST.total


def test_answer_for_another_code_is_refused(faults: FaultServer) -> None:
    other = RECORDS[1].dossier.without_applicant()
    faults.script = [Reply.json(dossier_to_json(other))]
    with client(faults.url) as api, pytest.raises(BadResponse, match="answered for"):
        api.lookup(CODE)


def test_short_retry_after_is_honoured(faults: FaultServer) -> None:
    faults.script = [Reply(429, headers={"Retry-After": "1"}), GOOD]
    started = time.monotonic()
    with client(faults.url) as api:
        assert api.lookup(CODE).code == SAMPLE.code
    assert time.monotonic() - started >= 1.0
    assert len(faults.requests) == 2


def test_long_retry_after_gives_up_at_once(faults: FaultServer) -> None:
    faults.script = [Reply(429, headers={"Retry-After": "3600"})]
    started = time.monotonic()
    with client(faults.url) as api, pytest.raises(RateLimited) as caught:
        api.lookup(CODE)
    assert caught.value.retry_after == 3600
    assert len(faults.requests) == 1
    assert time.monotonic() - started < 1.0


def test_connection_reset_is_retried(faults: FaultServer) -> None:
    faults.script = [Reply(reset=True), GOOD]
    with client(faults.url) as api:
        assert api.lookup(CODE).code == SAMPLE.code
    assert len(faults.requests) == 2


def test_connection_reset_every_time(faults: FaultServer) -> None:
    faults.script = [Reply(reset=True)]
    with client(faults.url) as api, pytest.raises(BackendUnavailable):
        api.lookup(CODE)
    assert len(faults.requests) == 3


def test_nobody_listening() -> None:
    with fault_server() as server:
        url = server.url
    with client(url) as api, pytest.raises(BackendUnavailable, match="connection refused"):
        api.lookup(CODE)


def test_token_is_sent_and_refusal_is_typed() -> None:
    with DemoStatusServer(RECORDS, port=0, token="s3cret").start() as server:
        with client(server.url, token="s3cret") as api:
            assert api.lookup(CODE).code == SAMPLE.code
        with client(server.url, token="wrong") as api, pytest.raises(Unauthorized):
            api.lookup(CODE)
        with client(server.url) as api, pytest.raises(Unauthorized):
            api.lookup(CODE)


def test_applicant_sent_without_a_key_is_dropped_and_never_cached(faults: FaultServer) -> None:
    assert SAMPLE.applicant is not None
    faults.script = [Reply.json(dossier_to_json(SAMPLE))]  # a server that ignores the rule
    with client(faults.url, cache_ttl=60) as api:
        assert api.lookup(CODE).applicant is None
        assert api.lookup(CODE).applicant is None  # from the cache
        assert api.lookup(CODE, "7K2P").applicant == SAMPLE.applicant
    assert len(faults.requests) == 2


def test_cache_answers_without_asking(faults: FaultServer) -> None:
    faults.script = [GOOD, Reply(404)]
    with client(faults.url, cache_ttl=60) as api:
        first = api.lookup(CODE)
        assert api.lookup(CODE) is first
    assert len(faults.requests) == 1


def test_not_found_is_cached_too(faults: FaultServer) -> None:
    faults.script = [Reply(404), GOOD]
    with client(faults.url, cache_ttl=60) as api:
        for _ in range(3):
            with pytest.raises(DossierNotFound):
                api.lookup(CODE)
    assert len(faults.requests) == 1


def test_last_known_status_while_down(faults: FaultServer, tmp_path: Path) -> None:
    store = LastKnownStore(tmp_path / "last-known.sqlite3")
    with_applicant = Reply.json(dossier_to_json(SAMPLE))
    faults.script = [with_applicant, Reply(503)]
    with client(faults.url, last_known=store) as api:
        assert api.lookup(CODE, "7K2P").applicant is not None
        before = dt.datetime.now(ICT)
        with pytest.raises(BackendUnavailable) as caught:
            api.lookup(CODE)
    known = caught.value.last_known
    assert known is not None
    assert known.dossier == SAMPLE.without_applicant()
    assert before - known.fetched_at < dt.timedelta(seconds=5)
    reopened = LastKnownStore(tmp_path / "last-known.sqlite3")
    assert reopened.get(CODE, before) == known


def test_last_known_expires(tmp_path: Path) -> None:
    store = LastKnownStore(tmp_path / "lk.sqlite3", max_age=3600)
    then = dt.datetime(2024, 1, 1, 9, 0, tzinfo=ICT)
    store.put(CODE, SAMPLE, then)
    assert store.get(CODE, then + dt.timedelta(minutes=59)) is not None
    assert store.get(CODE, then + dt.timedelta(minutes=61)) is None
    assert store.prune(then + dt.timedelta(minutes=61)) == 1


def test_concurrent_lookups_share_one_client(demo_api: DemoStatusServer, tmp_path: Path) -> None:
    store = LastKnownStore(tmp_path / "lk.sqlite3")
    errors: list[BaseException] = []
    with client(demo_api.url, last_known=store) as api:

        def work() -> None:
            try:
                for record in RECORDS:
                    api.lookup(parse_code(record.dossier.code))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert all(store.get(parse_code(r.dossier.code), dt.datetime.now(ICT)) for r in RECORDS)


def test_tls_is_verified_against_the_configured_bundle(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    with DemoStatusServer(RECORDS, port=0, tls=(cert, key)).start() as server:
        url = server.url
        assert url.startswith("https://")
        with client(url) as api, pytest.raises(BackendUnavailable, match="TLS"):
            api.lookup(CODE)
        with client(url, ca_bundle=cert) as api:
            assert api.lookup(CODE).code == SAMPLE.code


def test_from_config_reads_the_token_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    token.chmod(0o644)
    with DemoStatusServer(RECORDS, port=0, token="s3cret").start() as server:
        section = BackendSection(url=server.url, token_file=token)
        with caplog.at_level(logging.WARNING), StatusClient.from_config(section) as api:
            assert api.lookup(CODE).code == SAMPLE.code
    assert "chmod 600" in caplog.text


def test_from_config_names_a_missing_token_file(tmp_path: Path) -> None:
    section = BackendSection(token_file=tmp_path / "absent")
    with pytest.raises(ConfigError, match=r"\[backend\] token_file"):
        StatusClient.from_config(section)
