"""Thermal receipt printers (ESC/POS through python-escpos) and a virtual one for tests.

Exceptions::

    Exception
    └── PrinterError    the printer cannot be reached or refused the slip (says why)
"""

from hardware.printer._escpos import PrinterError, SlipPrinter, open_printer
from hardware.printer._virtual import VirtualPrinter, decode_escpos

__all__ = ["PrinterError", "SlipPrinter", "VirtualPrinter", "decode_escpos", "open_printer"]
