"""Where frames come from: one small interface, several cameras behind it.

The kiosk's decode worker only ever asks a :class:`FrameSource` for the newest frame. Whether
that frame came from a USB webcam through OpenCV, the Raspberry Pi camera through picamera2,
Kivy's GStreamer camera, or a picture file played back for a test or the demo does not matter
to it. A capture thread per source keeps only the newest frame: a slow decode never builds a
queue of stale pictures, it simply skips frames.

A camera that is missing or fails raises :class:`CameraError` with words a technician can act
on; the kiosk then offers typed entry only and shows the reason on its diagnostics page.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

Pixels = npt.NDArray[np.uint8]
"""A picture: rows x columns (grey) or rows x columns x 3 (RGB)."""


class CameraError(Exception):
    """The camera cannot deliver frames; the message says why, for the diagnostics page."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture from a source, numbered in capture order."""

    pixels: Pixels
    number: int
    captured_at: float


class FrameSource(ABC):
    """A camera seen through one method: :meth:`read` the newest frame not yet read.

    Subclasses implement :meth:`_open`, :meth:`_capture` (block for the next picture) and
    :meth:`_close`; this class runs the capture thread, keeps the newest frame, counts frames per
    second and remembers the last error.
    """

    name = "camera"

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._latest: Frame | None = None
        self._taken = 0
        self._count = 0
        self._times: collections.deque[float] = collections.deque(maxlen=30)
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def start(self) -> None:
        """Open the device and start capturing; raises :class:`CameraError` if it cannot."""
        self._open()
        self._running.set()
        self._thread = threading.Thread(target=self._loop, name=f"{self.name}-capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running.clear()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._close()

    def read(self, timeout: float) -> Frame | None:
        """The newest frame not read before, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        if not self._running.is_set():
            return None
        with self._lock:
            while self._latest is None or self._latest.number <= self._taken:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._running.is_set():
                    return None
                self._lock.wait(remaining)
            self._taken = self._latest.number
            return self._latest

    @property
    def fps(self) -> float:
        """Frames per second over the last 30 frames (0 when stalled for a second)."""
        with self._lock:
            times = list(self._times)
        if len(times) < 2 or time.monotonic() - times[-1] > 1.0:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def _publish(self, pixels: Pixels) -> None:
        now = time.monotonic()
        with self._lock:
            self._count += 1
            self._latest = Frame(pixels, self._count, now)
            self._times.append(now)
            self._lock.notify_all()

    def _loop(self) -> None:
        failures = 0
        while self._running.is_set():
            try:
                pixels = self._capture()
            except CameraError as exc:
                failures += 1
                self.error = str(exc)
                logger.warning("%s: %s", self.name, exc)
                self._running.wait(min(5.0, 0.2 * failures))
                if failures >= 3:
                    self._reopen()
                continue
            if pixels is not None:
                failures = 0
                self.error = None
                self._publish(pixels)

    def _reopen(self) -> None:
        try:
            self._close()
            self._open()
        except CameraError as exc:
            self.error = str(exc)

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _capture(self) -> Pixels | None:
        """Block until the next picture; None when there is none this time (keep going)."""

    @abstractmethod
    def _close(self) -> None: ...
