"""The modem rules, run by udev's own rule engine on the sysfs layout of each modem: the right
port becomes /dev/gsm-modem, ModemManager is told to keep away, the SMS daemon is started,
and nothing else is touched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from provision import assets_dir
from tests.systemd.fake_sysfs import (
    UsbModem,
    add_uart,
    add_usb,
    private_mounts_work,
    udev_test,
)

pytestmark = pytest.mark.skipif(
    not private_mounts_work(), reason="needs a private mount namespace (run as root)"
)

RULES = "70-onestop-gsm-modem.rules"
LOCAL = "69-onestop-gsm-modem-local.rules"

MODEMS = {
    # name: (modem, the interface that must become /dev/gsm-modem)
    "huawei-e173": (UsbModem("12d1", "1436", ("00", "03", "04"), "HUAWEI Technology"), "00"),
    "huawei-e173-old-firmware": (UsbModem("12d1", "140c", ("00", "01", "02", "03")), "00"),
    "huawei-e3372-stick-mode": (UsbModem("12d1", "1506", ("00", "02")), "00"),
    "quectel-ec25": (UsbModem("2c7c", "0125", ("00", "01", "02", "03"), "Quectel"), "02"),
    "simcom-sim7600": (
        UsbModem("1e0e", "9001", ("00", "01", "02", "03", "05"), "SimTech, Incorporated"),
        "02",
    ),
}


def rules_dir(tmp_path: Path, *, local_lines: tuple[str, ...] = ()) -> Path:
    """The shipped rules, and the local template with ``local_lines`` uncommented."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(assets_dir() / "udev" / RULES, rules / RULES)
    template = (assets_dir() / "udev" / LOCAL).read_text()
    for line in local_lines:
        assert f"#{line}\n" in template
        template = template.replace(f"#{line}\n", f"{line}\n")
    (rules / LOCAL).write_text(template)
    return rules


def template_line(pattern: str) -> str:
    """An example line of the local template, without its comment sign."""
    lines = (assets_dir() / "udev" / LOCAL).read_text().splitlines()
    return next(line[1:] for line in lines if line.startswith("#SUBSYSTEM") and pattern in line)


def complaints(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if "onestop-gsm-modem" in line
        and re.search(r"invalid|ignoring|unknown|fail|error", line, re.IGNORECASE)
    ]


@pytest.mark.parametrize("name", list(MODEMS))
def test_known_modem_gets_the_stable_name(tmp_path: Path, name: str) -> None:
    modem, at_port = MODEMS[name]
    ports = add_usb(tmp_path / "sys", modem, "1-1.3", first_tty=0)
    rules = rules_dir(tmp_path)
    for interface, syspath in ports.items():
        result = udev_test(tmp_path / "sys", rules, syspath)
        assert complaints(result.log) == []
        assert result.properties["ID_MM_DEVICE_IGNORE"] == "1", interface
        if interface == at_port:
            assert "/dev/gsm-modem" in result.links
            assert result.properties["SYSTEMD_WANTS"] == "onestop-smsd.service"
            assert "systemd" in result.properties["TAGS"]
        else:
            assert "/dev/gsm-modem" not in result.links, interface


def test_each_modem_of_a_pool_is_named_by_its_usb_socket(tmp_path: Path) -> None:
    """Two SIM7600 boards and an EC25: each AT port gets its own /dev/gsm-modems/<path>
    link, from the USB socket it is plugged into, so a pool's [modem.NAME] port stays the
    same modem across reboots."""
    sim7600 = MODEMS["simcom-sim7600"][0]
    plugged = [
        add_usb(tmp_path / "sys", sim7600, "1-1.2", first_tty=0)["02"],
        add_usb(tmp_path / "sys", sim7600, "1-1.3", first_tty=5)["02"],
        add_usb(tmp_path / "sys", MODEMS["quectel-ec25"][0], "1-1.4", first_tty=10)["02"],
    ]
    rules = rules_dir(tmp_path)
    names = []
    for syspath in plugged:
        result = udev_test(tmp_path / "sys", rules, syspath)
        assert complaints(result.log) == []
        pool = [link for link in result.links if link.startswith("/dev/gsm-modems/")]
        assert len(pool) == 1, result.links
        names.append(pool[0])
    assert names == [
        "/dev/gsm-modems/usb-1-1.2",
        "/dev/gsm-modems/usb-1-1.3",
        "/dev/gsm-modems/usb-1-1.4",
    ]


