"""The fleet page over HTTP: login, sessions, the unit list and page, the usage report."""

import csv
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import requests

from dossier import Status
from gateway.fleet._store import latency_bucket
from onestop.fleet import Modem, Outcome, Role
from tests.gateway.fleet.conftest import (
    HASH,
    PASSWORD,
    Clock,
    RunningFleet,
    fleet_config,
    running_fleet,
)
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat, usage


@pytest.fixture
def fleet(tmp_path: Path, clock: Clock) -> Iterator[RunningFleet]:
    config = fleet_config(
        f"sqlite:///{tmp_path}/fleet.sqlite3",
        fleet_gateway={"login.thu": HASH, "cookie_secure": "no", "session_idle": "600"},
    )
    with running_fleet(config, clock=clock) as running:
        store = running.store
        store.ingest("vithuy-sms", batch(sms_beat(T0)), T0)
        store.ingest(
            "tinh-kiosk",
            batch(
                kiosk_beat(T0, office="Trung tâm Phục vụ hành chính công"),
                usage(T0, channel=Role.KIOSK),
            ),
            T0,
        )
        store.ingest(
            "cantho-sms",
            batch(
                sms_beat(T0, office="UBND quận Ninh Kiều", modems=(Modem(name="m1", state="lost"),))
            ),
            T0,
        )
        running.fleet.book.evaluate(store.units(), T0 + 10)
        yield running


