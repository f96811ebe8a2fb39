"""The modem's byte stream, fed in every shape a serial port delivers it; and the library's
serial side replaced only through its public methods."""

from __future__ import annotations

import contextlib
import inspect
import os
import queue
import tty

import pytest
from gsmmodem.modem import GsmModem
from gsmmodem.serial_comms import SerialComms
from hypothesis import given
from hypothesis import strategies as st

from hardware.modem._driver import Driver
from hardware.modem._lines import EventKind, LineEvent, LineStream, is_final

PDU = "07914889200030F0040B914819325476F8000042101190000040" + "04D4F29C0E"
TRAFFIC = (
    b"\r\n+CSQ: 21,99\r\n\r\nOK\r\n"
    b'\r\n+CMTI: "SM",3\r\n\r\n+CMTI: "SM",4\r\n'
    b"\r\n+CMT: ,23\r\n" + PDU.encode() + b"\r\n"
    b"\r\n^RSSI: 17\r\n\r\n+CMS ERROR: 500\r\n"
)
EVENTS = [
    LineEvent(EventKind.LINE, "+CSQ: 21,99"),
    LineEvent(EventKind.LINE, "OK"),
    LineEvent(EventKind.NOTICE, '+CMTI: "SM",3'),
    LineEvent(EventKind.NOTICE, '+CMTI: "SM",4'),
    LineEvent(EventKind.DELIVERY, "+CMT: ,23", PDU),
    LineEvent(EventKind.NOTICE, "^RSSI: 17"),
    LineEvent(EventKind.LINE, "+CMS ERROR: 500"),
]


def test_lines_notifications_and_pushed_messages_are_told_apart() -> None:
    assert LineStream().feed(TRAFFIC) == EVENTS


@given(st.lists(st.integers(1, len(TRAFFIC) - 1), unique=True).map(sorted))
def test_any_split_of_the_bytes_gives_the_same_events(cuts: list[int]) -> None:
    stream = LineStream()
    events: list[LineEvent] = []
    for start, end in zip([0, *cuts], [*cuts, len(TRAFFIC)], strict=True):
        events += stream.feed(TRAFFIC[start:end])
    assert events == EVENTS


def test_a_notification_inside_an_answer_is_not_glued_to_it() -> None:
    stream = LineStream()
    assert stream.feed(b"\r\n+CMGL: 1,0,,23\r\n") == [LineEvent(EventKind.LINE, "+CMGL: 1,0,,23")]
    assert stream.feed(b'\r\n+CMTI: "ME",2\r\n' + PDU.encode() + b"\r\n\r\nOK\r\n") == [
        LineEvent(EventKind.NOTICE, '+CMTI: "ME",2'),
        LineEvent(EventKind.LINE, PDU),
        LineEvent(EventKind.LINE, "OK"),
    ]


def test_the_prompt_ends_without_a_line_break_and_only_when_wanted() -> None:
    stream = LineStream()
    assert stream.feed(b"\r\n> ") == []  # a line that merely starts so, until it ends
    stream = LineStream()
    assert stream.feed(b"\r\n>", prompt_wanted=True) == [LineEvent(EventKind.PROMPT)]
    assert stream.feed(b" \r\n+CMGS: 7\r\n\r\nOK\r\n") == [
        LineEvent(EventKind.LINE, "+CMGS: 7"),
        LineEvent(EventKind.LINE, "OK"),
    ]


def test_bytes_that_are_not_utf8_do_not_stop_the_stream() -> None:
    events = LineStream().feed(b"\r\n\xff\xfe noise\r\nRDY\r\n")
    assert events == [
        LineEvent(EventKind.LINE, "\ufffd\ufffd noise"),
        LineEvent(EventKind.NOTICE, "RDY"),
    ]


@pytest.mark.parametrize(
    ("line", "final"),
    [
        ("OK", True),
        ("ERROR", True),
        ("+CME ERROR: 14", True),
        ("+CMS ERROR: 304", True),
        ("COMMAND NOT SUPPORT", True),
        ("+CMGS: 7", False),
        ("OKAY", False),
    ],
)
def test_final_results(line: str, final: bool) -> None:
    assert is_final(line) is final


def test_a_port_that_vanishes_is_reported_lost_every_time() -> None:
    # pySerial's reader thread catches SerialException, but a vanished port's in_waiting
    # raises OSError (EIO): about one drop in three here killed the thread without a word,
    # and the modem thread waited for its next command or heartbeat to time out.
    for _ in range(15):
        master, slave = os.openpty()
        tty.setraw(slave)
        events: queue.Queue[LineEvent] = queue.Queue()
        driver = Driver(os.ttyname(slave), 115200, events.put)
        driver.open_port()
        os.write(master, b"\r\n^RSSI: 17\r\n")
        os.close(master)  # the USB modem is pulled out
        try:
            while events.get(timeout=5).kind is not EventKind.LOST:
                pass  # the notification, when it was read before the port went
        finally:
            driver.close()
            with contextlib.suppress(OSError):
                os.close(slave)


def test_the_driver_overrides_no_private_method_of_the_library() -> None:
    ours = [cls for cls in Driver.__mro__ if cls.__module__.startswith("hardware.")]
    library = [GsmModem, SerialComms]
    for cls in ours:
        for name in vars(cls):
            if name.startswith("_") and not name.startswith("__"):
                assert not any(hasattr(base, name) for base in library), f"{cls.__name__}.{name}"
    # The public hooks it does use keep the signatures it was written against.
    assert list(inspect.signature(SerialComms.write).parameters) == [
        "self",
        "data",
        "waitForResponse",
        "timeout",
        "expectedResponseTermSeq",
    ]
    assert {"connect", "close", "write"} <= set(vars(SerialComms))
