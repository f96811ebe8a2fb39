"""``onestop-lookup`` against the demo API: every bundled dossier, in every spelling."""

import dataclasses
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from backend_client.cli import main
from dossier import dossier_to_json, parse_code
from onestop.demo_api import DemoStatusServer, bundled_records
from tests.backend_client.fault_server import Reply, fault_server


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


@pytest.mark.parametrize("body", [b"[" * 200_000, b'{"code": "\\ud800"}', b"9" * 5000])
def test_a_hostile_answer_exits_3_not_1(body: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    with fault_server() as server:
        server.script = [Reply(body=body)]
        assert main(["000.00.20.H30-240115-0001", "--url", server.url]) == 3
    assert "Không hỏi được máy chủ tra cứu: the answer" in capsys.readouterr().err


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_applicant_sent_without_a_key_is_not_printed(
    output: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    record = bundled_records()[0].dossier
    assert record.applicant is not None
    with fault_server() as server:
        server.script = [Reply.json(dossier_to_json(record))]
        assert main([record.code, "--url", server.url, *output]) == 0
    out = capsys.readouterr().out
    assert record.code in out
    assert record.applicant.name not in out and record.applicant.id_number not in out


HOSTILE_TEXT = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;owned\x07",  # retitle the terminal window
    "\x9b2J",  # the same as a C1 control
    "\u202eecnerefer\u202c",  # right-to-left override
    "a\nTình trạng: Đã trả kết quả",  # a forged line
    "\x7f\u2028\ufeff\u200b",  # DEL, line separator, BOM, zero-width space
]


def unsafe(text: str) -> list[str]:
    """What a terminal would act on rather than show (line breaks aside)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def test_server_text_is_printed_safely(capsys: pytest.CaptureFixture[str]) -> None:
    record = bundled_records()[0].dossier
    procedure = "".join(HOSTILE_TEXT)
    decomposed = unicodedata.normalize("NFD", "Sở Tư pháp tỉnh Hậu Giang")
    hostile = dataclasses.replace(record, procedure=procedure, agency=decomposed + "\u00a0")
    with fault_server() as server:
        server.script = [Reply.json(dossier_to_json(hostile.without_applicant()))]
        assert main([record.code, "--url", server.url]) == 0
        out = capsys.readouterr().out
        server.script = [Reply.json(dossier_to_json(hostile.without_applicant()))]
        assert main([record.code, "--url", server.url, "--json"]) == 0
        printed = capsys.readouterr().out
    assert unsafe(out) == [] and unsafe(printed) == []
    assert "\\x1b[2J\\x1b[H\\x1b]0;owned\\x07\\x9b2J\\u202eecnerefer\\u202c" in out
    assert "a\\nTình trạng" in out and "\\x7f\\u2028\\ufeff\\u200b" in out
    assert f"Cơ quan:           {decomposed}\u00a0\n" in out  # Vietnamese as sent, even NFD
    assert json.loads(printed)["procedure"] == procedure  # still the same JSON document
    assert len(out.splitlines()) == 8


@pytest.mark.parametrize(
    "text", [*HOSTILE_TEXT, "Đang xử lý\rĐã trả kết quả", "a\x1cb\x85c\u2029d\x0be\x0cf\tg"]
)
def test_each_hostile_text_alone_is_printed_safely(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Line breaks, carriage returns and other whitespace controls, with nothing else unsafe
    # beside them, rewrite what the technician reads as surely as an escape sequence.
    record = dataclasses.replace(bundled_records()[0].dossier, current_unit=text)
    with fault_server() as server:
        server.script = [Reply.json(dossier_to_json(record.without_applicant()))]
        assert main([record.code, "--url", server.url]) == 0
    out = capsys.readouterr().out
    assert unsafe(out) == [] and "\r" not in out
    assert len(out.splitlines()) == 8


@pytest.mark.parametrize(
    ("status", "code", "exit_status", "lang"),
    [(500, "down", 3, "vi"), (410, "retired", 1, "vi"), (410, "retired", 1, "en")],
)
def test_server_error_text_is_printed_safely(
    status: int, code: str, exit_status: int, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "b\x1b[31mảo trì\x1b[0m"
    error = {"error": {"code": code, "message": text, "message_vi": text}}
    with fault_server() as server:
        server.script = [Reply.json(error, status)]
        argv = ["000.00.20.H30-240115-0001", "--url", server.url, "--lang", lang]
        assert main(argv) == exit_status
    err = capsys.readouterr().err
    assert "\x1b" not in err and "b\\x1b[31mảo trì\\x1b[0m" in err
