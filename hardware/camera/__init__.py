"""Frame sources for the kiosk's camera, behind one interface (:class:`FrameSource`).

Adapters: :class:`PlaybackSource` (picture files, for tests and the demo), :class:`OpenCVSource`,
:class:`Picamera2Source` and :class:`KivyCameraSource`. :func:`open_camera` picks one from the
``[camera]`` section and raises :class:`CameraError` when none can run.

Exceptions::

    Exception
    └── CameraError   the camera cannot deliver frames (the message says why)
"""

from hardware.camera._adapters import (
    KivyCameraSource,
    OpenCVSource,
    Picamera2Source,
    PlaybackSource,
    load_picture,
)
from hardware.camera._open import open_camera
from hardware.camera._source import CameraError, Frame, FrameSource, Pixels

__all__ = [
    "CameraError",
    "Frame",
    "FrameSource",
    "KivyCameraSource",
    "OpenCVSource",
    "Picamera2Source",
    "Pixels",
    "PlaybackSource",
    "load_picture",
    "open_camera",
]
