"""Keyboard-wedge bursts and serial scanners: every character once, in order."""

from __future__ import annotations

import os
import queue
import threading

from hypothesis import given
from hypothesis import strategies as st

from hardware.scanner import LineSplitter, SerialScanner, WedgeReader

CODE = "000.00.20.H30-240115-0001"


def test_a_burst_ending_in_enter_is_a_scan() -> None:
    reader = WedgeReader(max_gap=0.05, min_length=8)
    for index, char in enumerate(CODE):
        reader.char(char, 1.0 + index * 0.004)
    typed = reader.enter()
    assert typed is not None
    assert (typed.text, typed.is_scan, typed.entered) == (CODE, True, True)
    assert reader.pending == ""


def test_a_burst_without_enter_completes_after_the_gap() -> None:
    reader = WedgeReader(max_gap=0.05, min_length=8)
    for index, char in enumerate(CODE):
        reader.char(char, index * 0.003)
    last = (len(CODE) - 1) * 0.003
    assert reader.deadline() == last + 0.05
    assert reader.flush(last + 0.01) is None
    typed = reader.flush(last + 0.06)
    assert typed is not None
    assert (typed.text, typed.burst, typed.entered) == (CODE, True, False)


def test_slow_typing_is_not_a_scan() -> None:
    reader = WedgeReader(max_gap=0.05, min_length=8)
    closed = []
    for index, char in enumerate("12345"):
        reader.char(char, index * 0.4)
        group = reader.flush(index * 0.4 + 0.1)  # the app's timer, between two keys
        assert group is not None
        closed.append(group)
    assert [group.text for group in closed] == ["1", "2", "3", "4", "5"]
    assert not any(group.is_scan for group in closed)


def test_keys_held_up_in_the_queue_stay_one_scan() -> None:
    reader = WedgeReader(max_gap=0.05, min_length=8)
    for char in CODE[:10]:
        reader.char(char, 1.0)
    for char in CODE[10:]:
        reader.char(char, 1.4)  # the UI thread was busy for 0.4 s
    typed = reader.enter()
    assert typed is not None
    assert typed.text == CODE


@given(
    codes=st.lists(st.text(alphabet="0123456789.-HGABC", min_size=1, max_size=30), max_size=6),
    enters=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_no_character_is_lost_or_doubled(codes: list[str], enters: list[bool]) -> None:
    reader = WedgeReader(max_gap=0.05, min_length=8)
    out: list[str] = []
    now = 0.0
    for code, enter in zip(codes, enters, strict=False):
        for char in code:
            now += 0.002
            reader.char(char, now)
        now += 0.002
        typed = reader.enter() if enter else reader.flush(now + 0.06)
        if typed is not None:
            out.append(typed.text)
        now += 1.0  # the next scan comes a second later
    flushed = reader.flush(now + 1.0)
    if flushed is not None:
        out.append(flushed.text)
    assert "".join(out) == "".join(codes)


def test_line_splitter_handles_every_line_ending_and_split_reads() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"000.00.20.H30-2401") == []
    assert splitter.feed(b"15-0001\r\nH30.20-241203-0158\rA\n\n") == [
        CODE,
        "H30.20-241203-0158",
        "A",
    ]
    assert splitter.feed(b"x" * 600) == []
    assert splitter.feed(b"\n") == []  # a line too long to be a scan was dropped


def test_serial_scanner_reads_from_a_real_pseudo_terminal() -> None:
    controller, device = os.openpty()
    scans: queue.Queue[str] = queue.Queue()
    scanner = SerialScanner(os.ttyname(device), scans.put, baudrate=9600)
    scanner.start()
    try:
        assert scanner.opened.wait(5)
        os.write(controller, f"{CODE}\r\nH30.20-241203-0158\n".encode())
        assert scans.get(timeout=5) == CODE
        assert scans.get(timeout=5) == "H30.20-241203-0158"
        assert scanner.status.startswith("open")
    finally:
        scanner.stop()
        os.close(controller)
        os.close(device)


def test_serial_scanner_keeps_trying_a_missing_port() -> None:
    tried = threading.Event()
    scanner = SerialScanner("/dev/onestop-no-such-scanner", lambda _text: None, max_backoff=0.2)
    original = scanner._run

    def run() -> None:
        tried.set()
        original()

    scanner._run = run  # type: ignore[method-assign]
    scanner.start()
    try:
        assert tried.wait(5)
        deadline = threading.Event()
        for _ in range(100):
            if scanner.status.startswith("cannot open"):
                break
            deadline.wait(0.05)
        assert "cannot open /dev/onestop-no-such-scanner" in scanner.status
        assert not scanner.opened.is_set()
    finally:
        scanner.stop()
