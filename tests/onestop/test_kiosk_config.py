"""The kiosk's configuration sections: defaults, validation, the example file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier import Language
from onestop.config import Config, ConfigError, dump_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    config = Config()
    assert (config.kiosk.result_timeout, config.kiosk.idle_timeout) == (60.0, 90.0)
    assert config.kiosk.lockdown is True
    assert config.camera.source == "auto"
    assert config.scanner.serial_port == ""


def test_values_are_typed() -> None:
    config = parse_config(
        {
            "kiosk": {"language": "EN", "result_timeout": "30", "show_applicant": "yes"},
            "camera": {"source": "opencv", "device": "/dev/video2", "width": "640"},
            "scanner": {"serial_port": "/dev/ttyACM0", "wedge_max_gap": "0.05"},
        }
    )
    assert (config.kiosk.language, config.kiosk.result_timeout) == (Language.EN, 30.0)
    assert config.kiosk.language is Language.EN
    assert config.kiosk.show_applicant is True
    assert (config.camera.source, config.camera.width) == ("opencv", 640)
    assert config.scanner.wedge_max_gap == 0.05


def test_mistakes_are_named() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "kiosk": {"result_timout": "30", "diagnostics_pin_hash": "x", "lockdown": "maybe"},
                "camera": {"source": "webcam"},
                "scaner": {},
            }
        )
    problems = caught.value.problems
    assert "[kiosk] result_timout: unknown key; did you mean 'result_timeout'?" in problems
    assert "[kiosk] lockdown: expected yes or no, got 'maybe'" in problems
    assert any(p.startswith("[camera] source: expected one of auto, picamera2") for p in problems)
    assert "[scaner]: unknown section; did you mean 'scanner'?" in problems


def test_the_pin_hash_is_never_printed() -> None:
    config = parse_config({"kiosk": {"diagnostics_pin_hash": "pbkdf2_sha256$1$s$abc"}})
    assert "abc" not in dump_config(config)


def test_the_example_file_is_up_to_date() -> None:
    example = (ROOT / "etc" / "onestop.conf.example").read_text(encoding="utf-8")
    assert example == dump_config(Config(), documented=True)
    assert "[kiosk]" in example
    assert "[scanner]" in example
