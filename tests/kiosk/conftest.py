"""Fixtures that run the real kiosk in a real X window (Xvfb) against a real status API.

Kivy apps do not restart cleanly inside one process, so each test module drives its own app
process (:class:`kiosk_support.KioskProcess`). Xvfb is started here when no display is set, so
``pytest`` alone works on a headless machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer
from tests.kiosk.kiosk_support import GateProxy


def start_xvfb(size: str) -> tuple[subprocess.Popen[bytes], str]:
    """An Xvfb of ``size`` (WxH) that repeats no key, and its display name."""
    read_end, write_end = os.pipe()
    command = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24"]
    server = subprocess.Popen(
        [*command, "-r", "-nolisten", "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    return server, f":{number}"


@pytest.fixture(scope="session")
def xdisplay() -> Iterator[str]:
    """An X display for the kiosk window: ``$DISPLAY``, or a fresh Xvfb of 1920x1080.

    The Xvfb repeats no key (``-r``): ``xdotool`` stalled between a key's press and release on
    a loaded machine would otherwise type it again and again.
    """
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is not installed (./dev test installs it: apt install xvfb xdotool)"
            )
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    server, display = start_xvfb("1920x1080")
    yield display
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def gate(demo_api: DemoStatusServer) -> Iterator[GateProxy]:
    proxy = GateProxy(demo_api.url)
    yield proxy
    proxy.stop()
