"""Choosing the camera from the ``[camera]`` section."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable

from hardware.camera._adapters import KivyCameraSource, OpenCVSource, Picamera2Source
from hardware.camera._source import CameraError, FrameSource
from onestop.config import CameraSection

logger = logging.getLogger(__name__)


def _device(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _candidates(section: CameraSection) -> list[FrameSource]:
    size = (section.width, section.height)
    device = _device(section.device)
    makers: dict[str, Callable[[], FrameSource]] = {
        "picamera2": lambda: Picamera2Source(size=size),
        "opencv": lambda: OpenCVSource(device, size=size),
        "kivy": lambda: KivyCameraSource(device if isinstance(device, int) else 0, size=size),
    }
    if section.source != "auto":
        return [makers[section.source]()]
    order = [name for name in ("picamera2", "cv2") if importlib.util.find_spec(name) is not None]
    names = ["opencv" if name == "cv2" else name for name in order] + ["kivy"]
    return [makers[name]() for name in names]


def open_camera(section: CameraSection) -> FrameSource:
    """A started frame source, or :class:`CameraError` listing why each candidate failed.

    Call it from Kivy's main thread: the Kivy camera must be created there.
    """
    if section.source == "none":
        raise CameraError("the camera is switched off in the configuration ([camera] source)")
    reasons = []
    for source in _candidates(section):
        try:
            source.start()
        except CameraError as exc:
            logger.info("camera %s unavailable: %s", source.name, exc)
            reasons.append(f"{source.name}: {exc}")
            continue
        return source
    raise CameraError("; ".join(reasons))
