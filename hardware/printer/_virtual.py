"""A virtual ESC/POS printer on 127.0.0.1, for tests: it reads the byte stream a printer
gets and draws the paper it would print, so a test can look at the slip (and decode its QR).

It understands what slips use: initialise (``ESC @``), justification (``ESC a``), feed
(``LF``, ``ESC d``), raster images (``GS v 0``) and the cut (``GS V``); text bytes are
printed as nothing, and any other command is an error naming it, so a slip that relies on
something a real printer might not do is caught.
"""

from __future__ import annotations

import queue
import socket
import threading

from PIL import Image

LINE_DOTS = 30
"""Paper fed by a line feed, in dots."""


def decode_escpos(data: bytes, width: int = 384) -> Image.Image:
    """The paper an ESC/POS byte stream prints (white, black dots), ``width`` dots wide."""
    pieces: list[Image.Image] = []
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B and data[index + 1 : index + 2] == b"@":
            index += 2
        elif byte == 0x1B and data[index + 1 : index + 2] == b"a":
            index += 3
        elif byte == 0x1B and data[index + 1 : index + 2] == b"d":
            pieces.append(Image.new("1", (width, LINE_DOTS * data[index + 2]), 1))
            index += 3
        elif byte == 0x0A:
            pieces.append(Image.new("1", (width, LINE_DOTS), 1))
            index += 1
        elif byte == 0x1D and data[index + 1 : index + 3] == b"v0":
            x_bytes = data[index + 4] | data[index + 5] << 8
            rows = data[index + 6] | data[index + 7] << 8
            start = index + 8
            raster = data[start : start + x_bytes * rows]
            if len(raster) < x_bytes * rows:
                raise ValueError("a raster image ends before its last row")
            inverted = bytes(255 - value for value in raster)  # ESC/POS: a set bit is black
            pieces.append(Image.frombytes("1", (x_bytes * 8, rows), inverted))
            index = start + x_bytes * rows
        elif byte == 0x1D and data[index + 1 : index + 2] == b"V":
            index += 3 if data[index + 2] in (0, 1, 48, 49) else 4
        elif byte in (0x1B, 0x1D):
            raise ValueError(f"unknown ESC/POS command {data[index : index + 3].hex(' ')}")
        else:
            index += 1  # text: printed with the printer's own code page, never used for slips
    height = sum(piece.height for piece in pieces) or 1
    paper = Image.new("1", (width, height), 1)
    top = 0
    for piece in pieces:
        paper.paste(piece, (0, top))
        top += piece.height
    return paper


class VirtualPrinter:
    """A network ESC/POS printer on 127.0.0.1 (port 0: a free one); each connection is one
    print job, decoded to a picture of the paper and put in :attr:`pages`."""

    def __init__(self, width: int = 384) -> None:
        self.width = width
        self.pages: queue.Queue[Image.Image | Exception] = queue.Queue()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, name="virtual-printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self._server.accept()
            except OSError:
                return  # closed
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            try:
                self.pages.put(decode_escpos(b"".join(chunks), self.width))
            except (ValueError, IndexError) as exc:
                self.pages.put(exc)

    def close(self) -> None:
        self._server.close()
