import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from onestop.config import (
    DEFAULT_PATH,
    BackendSection,
    Config,
    ConfigError,
    dump_config,
    load_config,
    parse_config,
)
from onestop.config.cli import main as config_main

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "onestop.conf"
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_defaults_when_the_default_file_is_absent() -> None:
    if DEFAULT_PATH.exists():
        pytest.skip(f"{DEFAULT_PATH} exists on this machine")
    assert load_config(environ={}) == Config()


def test_reads_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[backend]\nurl = https://api.example.vn/ \nread_timeout = 2.5  # seconds\nretries=0\n"
        "token_file = /etc/onestop/token\n",
    )
    config = load_config(path)
    assert config.path == path
    assert config.backend.url == "https://api.example.vn"
    assert config.backend.read_timeout == 2.5
    assert config.backend.retries == 0
    assert config.backend.token_file == Path("/etc/onestop/token")
    assert config.backend.connect_timeout == BackendSection().connect_timeout


def test_environment_variable_and_explicit_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[backend]\nurl = http://10.0.0.5:8080\n")
    assert load_config(environ={"ONESTOP_CONFIG": str(path)}).backend.url == "http://10.0.0.5:8080"
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.conf", environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"ONESTOP_CONFIG": str(tmp_path / "absent.conf")})
    if not DEFAULT_PATH.exists():  # named on purpose, the default file must exist too
        with pytest.raises(ConfigError, match="does not exist"):
            load_config(environ={"ONESTOP_CONFIG": str(DEFAULT_PATH)})


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    found = problems(
        "[backend]\nurl = ftp://x\nread_timout = 3\nretries = many\n"
        "connect_timeout = 0\ntoken = s3cret\n\n[bakend]\nurl = x\n",
        tmp_path,
    )
    assert found == [
        "[backend] url: expected a URL starting with http:// or https://, got 'ftp://x'",
        "[backend] read_timout: unknown key; did you mean 'read_timeout'?",
        "[backend] retries: expected a whole number from 0 to 10, got 'many'",
        "[backend] connect_timeout: expected a number of seconds from 0.1 to 60, got '0'",
        "[bakend]: unknown section; did you mean 'backend'?",
    ]


def test_secret_values_are_never_echoed(tmp_path: Path) -> None:
    assert problems("[backend]\ntoken = \n[backend ]\n", tmp_path)
    config = parse_config({"backend": {"token": "s3cret"}})
    assert "s3cret" not in dump_config(config)
    assert "token = ********" in dump_config(config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("url = http://x\n", "line 1: a key before any [section] header"),
        ("[backend]\nurl = http://a\nurl = http://b\n", "line 3: [backend] url is set twice"),
        ("[backend]\n[backend]\n", "line 2: section [backend] appears twice"),
        ("[backend]\nthis is not a setting\n", "line 2: not a 'key = value' line"),
    ],
)
def test_broken_syntax_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    assert any(message in problem for problem in problems(content, tmp_path))


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_bytes(b"[backend]\nurl = \xff\xfe\x00\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path)


def test_shipped_example_is_the_documented_defaults() -> None:
    example = (REPO / "etc" / "onestop.conf.example").read_text(encoding="utf-8")
    assert example == dump_config(Config(), documented=True)
    assert load_config(REPO / "etc" / "onestop.conf.example") == Config(
        path=REPO / "etc" / "onestop.conf.example"
    )


def test_example_documents_every_key() -> None:
    example = dump_config(Config(), documented=True)
    for field in BackendSection.__dataclass_fields__:
        assert f"\n#{field} =" in example


def test_cli_check_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "[backend]\ntoken = s3cret\n")
    assert config_main(["check", "--config", str(good)]) == 0
    assert "is valid" in capsys.readouterr().out
    assert config_main(["show", "--config", str(good)]) == 0
    shown = capsys.readouterr().out
    assert "s3cret" not in shown and "token = ********" in shown
    bad = write(tmp_path, "[backend]\nretries = -1\n")
    assert config_main(["check", "--config", str(bad)]) == 2
    assert "[backend] retries" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("onestop-config")
    result = subprocess.run([script, "example"], capture_output=True, text=True, check=True)
    assert result.stdout == dump_config(Config(), documented=True)