def test_usb_device_of_a_known_modem_is_hidden_from_modemmanager(tmp_path: Path) -> None:
    add_usb(tmp_path / "sys", MODEMS["huawei-e3372-stick-mode"][0], "1-1.3", first_tty=0)
    result = udev_test(
        tmp_path / "sys", rules_dir(tmp_path), f"/sys/{'devices/platform/soc/usb1'}/1-1.3"
    )
    assert result.properties["ID_MM_DEVICE_IGNORE"] == "1"


def test_unknown_serial_adapter_is_left_alone(tmp_path: Path) -> None:
    """A USB-serial chip is in barcode scanners too: without a local rule it is not the modem."""
    adapter = UsbModem("10c4", "ea60", ("00",), "Silicon Labs", "CP2102", serial="0001")
    ports = add_usb(tmp_path / "sys", adapter, "1-1.2", first_tty=0)
    result = udev_test(tmp_path / "sys", rules_dir(tmp_path), ports["00"])
    assert "/dev/gsm-modem" not in result.links
    assert "ID_MM_DEVICE_IGNORE" not in result.properties
    assert "SYSTEMD_WANTS" not in result.properties


def test_local_rule_for_an_adapter_with_a_serial_number(tmp_path: Path) -> None:
    """The template's FTDI line, uncommented as the README says: that adapter becomes the
    modem, and the shipped rules hide it from ModemManager and start the daemon; another
    adapter of the same make, with another serial number, does not."""
    line = template_line('"0403"')
    serial = re.search(r'ID_SERIAL_SHORT}=="([^"]+)"', line)
    assert serial
    sim800 = UsbModem("0403", "6001", ("00",), "FTDI", "FT232R", serial=serial.group(1))
    other = UsbModem("0403", "6001", ("00",), "FTDI", "FT232R", serial="B99999")
    ours = add_usb(tmp_path / "sys", sim800, "1-1.2", first_tty=0)["00"]
    theirs = add_usb(tmp_path / "sys", other, "1-1.4", first_tty=1)["00"]
    rules = rules_dir(tmp_path, local_lines=(line,))
    result = udev_test(tmp_path / "sys", rules, ours)
    assert complaints(result.log) == []
    assert "/dev/gsm-modem" in result.links
    assert result.properties["ID_MM_DEVICE_IGNORE"] == "1"
    assert result.properties["SYSTEMD_WANTS"] == "onestop-smsd.service"
    assert "/dev/gsm-modem" not in udev_test(tmp_path / "sys", rules, theirs).links


def test_local_rule_for_the_raspberry_pi_uart(tmp_path: Path) -> None:
    line = template_line("ttyAMA0")
    syspath = add_uart(tmp_path / "sys")
    result = udev_test(tmp_path / "sys", rules_dir(tmp_path, local_lines=(line,)), syspath)
    assert complaints(result.log) == []
    assert "/dev/gsm-modem" in result.links
    assert result.properties["ID_MM_DEVICE_IGNORE"] == "1"
    assert result.properties["SYSTEMD_WANTS"] == "onestop-smsd.service"


def test_complaints_about_a_broken_rule_are_caught(tmp_path: Path) -> None:
    """The check above sees udev's complaints: a misspelt key in the rules is reported."""
    syspath = add_uart(tmp_path / "sys")
    rules = rules_dir(tmp_path)
    broken = (rules / RULES).read_text().replace('SYMLINK=="gsm-modem"', 'SYMLNK=="gsm-modem"')
    (rules / RULES).write_text(broken)
    assert complaints(udev_test(tmp_path / "sys", rules, syspath).log)
