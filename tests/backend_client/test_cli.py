"""``onestop-lookup`` against the demo API: every bundled dossier, in every spelling."""

import subprocess
import sys
from pathlib import Path

import pytest

from backend_client.cli import main
from dossier import parse_code
from onestop.demo_api import DemoStatusServer


def spellings(code: str, key: str | None) -> list[list[str]]:
    forms = [
        [code],
        [code.lower()],
        [code.replace("-", " \u2013 ")],
        code.split("-") if not code.startswith("D-") else [code],
        [f"https://dichvucong.haugiang.gov.vn/tra-cuu?maHoSo={code}"],
        ["".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)],
    ]
    if key:
        forms.append([code, key.lower()])
    return forms


def test_every_bundled_dossier_in_every_spelling(
    demo_api: DemoStatusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for code, record in demo_api.records.items():
        dossier = record.dossier
        for argv in spellings(str(code), record.lookup_key):
            assert main([*argv, "--url", demo_api.url]) == 0, argv
            out = capsys.readouterr().out
            assert f"Mã hồ sơ:          {dossier.code}\n" in out
            assert f"Tình trạng:        {dossier.status.vi} ({dossier.status.number})" in out
            assert dossier.current_unit is None or dossier.current_unit in out
            shows_applicant = dossier.applicant is not None and dossier.applicant.name in out
            assert shows_applicant == (len(argv) == 2 and argv[1] == str(record.lookup_key).lower())


def test_english(demo_api: DemoStatusServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, record = next(iter(demo_api.records.items()))
    assert main([str(code), "--url", demo_api.url, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"Status:                {record.dossier.status.en}" in out
    assert "Appointment date:" in out


def test_json(demo_api: DemoStatusServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = next(iter(demo_api.records))
    assert main([str(code), "--url", demo_api.url, "--json"]) == 0
    assert f'"code": "{code}"' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["000.00.20.H30-240115-9999"], 1, "Không tìm thấy hồ sơ 000.00.20.H30-240115-9999"),
        (["000.00.20.H30-240230-0001"], 2, "Phần ngày 240230 không phải là ngày có thật."),
        (["000.00.20.H30-240230-0001", "--lang", "en"], 2, "Date part 240230 is not a real date"),
        (["000.00.20.H30-240115"], 2, "thiếu phần số thứ tự"),
        (["xin chao"], 2, "Không thấy mã hồ sơ"),
    ],
)
def test_exit_codes(
    demo_api: DemoStatusServer,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: int,
    message: str,
) -> None:
    assert main([*argv, "--url", demo_api.url]) == status
    assert message in capsys.readouterr().err


def test_backend_down_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["000.00.20.H30-240115-0001", "--url", "http://127.0.0.1:9"]) == 3
    assert "connection refused" in capsys.readouterr().err


def test_unauthorized_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    from onestop.demo_api import bundled_records

    with DemoStatusServer(bundled_records(), port=0, token="t").start() as server:
        assert main(["000.00.20.H30-240115-0001", "--url", server.url]) == 3
    assert "token" in capsys.readouterr().err


def test_bad_url_or_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["000.00.20.H30-240115-0001", "--url", "localhost:8080"]) == 2
    assert "[backend] url" in capsys.readouterr().err
    config = tmp_path / "onestop.conf"
    config.write_text("[backend]\nurll = http://x\n")
    assert main(["000.00.20.H30-240115-0001", "--config", str(config)]) == 2
    assert "did you mean 'url'" in capsys.readouterr().err


def test_installed_console_script(demo_api: DemoStatusServer) -> None:
    script = Path(sys.executable).with_name("onestop-lookup")
    code = next(iter(demo_api.records))
    found = subprocess.run(
        [script, str(code).lower(), "--url", demo_api.url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0 and str(parse_code(str(code))) in found.stdout
    missing = subprocess.run(
        [script, "H30.20-240101-0001", "--url", demo_api.url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
