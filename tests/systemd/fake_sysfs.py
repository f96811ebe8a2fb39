"""A small sysfs tree with the kernel's layout for USB modems and a UART, for running udev's
real rule engine (``udevadm test``) on the shipped rules without the hardware.

udev reads a device's attributes and parents from sysfs; here they are plain files and
``subsystem`` links under a directory that a private mount namespace shows as ``/sys``
(with ``SYSTEMD_DEVICE_VERIFY_SYSFS=0``, the switch systemd's own tests use for this).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

USB_ROOT = "devices/platform/soc/usb1"


@dataclass(frozen=True)
class UsbModem:
    """A USB device with serial interfaces, each becoming a ttyUSBn."""

    vendor: str
    product: str
    interfaces: tuple[str, ...]
    manufacturer: str = "Modem Maker"
    name: str = "Mobile"
    serial: str | None = None


def _write(directory: Path, files: dict[str, str], subsystem: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (directory / name).write_text(value + "\n")
    (directory / "subsystem").symlink_to(f"/sys/{subsystem}")


def add_usb(sysfs: Path, modem: UsbModem, port: str, first_tty: int) -> dict[str, str]:
    """The modem on USB port ``port`` (such as ``1-1.3``); interface number to tty syspath."""
    for subsystem in ("bus/usb", "bus/usb-serial", "class/tty"):
        (sysfs / subsystem).mkdir(parents=True, exist_ok=True)
    device = sysfs / USB_ROOT / port
    attributes = {
        "uevent": f"DEVTYPE=usb_device\nDRIVER=usb\nPRODUCT={modem.vendor}/{modem.product}/0",
        "idVendor": modem.vendor,
        "idProduct": modem.product,
        "manufacturer": modem.manufacturer,
        "product": modem.name,
        "bcdDevice": "0000",
        "bNumInterfaces": f"{len(modem.interfaces):2d}",
    }
    if modem.serial:
        attributes["serial"] = modem.serial
    _write(device, attributes, "bus/usb")
    ttys = {}
    for offset, number in enumerate(modem.interfaces):
        interface = device / f"{port}:1.{int(number)}"
        _write(
            interface,
            {
                "uevent": "DEVTYPE=usb_interface\nDRIVER=option",
                "bInterfaceNumber": number,
                "bInterfaceClass": "ff",
                "bInterfaceSubClass": "ff",
                "bInterfaceProtocol": "ff",
            },
            "bus/usb",
        )
        name = f"ttyUSB{first_tty + offset}"
        serial_port = interface / name
        _write(serial_port, {"uevent": "DRIVER=option1", "port_number": "0"}, "bus/usb-serial")
        tty = serial_port / "tty" / name
        minor = first_tty + offset
        _write(
            tty,
            {"uevent": f"MAJOR=188\nMINOR={minor}\nDEVNAME={name}", "dev": f"188:{minor}"},
            "class/tty",
        )
        ttys[number] = "/sys/" + str(tty.relative_to(sysfs))
    return ttys


def add_uart(sysfs: Path, name: str = "ttyAMA0") -> str:
    """The Raspberry Pi's own UART; its tty syspath."""
    (sysfs / "class/tty").mkdir(parents=True, exist_ok=True)
    (sysfs / "bus/amba").mkdir(parents=True, exist_ok=True)
    uart = sysfs / "devices/platform/soc/fe201000.serial"
    _write(uart, {"uevent": "DRIVER=uart-pl011"}, "bus/amba")
    tty = uart / "tty" / name
    _write(tty, {"uevent": f"MAJOR=204\nMINOR=64\nDEVNAME={name}", "dev": "204:64"}, "class/tty")
    return "/sys/" + str(tty.relative_to(sysfs))


_SCRIPT = """
mount -t tmpfs none /run && mount -t tmpfs none /dev &&
mount --bind "$1" /sys && mount --bind "$2" /etc/udev/rules.d &&
SYSTEMD_DEVICE_VERIFY_SYSFS=0 exec udevadm test --action=add "$3"
"""


def private_mounts_work() -> bool:
    done = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    return done.returncode == 0


@dataclass(frozen=True)
class UdevResult:
    properties: dict[str, str]
    log: str

    @property
    def links(self) -> list[str]:
        return self.properties.get("DEVLINKS", "").split()


def udev_test(sysfs: Path, rules: Path, syspath: str) -> UdevResult:
    """What udev makes of the device: its properties, and udevadm's log. In a private mount
    namespace with its own /dev, /run and /sys, so the machine's own are never touched."""
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", _SCRIPT, "sh", str(sysfs), str(rules), syspath],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    properties = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.replace("_", "").replace(".", "").isupper() and " " not in key:
            properties[key] = value
    return UdevResult(properties, done.stdout + done.stderr)