def login(url: str, name: str = "thu", password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(
        f"{url}/fleet/login", data={"name": name, "password": password}, allow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_the_pages_need_a_login(fleet: RunningFleet) -> None:
    for path in ("/fleet/", "/fleet/units/1", "/fleet/report", "/fleet/report.csv"):
        answer = requests.get(fleet.url + path, allow_redirects=False, timeout=10)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/fleet/login?next=%2Ffleet%2F")


def test_login_sets_a_locked_down_cookie_and_goes_where_it_was_asked(fleet: RunningFleet) -> None:
    browser = requests.Session()
    answer = browser.post(
        f"{fleet.url}/fleet/login",
        data={"name": "thu", "password": PASSWORD, "next": "/fleet/units/1"},
        allow_redirects=False,
    )
    assert answer.headers["location"] == "/fleet/units/1"
    cookie = answer.headers["set-cookie"]
    assert re.search(r"onestop_fleet=[\w-]{40,};", cookie)
    for flag in ("HttpOnly", "Path=/fleet", "SameSite=strict"):
        assert flag.lower() in cookie.lower()
    page = browser.get(f"{fleet.url}/fleet/units/1")
    assert page.status_code == 200 and "vithuy-sms" in page.text


def test_the_session_cookie_is_secure_by_default(tmp_path: Path) -> None:
    config = fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3", fleet_gateway={"login.thu": HASH})
    with running_fleet(config) as running:
        answer = requests.post(
            f"{running.url}/fleet/login",
            data={"name": "thu", "password": PASSWORD},
            allow_redirects=False,
            timeout=10,
        )
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/x"])
def test_login_never_sends_elsewhere(fleet: RunningFleet, target: str) -> None:
    answer = requests.post(
        f"{fleet.url}/fleet/login",
        data={"name": "thu", "password": PASSWORD, "next": target},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.headers["location"] == "/fleet/"


def test_wrong_passwords_are_refused_then_throttled(fleet: RunningFleet) -> None:
    for _ in range(5):
        answer = requests.post(
            f"{fleet.url}/fleet/login", data={"name": "thu", "password": "guess"}, timeout=10
        )
        assert answer.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu" in answer.text
    blocked = requests.post(
        f"{fleet.url}/fleet/login", data={"name": "thu", "password": PASSWORD}, timeout=10
    )
    assert blocked.status_code == 429


def test_a_form_from_another_site_is_refused(fleet: RunningFleet) -> None:
    answer = requests.post(
        f"{fleet.url}/fleet/login",
        data={"name": "thu", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 403


def test_logout_needs_the_form_token(fleet: RunningFleet) -> None:
    key = login(fleet.url).cookies["onestop_fleet"]

    def page() -> requests.Response:
        return requests.get(
            f"{fleet.url}/fleet/", cookies={"onestop_fleet": key}, allow_redirects=False, timeout=10
        )

    def log_out(csrf: str, **headers: str) -> requests.Response:
        return requests.post(
            f"{fleet.url}/fleet/logout",
            data={"csrf": csrf},
            cookies={"onestop_fleet": key},
            headers=headers,
            allow_redirects=False,
            timeout=10,
        )

    token = re.search(r'name="csrf" value="([^"]+)"', page().text)
    assert token
    # A form another site made the browser send closes nothing, not even the cookie.
    for refused in (log_out("forged"), log_out(token.group(1), Origin="https://evil.example")):
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert page().status_code == 200
    assert log_out(token.group(1)).status_code == 303
    assert page().status_code == 303


def test_an_unknown_name_takes_as_long_as_a_wrong_password(
    fleet: RunningFleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from gateway.fleet import _auth

    costs: list[int] = []
    real = hashlib.scrypt

    def scrypt(password: bytes, **options: Any) -> bytes:
        costs.append(options["n"])
        return real(password, **options | {"n": 2**10})

    monkeypatch.setattr(hashlib, "scrypt", scrypt)
    for name in ("thu", "nobody"):
        answer = requests.post(
            f"{fleet.url}/fleet/login", data={"name": name, "password": "guess"}, timeout=10
        )
        assert answer.status_code == 401
    assert costs == [2**10, _auth.COST]  # the test's cheap hash, then one of full cost


def test_a_session_ends_after_its_longest_time_even_in_use(tmp_path: Path, clock: Clock) -> None:
    config = fleet_config(
        f"sqlite:///{tmp_path}/fleet.sqlite3",
        fleet_gateway={
            "login.thu": HASH,
            "cookie_secure": "no",
            "session_idle": "600",
            "session_max": "900",
        },
    )
    with running_fleet(config, clock=clock) as running:
        browser = login(running.url)
        for step in (500, 380):  # used every few minutes, never idle for ten
            clock.now += step
            answer = browser.get(f"{running.url}/fleet/", allow_redirects=False)
            assert answer.status_code == 200
        clock.now += 100  # 980 s after the login
        answer = browser.get(f"{running.url}/fleet/", allow_redirects=False)
        assert answer.status_code == 303 and "expired=1" in answer.headers["location"]


def test_an_idle_session_expires(fleet: RunningFleet, clock: Clock) -> None:
    browser = login(fleet.url)
    assert browser.get(f"{fleet.url}/fleet/", allow_redirects=False).status_code == 200
    clock.now += 601
    answer = browser.get(f"{fleet.url}/fleet/", allow_redirects=False)
    assert answer.status_code == 303
    assert "expired=1" in answer.headers["location"]
    assert "Phiên làm việc đã hết hạn" in browser.get(fleet.url + answer.headers["location"]).text


def test_pages_send_a_strict_security_policy(fleet: RunningFleet) -> None:
    page = login(fleet.url).get(f"{fleet.url}/fleet/")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text


def rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="unit state-(\w+)" data-unit="([^"]+)"', html)


def test_the_unit_list_shows_each_state_and_filters_and_sorts(fleet: RunningFleet) -> None:
    browser = login(fleet.url)
    page = browser.get(f"{fleet.url}/fleet/").text
    assert rows(page) == [
        ("warning", "cantho-sms"),
        ("ok", "tinh-kiosk"),
        ("ok", "vithuy-sms"),
    ]
    assert "3 thiết bị: 2 bình thường, 1 có cảnh báo, 0 mất liên lạc" in page
    assert "Modem không hoạt động" in page
    only = browser.get(f"{fleet.url}/fleet/", params={"office": "UBND huyện Vị Thủy"}).text
    assert rows(only) == [("ok", "vithuy-sms")]
    by_name = browser.get(f"{fleet.url}/fleet/", params={"sort": "name", "desc": "1"}).text
    assert [name for _, name in rows(by_name)] == ["vithuy-sms", "tinh-kiosk", "cantho-sms"]
    kiosks = browser.get(f"{fleet.url}/fleet/", params={"role": "kiosk", "lang": "en"}).text
    assert rows(kiosks) == [("ok", "tinh-kiosk")]
    assert "3 units: 2 OK, 1 with warnings, 0 down" in kiosks


def test_a_silent_unit_turns_red(fleet: RunningFleet, clock: Clock) -> None:
    clock.now = T0 + 301
    fleet.fleet.book.evaluate(fleet.store.units(), clock.now)
    page = login(fleet.url).get(f"{fleet.url}/fleet/").text
    assert {state for state, _ in rows(page)} == {"down"}
    assert "Mất liên lạc" in page


def test_the_unit_page_shows_facts_alerts_and_charts(fleet: RunningFleet) -> None:
    browser = login(fleet.url)
    [sms] = fleet.store.find_unit("cantho-sms")
    page = browser.get(f"{fleet.url}/fleet/units/{sms.id}").text
    assert "m1: lost" in page
    assert page.count("<svg") == 3  # lookups per hour, answer time, signal
    assert "Sóng di động" in page
    [kiosk] = fleet.store.find_unit("tinh-kiosk")
    page = browser.get(f"{fleet.url}/fleet/units/{kiosk.id}", params={"lang": "en"}).text
    assert "picamera2: 14.5 fps" in page
    assert "Camera (frames per second)" in page
    assert browser.get(f"{fleet.url}/fleet/units/999").status_code == 404


@pytest.fixture
def reported(fleet: RunningFleet) -> RunningFleet:
    events = [usage(T0, outcome=Outcome.FOUND, status=Status.PROCESSING, latency_ms=300)] * 3
    events += [usage(T0, outcome=Outcome.NOT_FOUND, latency_ms=100)]
    fleet.store.ingest("vithuy-sms", batch(*events, start=2, role=Role.SMS), T0)
    return fleet


def test_the_report_page(reported: RunningFleet) -> None:
    page = login(reported.url).get(
        f"{reported.url}/fleet/report", params={"from": "2026-05-01", "to": "2026-05-31"}
    )
    assert page.status_code == 200
    assert "Từ 01/05/2026 đến 31/05/2026" in page.text
    assert "Tin nhắn (modem)" in page.text and "Ki-ốt" in page.text
    assert "<svg" in page.text
    assert "Đang xử lý" in page.text  # a status citizens were told
    bad = login(reported.url).get(f"{reported.url}/fleet/report", params={"from": "2026-13-01"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.text


def test_the_report_csv(reported: RunningFleet) -> None:
    answer = login(reported.url).get(
        f"{reported.url}/fleet/report.csv", params={"from": "2026-05-01", "to": "2026-05-31"}
    )
    assert "attachment" in answer.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(answer.text)))
    province = [row for row in table if row["level"] == "province" and row["month"] == "total"]
    assert province[0]["lookups"] == "5"
    assert province[0]["answered"] == "4"
    unit = [
        r
        for r in table
        if r["level"] == "unit" and r["unit"] == "vithuy-sms" and r["month"] == "2026-05"
    ]
    assert (unit[0]["lookups"], unit[0]["median_ms"], unit[0]["status_processing"]) == (
        "4",
        str(latency_bucket(300)),
        "3",
    )


def test_the_report_pdf_writes_vietnamese(reported: RunningFleet, tmp_path: Path) -> None:
    answer = login(reported.url).get(
        f"{reported.url}/fleet/report.pdf", params={"from": "2026-05-01", "to": "2026-05-31"}
    )
    assert answer.headers["content-type"] == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(answer.content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Báo cáo tình hình sử dụng tra cứu hồ sơ" in text
    assert "UBND huyện Vị Thủy" in text
    assert "Đang xử lý" in text
    # The letters are drawn from DejaVu Sans inside the file, not from the reader's fonts.
    resources: Any = pdf.pages[0]["/Resources"]
    fonts = [font.get_object() for font in resources["/Font"].values()]
    embedded = {
        str(font["/BaseFont"]).split("+")[-1]
        for font in fonts
        if "/FontFile2" in font.get("/FontDescriptor", {})
    }
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= embedded
    # Ghostscript renders it: the file is a well-formed PDF, not only text pypdf can read.
    (tmp_path / "report.pdf").write_bytes(answer.content)
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(tmp_path / "report.pdf")],
        check=True,
        capture_output=True,
    )


def test_readers_fetch_the_report_and_the_units_with_their_token(reported: RunningFleet) -> None:
    good = {"Authorization": "Bearer token-icinga"}
    answer = requests.get(
        f"{reported.url}/fleet/report.txt",
        params={"from": "2026-05-01", "to": "2026-05-31"},
        headers=good,
        timeout=10,
    )
    assert answer.status_code == 200 and "Toàn tỉnh theo tháng" in answer.text
    units = requests.get(f"{reported.url}/api/v1/fleet/units", headers=good, timeout=10).json()
    assert [unit["name"] for unit in units["units"]] == ["cantho-sms", "tinh-kiosk", "vithuy-sms"]
    one = requests.get(f"{reported.url}/api/v1/fleet/units/cantho-sms", headers=good, timeout=10)
    [unit] = one.json()["units"]
    assert unit["state"] == "warning" and unit["alerts"][0]["text"] == "Modem down: m1: lost"
    # A unit's own token reads nothing of the fleet.
    unit_token = {"Authorization": "Bearer token-kiosk-1"}
    assert (
        requests.get(
            f"{reported.url}/api/v1/fleet/units", headers=unit_token, timeout=10
        ).status_code
        == 401
    )
    assert (
        requests.get(f"{reported.url}/fleet/report.csv", headers=unit_token, timeout=10).status_code
        == 401
    )


def test_the_report_fetched_for_the_command_line(reported: RunningFleet) -> None:
    import datetime as dt

    from backend_client import Unauthorized, fetch_usage_report

    def fetch(token: str | None, **options: Any) -> str:
        start, end = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
        return fetch_usage_report(reported.url, token=token, start=start, end=end, **options)

    text = fetch("token-icinga")
    assert text.startswith("Báo cáo tình hình sử dụng tra cứu hồ sơ\nTừ 01/05/2026 đến 31/05/2026")
    english = fetch("token-icinga", lang="en")
    assert "Province-wide, month by month" in english
    table = fetch("token-icinga", csv=True)
    assert table.startswith("level,office,unit,kind,channel,month,lookups,")
    with pytest.raises(Unauthorized, match="readers"):
        fetch("token-kiosk-1")
    with pytest.raises(Unauthorized):
        fetch(None)


def test_onestop_usage_report_prints_the_province_s_report(
    reported: RunningFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from smsd.usage_cli import main as usage_report

    token = tmp_path / "reader-token"
    token.write_text("token-icinga\n")
    token.chmod(0o600)
    period = ["--from", "2026-05-01", "--to", "2026-05-31"]
    assert usage_report(["--fleet", reported.url, "--token-file", str(token), *period]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Báo cáo tình hình sử dụng tra cứu hồ sơ")
    assert "Tin nhắn (modem)" in out
    assert (
        usage_report(["--fleet", reported.url, "--token-file", str(token), "--csv", *period]) == 0
    )
    assert capsys.readouterr().out.startswith("level,office,unit")
    assert usage_report(["--fleet", reported.url, *period]) == 3
    assert "readers" in capsys.readouterr().err
    # Without a period: the report's own default, the last full half-year before the
    # gateway's today (28 May 2026).
    assert usage_report(["--fleet", reported.url, "--token-file", str(token)]) == 0
    assert "Từ 01/07/2025 đến 31/12/2025" in capsys.readouterr().out


def test_what_a_unit_says_is_escaped_on_the_page(fleet: RunningFleet) -> None:
    fleet.store.ingest(
        "kiosk-1", batch(kiosk_beat(T0, office='<img src=x onerror="alert(1)">', version="<b>")), T0
    )
    page = login(fleet.url).get(f"{fleet.url}/fleet/").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<b>" not in page
