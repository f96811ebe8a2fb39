"""The slip printer over the network against the virtual printer, which draws the paper."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hardware.barcode import Decoder
from hardware.printer import PrinterError, SlipPrinter, VirtualPrinter, decode_escpos, open_printer
from onestop.config import PrinterSection


def test_a_picture_goes_through_esc_pos_and_back() -> None:
    virtual = VirtualPrinter(width=384)
    try:
        printer = SlipPrinter(
            PrinterSection(connection="network", host="127.0.0.1", port=virtual.port)
        )
        picture = Image.new("1", (384, 200), 1)
        ImageDraw.Draw(picture).rectangle((40, 50, 140, 120), fill=0)
        printer.print_image(picture)
        page = virtual.pages.get(timeout=10)
    finally:
        virtual.close()
    assert not isinstance(page, Exception)
    dots = np.asarray(page.convert("L")) < 128
    assert dots[50:121, 40:141].all()
    assert dots.sum() == 101 * 71  # nothing else printed black


def test_unknown_commands_and_a_printer_that_is_not_there() -> None:
    with pytest.raises(ValueError, match="unknown ESC/POS command 1b 21"):
        decode_escpos(b"\x1b@\x1b!\x08")
    assert open_printer(PrinterSection()) is None
    gone = SlipPrinter(PrinterSection(connection="network", host="127.0.0.1", port=1))
    with pytest.raises(PrinterError, match="cannot reach the network printer"):
        gone.print_image(Image.new("1", (8, 8), 1))


def test_the_decoder_reads_a_qr_code_printed_on_a_slip() -> None:
    import qrcode

    code = qrcode.make("https://dvc.example.vn/tra-cuu?mahs=000.00.20.H30-240115-0001", box_size=4)
    picture = Image.new("1", (384, code.pixel_size + 40), 1)
    picture.paste(code.get_image().convert("1"), (20, 20))
    virtual = VirtualPrinter()
    try:
        SlipPrinter(
            PrinterSection(connection="network", host="127.0.0.1", port=virtual.port)
        ).print_image(picture)
        page = virtual.pages.get(timeout=10)
    finally:
        virtual.close()
    assert not isinstance(page, Exception)
    texts = [reading.text for reading in Decoder().decode(np.asarray(page.convert("L")))]
    assert texts == ["https://dvc.example.vn/tra-cuu?mahs=000.00.20.H30-240115-0001"]


def test_python_escpos_leaks_the_socket_of_a_printer_it_cannot_reach() -> None:
    """Why :func:`hardware.printer._escpos._network` connects by itself."""
    import gc

    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    with pytest.warns(ResourceWarning, match="unclosed <socket"):
        with pytest.raises(DeviceNotFoundError):
            Network("127.0.0.1", port=1, timeout=1).open()
        gc.collect()
