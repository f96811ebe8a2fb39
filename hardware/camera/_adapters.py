"""The frame sources: picture playback, OpenCV, picamera2 and Kivy's core camera.

Each camera library is imported only when its source is opened, so a kiosk without OpenCV or
picamera2 installed runs with whatever it has, and an SMS box never imports any of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from hardware.camera._source import CameraError, FrameSource, Pixels


def load_picture(path: str | Path) -> Pixels:
    """A picture file as RGB pixels (any format Pillow reads)."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise CameraError(f"cannot read picture {path}: {exc}") from None


class PlaybackSource(FrameSource):
    """Plays pictures as if a camera saw them: the shown picture, ``fps`` times a second.

    Between pictures (after :meth:`clear`) it delivers an empty desk, as a real camera would.
    :attr:`shown_at` is when the current picture was put in front of the "camera", for the
    shown-to-result latency figure.
    """

    name = "playback"

    def __init__(
        self,
        pictures: Sequence[Pixels | str | Path] = (),
        *,
        fps: float = 10.0,
        size: tuple[int, int] = (640, 480),
    ) -> None:
        super().__init__()
        self.pictures = [
            picture if isinstance(picture, np.ndarray) else load_picture(picture)
            for picture in pictures
        ]
        self._interval = 1.0 / fps
        self._empty = np.full((size[1], size[0], 3), (96, 82, 70), dtype=np.uint8)
        self._current: Pixels | None = None
        self._index = -1
        self._changed = threading.Event()
        self.shown_at = 0.0

    def show(self, picture: Pixels) -> None:
        self._current = picture
        self.shown_at = time.monotonic()
        self._changed.set()

    def show_next(self) -> int:
        """Show the next of :attr:`pictures` (wrapping around); returns its index."""
        if not self.pictures:
            raise CameraError("the playback camera has no pictures")
        self._index = (self._index + 1) % len(self.pictures)
        self.show(self.pictures[self._index])
        return self._index

    def clear(self) -> None:
        self._current = None
        self._changed.set()

    def _open(self) -> None:
        self._changed.clear()

    def _capture(self) -> Pixels | None:
        self._changed.wait(self._interval)
        self._changed.clear()
        return self._empty if self._current is None else self._current

    def _close(self) -> None:
        self._changed.set()


class OpenCVSource(FrameSource):
    """A V4L2 webcam (or a video file, for tests) through OpenCV's ``VideoCapture``.

    Needs ``opencv-python-headless`` below 5: Kivy's own OpenCV camera breaks on 5.x, and this
    adapter is kept to the same series so one OpenCV serves both.
    """

    name = "opencv"

    def __init__(self, device: int | str = 0, *, size: tuple[int, int] = (1280, 720)) -> None:
        super().__init__()
        self.device = device
        self.size = size
        self._capture_device: Any = None
        self._rewind = 1

    def _open(self) -> None:
        try:
            import cv2
        except ImportError:
            raise CameraError(
                "OpenCV is not installed (pip install 'opencv-python-headless<5')"
            ) from None
        capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            raise CameraError(f"no camera at {self.device!r} (is it plugged in? see v4l2-ctl)")
        self._rewind = cv2.CAP_PROP_POS_FRAMES
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        self._capture_device = capture

    def _capture(self) -> Pixels | None:
        capture = self._capture_device
        if capture is None:
            raise CameraError(f"camera {self.device!r} is not open")
        ok, bgr = capture.read()
        if not ok or bgr is None:
            if isinstance(self.device, str) and Path(self.device).is_file():
                capture.set(self._rewind, 0)  # a video file plays in a loop
                return None
            raise CameraError(f"camera {self.device!r} stopped delivering frames")
        return np.ascontiguousarray(bgr[:, :, ::-1])

    def _close(self) -> None:
        if self._capture_device is not None:
            self._capture_device.release()
            self._capture_device = None


class Picamera2Source(FrameSource):
    """The Raspberry Pi camera module through picamera2 (libcamera), where it is installed."""

    name = "picamera2"

    def __init__(self, *, size: tuple[int, int] = (1280, 720)) -> None:
        super().__init__()
        self.size = size
        self._camera: Any = None

    def _open(self) -> None:
        try:
            from picamera2 import Picamera2
        except ImportError:
            raise CameraError(
                "picamera2 is not installed (apt install python3-picamera2)"
            ) from None
        try:
            camera = Picamera2()
            # libcamera's "RGB888" is stored blue first; the decoder only needs luminance.
            config = camera.create_video_configuration(main={"size": self.size, "format": "RGB888"})
            camera.configure(config)
            camera.start()
        except Exception as exc:
            raise CameraError(f"the Pi camera did not start: {exc}") from None
        self._camera = camera

    def _capture(self) -> Pixels | None:
        try:
            pixels: Pixels = self._camera.capture_array("main")
        except Exception as exc:
            raise CameraError(f"the Pi camera stopped: {exc}") from None
        return np.ascontiguousarray(pixels[:, :, 2::-1])

    def _close(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._camera.close()
            self._camera = None


class KivyCameraSource(FrameSource):
    """Kivy's core camera (GStreamer on Linux). Create and start it on Kivy's main thread.

    Kivy delivers pictures on its main loop (``on_texture``); this adapter copies each frame's
    raw buffer into the shared slot, so decoding still happens on the worker thread.
    """

    name = "kivy"

    def __init__(self, index: int = 0, *, size: tuple[int, int] = (1280, 720)) -> None:
        super().__init__()
        self.index = index
        self.size = size
        self._camera: Any = None

    def start(self) -> None:
        self._open()
        self._running.set()

    def _open(self) -> None:
        try:
            from kivy.core.camera import Camera
        except ImportError:
            raise CameraError("Kivy's camera is not available") from None
        if Camera is None:
            raise CameraError("Kivy found no camera provider (install GStreamer's gi bindings)")
        try:
            camera = Camera(index=self.index, resolution=self.size, stopped=True)
            camera.bind(on_texture=self._on_texture)
            camera.start()
        except Exception as exc:
            raise CameraError(f"Kivy's camera {self.index} did not start: {exc}") from None
        self._camera = camera

    def _on_texture(self, camera: Any) -> None:
        buffer = getattr(camera, "_buffer", None)
        width, height = camera.resolution
        if buffer is None:
            return
        pixels = np.frombuffer(bytes(buffer), dtype=np.uint8)
        channels = pixels.size // (width * height)
        if channels in (3, 4):
            self._publish(pixels.reshape(height, width, channels)[:, :, :3])

    def _capture(self) -> Pixels | None:  # frames arrive through _on_texture
        return None

    def _close(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._camera = None
