"""Realistic receipt images and camera-like photos of them, for tests, benchmarks and the demo.

:func:`render_receipt` draws the receipt a one-stop office prints (header, code in words, a QR
code and a Code 128 or Code 39 barcode); :func:`photograph` turns it into the frame a lobby
camera would see, with the rotation, perspective, blur, noise, low contrast, glare and distance
described by :class:`Conditions`.
"""

from hardware.receipts._photo import Conditions, Target, photograph
from hardware.receipts._receipt import Barcode, Box, Receipt, ReceiptFields, render_receipt

__all__ = [
    "Barcode",
    "Box",
    "Conditions",
    "Receipt",
    "ReceiptFields",
    "Target",
    "photograph",
    "render_receipt",
]
