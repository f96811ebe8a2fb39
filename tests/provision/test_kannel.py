"""``onestop-provision kannel``: Kannel's configuration from the unit's, written once."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.cli import main


def test_kannel_configuration_from_the_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "etc/onestop").mkdir(parents=True)
    (tmp_path / "etc/onestop/onestop.conf").write_text(
        "[smsd]\ntransport = kannel\n[kannel]\npassword = pw\nadmin_password = ad\n"
        "[smpp]\nhost = smsc.example.vn\nsystem_id = onestop\nsource_addr = 8077\n"
        "[modem.sim1]\nport = /dev/gsm-modems/usb-1-1.2\n"
    )
    assert main(["kannel", "--root", str(tmp_path)]) == 0
    written = (tmp_path / "etc/kannel/kannel.conf").read_text()
    assert 'smsc-id = "telco"' in written
    assert 'allowed-smsc-id = "sim1"' in written
    assert 'device = "/dev/gsm-modems/usb-1-1.2"' in written
    assert 'reply-couldnotfetch = ""' in written
    assert 'max-messages = "0"' in written
    assert 'get-url = "http://127.0.0.1:13080/kannel/mo?id=%I' in written
    assert (tmp_path / "etc/kannel/kannel.conf").stat().st_mode & 0o777 == 0o640
    (tmp_path / "etc/kannel/kannel.conf").write_text("# edited on site\n")
    assert main(["kannel", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "etc/kannel/kannel.conf").read_text() == "# edited on site\n"
    assert "kept /etc/kannel/kannel.conf" in capsys.readouterr().out


def test_a_broken_unit_configuration_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "etc/onestop").mkdir(parents=True)
    (tmp_path / "etc/onestop/onestop.conf").write_text("[kannel]\nlisten = nowhere\n")
    assert main(["kannel", "--root", str(tmp_path)]) == 1
    assert "[kannel] listen" in capsys.readouterr().err
