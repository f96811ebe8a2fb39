import collections
import datetime as dt
import json
import signal
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from dossier import (
    FIELDS,
    ICT,
    Family,
    Status,
    dossier_from_json,
    dossier_to_json,
    parse_code,
)
from onestop.demo_api import DemoDataError, DemoStatusServer, bundled_records, load_records
from onestop.demo_api.cli import main as demo_api_main


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, Any]:
    """Status, headers (names in any case, as HTTP has them) and the decoded JSON body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


def test_bundled_set_is_realistic() -> None:
    now = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ICT)
    dossiers = [record.dossier for record in bundled_records(now)]
    assert len(dossiers) >= 40
    assert {d.status for d in dossiers} == set(Status)
    assert len({d.code for d in dossiers}) == len(dossiers)
    assert any(d.overdue(now) for d in dossiers)
    assert any(not d.overdue(now) and 0 <= d.days_left(now) <= 1 for d in dossiers)
    assert any(d.rescheduled for d in dossiers)
    assert any(d.status.finished and d.completed_at for d in dossiers)
    assert {parse_code(d.code).family for d in dossiers} == {
        Family.NATIONAL,
        Family.NATIONAL_SHORT,
        Family.OPENCPS,
    }
    assert all("Hậu Giang" in d.agency or d.agency.startswith("UBND") for d in dossiers)
    for d in dossiers:
        assert parse_code(d.code).date in (None, d.received_at.date())
        assert d.received_at.strftime("%y%m%d") in d.code
        assert d.received_at <= now and d.updated_at <= now
        assert [h.at for h in d.history] == sorted(h.at for h in d.history)
        assert (d.current_unit is None) == d.status.finished
        assert dossier_from_json(dossier_to_json(d)) == d


def test_dates_follow_today() -> None:
    first = bundled_records(dt.datetime(2026, 3, 10, 9, 0, tzinfo=ICT))[0].dossier
    later = bundled_records(dt.datetime(2026, 3, 20, 9, 0, tzinfo=ICT))[0].dossier
    assert later.received_at - first.received_at == dt.timedelta(days=10)
    assert first.code != later.code


def test_every_dossier_answers_with_exactly_the_contract_names(demo_api: DemoStatusServer) -> None:
    for code, record in demo_api.records.items():
        status, headers, body = get(f"{demo_api.url}/api/v1/dossiers/{code}")
        assert status == 200
        assert headers["Content-Type"].startswith("application/json")
        assert list(body) == list(FIELDS)
        assert body["status_code"] == Status(body["status"]).number
        for name in ("received_at", "due_at", "updated_at"):
            assert body[name].endswith("+07:00")
        assert dossier_from_json(body) == record.dossier.without_applicant()


def test_lookup_key_reveals_the_applicant(demo_api: DemoStatusServer) -> None:
    code, record = next((c, r) for c, r in demo_api.records.items() if r.lookup_key)
    assert record.lookup_key is not None and record.dossier.applicant is not None
    url = f"{demo_api.url}/api/v1/dossiers/{code}?lookup_key={record.lookup_key.lower()}"
    _, _, body = get(url)
    assert body["applicant"] == {
        "name": record.dossier.applicant.name,
        "id_number": record.dossier.applicant.id_number,
    }
    assert "lookup_key" not in body
    _, _, wrong = get(f"{demo_api.url}/api/v1/dossiers/{code}?lookup_key=ZZZZ")
    assert "applicant" not in wrong


def test_messy_code_in_the_path_is_normalized(demo_api: DemoStatusServer) -> None:
    code = next(iter(demo_api.records))
    messy = urllib.parse.quote(str(code).lower().replace("-", " \u2013 "))
    status, _, body = get(f"{demo_api.url}/api/v1/dossiers/{messy}")
    assert status == 200 and body["code"] == str(code)


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/api/v1/dossiers/000.00.20.H30-240115-9999", 404, "not_found"),
        ("/api/v1/dossiers/000.00.20.H30-240230-0001", 400, "invalid_code"),
        ("/api/v1/dossiers/hello", 400, "invalid_code"),
        ("/api/v1/dossiers/", 404, "no_such_endpoint"),
        ("/api/v2/health", 404, "no_such_endpoint"),
    ],
)
def test_errors(demo_api: DemoStatusServer, path: str, status: int, error: str) -> None:
    got, _, body = get(f"{demo_api.url}{path}")
    assert got == status
    assert body["error"]["code"] == error
    assert body["error"]["message"]


def test_invalid_code_error_says_what_is_wrong_in_both_languages(
    demo_api: DemoStatusServer,
) -> None:
    _, _, body = get(f"{demo_api.url}/api/v1/dossiers/000.00.20.H30-240230-0001")
    assert body["error"]["message"] == "Date part 240230 is not a real date."
    assert body["error"]["message_vi"] == "Phần ngày 240230 không phải là ngày có thật."


def test_health(demo_api: DemoStatusServer) -> None:
    status, _, body = get(f"{demo_api.url}/api/v1/health")
    assert status == 200
    assert body["status"] == "ok" and body["dossiers"] == demo_api.dossier_count
    assert body["time"].endswith("+07:00")


def test_only_get_is_allowed(demo_api: DemoStatusServer) -> None:
    request = urllib.request.Request(f"{demo_api.url}/api/v1/health", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    with caught.value as error:
        assert error.code == 405
        assert error.headers["Allow"] == "GET"


def test_token() -> None:
    with DemoStatusServer(bundled_records(), port=0, token="s3cret").start() as server:
        status, headers, body = get(f"{server.url}/api/v1/health")
        assert status == 401 and body["error"]["code"] == "unauthorized"
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert get(f"{server.url}/api/v1/health", {"Authorization": "Bearer nope"})[0] == 401
        assert get(f"{server.url}/api/v1/health", {"Authorization": "Bearer s3cret"})[0] == 200


def test_rate_limit_answers_429_with_retry_after() -> None:
    with DemoStatusServer(bundled_records(), port=0, rate_limit=3).start() as server:
        answers = [get(f"{server.url}/api/v1/health") for _ in range(5)]
    assert collections.Counter(status for status, _, _ in answers) == {200: 3, 429: 2}
    _, headers, body = answers[-1]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert body["error"]["code"] == "rate_limited"


def test_data_file(tmp_path: Path) -> None:
    source = bundled_records()[:2]
    entries = [dossier_to_json(r.dossier) | {"lookup_key": r.lookup_key} for r in source]
    path = tmp_path / "dossiers.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    records = load_records(path)
    assert [r.dossier for r in records] == [r.dossier for r in source]
    assert [r.lookup_key for r in records] == [r.lookup_key for r in source]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read a JSON document"),
        ('{"code": 1}', "expected a JSON list"),
        ('[{"code": "x"}]', "entry 0: field 'procedure'"),
    ],
)
def test_bad_data_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "dossiers.json"
    path.write_text(content)
    with pytest.raises(DemoDataError, match=message):
        load_records(path)


def test_list_prints_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    # --list lets SIGPIPE end it quietly in a pipe (| head); the tests' process must keep
    # ignoring it, or a server thread writing to a client that hung up kills pytest.
    ignored = signal.getsignal(signal.SIGPIPE)
    try:
        assert demo_api_main(["--list"]) == 0
    finally:
        signal.signal(signal.SIGPIPE, ignored)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(bundled_records())
    assert all(parse_code(line.split("\t")[0]) for line in lines)


def test_bad_data_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[1]")
    assert demo_api_main(["--data", str(path), "--list"]) == 2
    assert "entry 0" in capsys.readouterr().err


def test_the_demo_day_can_be_pinned_so_programs_started_apart_agree() -> None:
    from gateway.upstreams.demo import DemoDataError, demo_now

    pinned = demo_now({"ONESTOP_DEMO_DAY": "2026-03-01"})
    assert pinned.date() == dt.date(2026, 3, 1) and pinned.tzinfo is not None
    codes = {r.dossier.code for r in bundled_records(pinned)}
    assert any("-260301-" in code or ".260301." in code for code in codes)
    assert demo_now({}).date() == dt.datetime.now(ICT).date()
    with pytest.raises(DemoDataError, match="expected a day such as"):
        demo_now({"ONESTOP_DEMO_DAY": "yesterday"})
