"""Printing a slip on an ESC/POS thermal printer attached by USB, serial line or network.

Most receipt printers sold in Vietnam have no Vietnamese code page, so a slip is printed as
one raster image (``GS v 0``), drawn beforehand with a font that has every Vietnamese letter;
the printer only has to print dots and cut.
"""

from __future__ import annotations

import copy
import logging
import socket
from typing import Any

from PIL import Image

from onestop.config import PrinterSection

logger = logging.getLogger(__name__)


class PrinterError(Exception):
    """The printer cannot be reached or refused the slip; the message says why."""


class SlipPrinter:
    """One printer from ``[printer]``: opened for each slip, so that a printer switched off
    and on again, or unplugged for paper, is found again at the next slip."""

    def __init__(self, section: PrinterSection) -> None:
        self.section = section

    @property
    def width(self) -> int:
        """Dots across the paper: slips are drawn this wide."""
        return self.section.width

    def print_image(self, picture: Image.Image) -> None:
        """Print ``picture`` (one dot a pixel, black on white) and cut the paper."""
        printer = self._open()
        try:
            printer.image(picture.convert("1"), impl="bitImageRaster", fragment_height=960)
            printer.cut()
        except Exception as exc:  # python-escpos raises its own and the transports' errors
            raise PrinterError(f"the printer did not take the slip: {exc}") from exc
        finally:
            try:
                printer.close()
            except Exception:  # closing a device that already went away
                logger.debug("closing the printer failed", exc_info=True)

    def _open(self) -> Any:
        from escpos import printer

        section = self.section
        try:
            if section.connection == "usb":
                device = printer.Usb(int(section.usb_vendor, 0), int(section.usb_product, 0))
            elif section.connection == "serial":
                device = printer.Serial(section.serial_port, baudrate=section.baudrate)
            elif section.connection == "network":
                device = _network(section.host, section.port)
            else:
                raise PrinterError("no printer is configured ([printer] connection = none)")
            device.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterError(f"cannot reach the {section.connection} printer: {exc}") from exc
        # The generic profile knows no paper width, and python-escpos prints a line about it
        # on stdout at every image: give this printer's own.
        device.profile.profile_data = copy.deepcopy(device.profile.profile_data)
        device.profile.profile_data["media"]["width"]["pixels"] = section.width
        return device


def _network(host: str, port: int) -> Any:
    """python-escpos's network printer, with a connection that is closed when it fails.

    python-escpos 3.1's ``Network.open`` drops a socket that could not connect without
    closing it, so every slip asked of an unreachable printer leaked a socket (a test shows
    it); the connection is made here instead.
    """
    from escpos import printer
    from escpos.exceptions import DeviceNotFoundError

    class Network(printer.Network):  # type: ignore[misc]
        def open(self, raise_not_found: bool = True) -> None:
            try:
                self.device = socket.create_connection((self.host, self.port), self.timeout)
            except OSError as exc:
                raise DeviceNotFoundError(f"{self.host}:{self.port}: {exc}") from exc

    return Network(host, port=port, timeout=10)


def open_printer(section: PrinterSection) -> SlipPrinter | None:
    """The configured printer, or None when there is none."""
    return None if section.connection == "none" else SlipPrinter(section)
