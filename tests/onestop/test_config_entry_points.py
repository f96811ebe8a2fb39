"""Every program started with a corrupt configuration says which key is wrong, in one line per
problem, and exits non-zero, before it opens a window, a port or a modem: no traceback.

The keys here were once accepted and failed later, when the value was first used: the kiosk's
read-aloud command with an unclosed quote crashed the kiosk after its window opened; a printer's
USB id that is not hex, a fleet URL or an upstream's URL without a scheme failed at every slip,
heartbeat or lookup instead of at start.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from onestop.config import ConfigError, load_config, parse_config

BIN = Path(sys.executable).parent

CORRUPT = {
    "speech_player": (
        '[kiosk]\nspeech_player = aplay "prompt\n',
        "[kiosk] speech_player: expected a command line",
    ),
    "usb_vendor": (
        "[printer]\nconnection = usb\nusb_vendor = Xprinter\nusb_product = 0x5011\n",
        "[printer] usb_vendor: expected a USB id",
    ),
    "fleet_url": (
        "[fleet]\nenabled = yes\nurl = gateway.local/fleet\n",
        "[fleet] url: expected a URL",
    ),
    "upstream_url": (
        "[upstream.opencps]\ntype = opencps\ngroup_id = 1\nurl = dichvucong.local\n",
        "[upstream.opencps] url: expected a URL",
    ),
    "upstream_token_url": (
        "[upstream.igate]\ntype = igate\nurl = https://igate.local\ntoken_url = sso/token\n"
        "client_id = a\nclient_secret = b\n",
        "[upstream.igate] token_url: expected a URL",
    ),
}

PROGRAMS: dict[str, list[str]] = {
    "onestop-kiosk": [],
    "onestop-smsd": [],
    "onestop-gateway": [],
    "onestop-lookup": ["H13.99-260101-0001"],
    "onestop-fleet": ["migrate"],
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_a_value_that_would_fail_later_is_refused_at_load(case: str, tmp_path: Path) -> None:
    text, said = CORRUPT[case]
    config = tmp_path / "onestop.conf"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert any(problem.startswith(said) for problem in caught.value.problems), caught.value


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_each_program_names_the_bad_key_and_exits_non_zero(program: str, tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    text = "".join(text for text, _ in CORRUPT.values())
    config.write_text(text, encoding="utf-8")
    command = [str(BIN / program), *PROGRAMS[program], "--config", str(config)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    for _, said in CORRUPT.values():
        assert said in done.stderr, (program, done.stderr)


def test_usb_ids_read_as_lsusb_shows_them() -> None:
    printer = parse_config(
        {"printer": {"connection": "usb", "usb_vendor": "0416", "usb_product": "0X5011"}}
    ).printer
    assert (printer.usb_vendor, printer.usb_product) == ("0x0416", "0x5011")