def test_renamed_and_retired_keys_still_start_the_unit() -> None:
    from typing import ClassVar

    from onestop.config._config import _build_section
    from onestop.config._types import Renamed, Retired, integer, option, option_map, text

    @dataclasses.dataclass(frozen=True)
    class Section:
        OLD_KEYS: ClassVar[dict[str, Renamed | Retired]] = {
            "parts": Renamed("max_parts"),
            "colour": Retired("the screens follow the status colours now"),
        }
        max_parts: int = option(3, integer(1, 10), "Parts.")
        custom: dict[str, str] = option_map(text(), "A family.")

    problems: list[str] = []
    warnings: list[str] = []
    values = {"parts": "5", "colour": "red", "custom.permits": "X", "custom": "Y"}
    built = _build_section("sms", Section, values, problems, warnings)
    assert built.max_parts == 5 and built.custom == {"permits": "X"}
    assert problems == ["[sms] custom: needs a name, as in custom.NAME = ..."]
    assert warnings == [
        "[sms] parts is now called max_parts; please rename it",
        "[sms] colour is no longer used and is ignored: the screens follow the status colours now",
    ]
    # A bad value under the old name is named as the file spells it, or nobody finds it.
    problems.clear()
    _build_section("sms", Section, {"parts": "many"}, problems, [])
    assert problems == [
        "[sms] parts (now max_parts): expected a whole number from 1 to 10, got 'many'"
    ]


def test_named_sections_are_read_checked_and_shown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[upstream.haugiang]\ntype = opencps\nurl = https://dvc.example.vn\ngroup_id = 35417\n"
        "agencies = H30 H51\npassword = s3cret\n\n[upstream.cantho]\ntype = demo\n",
    )
    config = load_config(path)
    assert list(config.upstream) == ["haugiang", "cantho"]
    assert config.upstream["haugiang"].agencies == ("H30", "H51")
    assert config.upstream["cantho"].agencies == ("*",)
    shown = dump_config(config)
    assert "[upstream.haugiang]" in shown and "s3cret" not in shown
    reread = load_config(write(tmp_path, shown)).upstream
    assert reread["haugiang"].password == "********"  # shown masked, as every secret
    assert dataclasses.replace(reread["haugiang"], password="s3cret") == config.upstream["haugiang"]
    found = problems("[upstream.x]\ntype = igate\nurl = https://a.vn\n[upstream.]\n", tmp_path)
    assert found == [
        "[upstream.x] token_url, client_id, client_secret: an igate upstream needs all three",
        "[upstream.]: the section needs a name after 'upstream.'",
    ]
    assert problems("[upstream.y]\nurl = https://a.vn\n", tmp_path) == [
        "[upstream.y] type: missing; expected one of opencps, igate, lgsp, status-api, demo"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[smsd]\ntransport = smpp\n",
            [
                "[smpp] host: needed by [smsd] transport = smpp",
                "[smpp] system_id: needed by [smsd] transport = smpp",
                "[smpp] source_addr: needed by [smsd] transport = smpp",
            ],
        ),
        (
            "[smsd]\ntransport = smpp\n[smpp]\nhost = smsc.example.vn\n",
            ["[smpp] system_id, source_addr: an SMSC link needs both"],
        ),
        (
            "[smsd]\ntransport = modem-pool\n",
            ["[smsd] transport = modem-pool needs [modem.NAME] sections, one per modem"],
        ),
        (
            "[smsd]\ntransport = kannel\n",
            ["[kannel] password: needed by [smsd] transport = kannel (its sendsms-user's)"],
        ),
        (
            "[smsd]\ntransport = sms\n",
            ["[smsd] transport: expected one of modem, modem-pool, kannel, smpp, got 'sms'"],
        ),
    ],
)
def test_a_transport_names_what_it_lacks(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert problems(text, tmp_path) == expected


def test_a_pool_of_modems_is_read_from_its_sections(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "[smsd]\ntransport = modem-pool\n[modem.sim1]\nport = /dev/gsm-modems/usb-1-1.2\n"
            "number = 0912000001\nhourly_cap = 40\n[modem.sim2]\nport = /dev/ttyUSB6\n",
        )
    )
    assert config.check() == []
    assert {name: (m.port, m.hourly_cap, m.daily_cap) for name, m in config.modems.items()} == {
        "sim1": ("/dev/gsm-modems/usb-1-1.2", 40, 600),
        "sim2": ("/dev/ttyUSB6", 60, 600),
    }
