"""Frame sources: playback of pictures, OpenCV on a real video file, and choosing a camera."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware.camera import CameraError, OpenCVSource, Pixels, PlaybackSource, open_camera
from onestop.config import CameraSection


def picture(value: int) -> Pixels:
    return np.full((48, 64, 3), value, np.uint8)


def test_playback_delivers_the_newest_frame_once() -> None:
    source = PlaybackSource([picture(10), picture(200)], fps=50, size=(64, 48))
    source.start()
    try:
        first = source.read(timeout=2)
        assert first is not None
        assert first.pixels[0, 0, 0] == 96  # nothing shown yet: the empty desk
        assert source.show_next() == 0
        shown = None
        for _ in range(20):
            frame = source.read(timeout=2)
            assert frame is not None
            assert frame.number > first.number
            if frame.pixels[0, 0, 0] == 10:
                shown = frame
                break
        assert shown is not None
        assert source.show_next() == 1
        assert source.show_next() == 0  # wraps around
        source.clear()
        assert source.fps > 0
    finally:
        source.stop()
    assert source.read(timeout=0.1) is None


def test_playback_reads_picture_files(tmp_path: Path) -> None:
    path = tmp_path / "receipt.png"
    Image.fromarray(picture(77)).save(path)
    source = PlaybackSource([path])
    assert source.pictures[0].shape == (48, 64, 3)
    with pytest.raises(CameraError, match="cannot read picture"):
        PlaybackSource([tmp_path / "missing.png"])


def test_opencv_source_plays_a_real_video_file(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "camera.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for value in (30, 60, 90):
        writer.write(np.full((48, 64, 3), value, np.uint8))
    writer.release()
    source = OpenCVSource(str(path), size=(64, 48))
    source.start()
    try:
        frames = [source.read(timeout=5) for _ in range(5)]
        assert all(frame is not None and frame.pixels.shape == (48, 64, 3) for frame in frames)
    finally:
        source.stop()


def test_choosing_a_camera_that_is_not_there() -> None:
    with pytest.raises(CameraError, match="switched off"):
        open_camera(CameraSection(source="none"))
    pytest.importorskip("cv2")
    with pytest.raises(CameraError, match="no camera at '/dev/onestop-no-camera'"):
        open_camera(CameraSection(source="opencv", device="/dev/onestop-no-camera"))
