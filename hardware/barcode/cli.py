"""``onestop-scan IMAGE...``: which dossier codes a camera picture holds.

For technicians checking a kiosk camera or a batch of receipts: one line per image, in the
order given, naming the file. A QR code that holds something other than a dossier code (a
web link, a payment code) is reported as such and never passed off as a code. The exit status
is 1 when any image had no dossier code, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dossier import CodeQuery
from hardware.barcode._decode import Decoder, Reading, Symbology
from hardware.camera import CameraError, load_picture

_KIND = {Symbology.QR: "QR code", Symbology.CODE128: "Code 128", Symbology.CODE39: "Code 39"}


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(readings: list[Reading]) -> tuple[str, bool]:
    """One line about what an image holds, and whether it held a dossier code."""
    codes: dict[str, list[str]] = {}
    others: list[str] = []
    for reading in readings:
        kind = _KIND[reading.symbology]
        meaning = reading.interpret()
        if isinstance(meaning, CodeQuery):
            label = str(meaning.code)
            if meaning.lookup_key:
                label += f" (lookup key {meaning.lookup_key})"
            codes.setdefault(label, []).append(kind)
        else:
            others.append(f"{kind} holding {_shorten(reading.text)!r}, not a dossier code")
    parts = [f"{label} [{', '.join(kinds)}]" for label, kinds in codes.items()] + others
    if not parts:
        return "no barcode found", False
    return "; ".join(parts), bool(codes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-scan",
        description="Print the dossier code(s) found in each image file, one line per image.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", type=Path)
    args = parser.parse_args(argv)
    decoder = Decoder()
    all_found = True
    for path in args.images:
        try:
            pixels = load_picture(path)
        except CameraError as exc:
            print(f"{path}: {exc}")
            all_found = False
            continue
        line, found = describe(decoder.decode(pixels))
        all_found &= found
        print(f"{path}: {line}")
    sys.stdout.flush()
    return 0 if all_found else 1


if __name__ == "__main__":
    sys.exit(main())
