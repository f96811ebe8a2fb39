"""Barcode scanners: keyboard-wedge bursts (:class:`WedgeReader`) and serial scanners
(:class:`SerialScanner`, with :class:`LineSplitter` for its byte stream)."""

from hardware.scanner._serial import LineSplitter, SerialScanner
from hardware.scanner._wedge import Typed, WedgeReader

__all__ = ["LineSplitter", "SerialScanner", "Typed", "WedgeReader"]
