"""Slow work off the UI thread: status lookups and camera decoding.

Workers never touch a widget. Each result goes back to Kivy's main thread through
``Clock.schedule_once`` (safe to call from any thread), tagged so that the app can drop an
answer the citizen no longer waits for.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from backend_client import BackendError, StatusClient
from dossier import DEFAULT_FAMILIES, CodeError, CodeFamilies, CodeQuery, Dossier
from hardware.barcode import Decoder, Gray, Reading, RepeatFilter, to_gray
from hardware.camera import Frame, FrameSource, Pixels

logger = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
"""Runs a function on the UI thread (in the app: ``Clock.schedule_once``)."""


class LookupWorker:
    """Runs lookups on a small thread pool; the answer or typed error is posted back.

    ``prepare`` runs on the worker with the dossier the result screen will show (the answer, or
    the last known status when the API cannot give one), for work that screen would otherwise
    do on the UI thread (such as laying out its QR code).
    """

    def __init__(
        self,
        client: StatusClient,
        post: Post,
        *,
        prepare: Callable[[Dossier], object] = lambda _dossier: None,
    ) -> None:
        self._client = client
        self._post = post
        self._prepare = prepare
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lookup")

    def lookup(
        self,
        query: CodeQuery,
        on_done: Callable[[Dossier], None],
        on_error: Callable[[BackendError], None],
    ) -> None:
        self._pool.submit(self._run, query, on_done, on_error)

    def _run(
        self,
        query: CodeQuery,
        on_done: Callable[[Dossier], None],
        on_error: Callable[[BackendError], None],
    ) -> None:
        try:
            dossier = self._client.lookup(query.code, query.lookup_key)
            self._prepare(dossier)
        except BackendError as exc:
            error = exc
        except Exception as exc:
            logger.error("lookup of %s failed unexpectedly", query.code, exc_info=exc)
            error = BackendError(f"unexpected failure: {exc}")
            error.last_known = self._client.last_known(query.code)
        else:
            self._post(lambda: on_done(dossier))
            return
        if error.last_known is not None:
            try:
                self._prepare(error.last_known.dossier)
            except Exception:
                logger.exception("preparing the last known status of %s failed", query.code)
        self._post(lambda: on_error(error))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class CameraWorker:
    """Pulls the newest frame, decodes it, and posts each new reading to the UI thread.

    Each reading goes with what it means (its dossier code, or why it holds none): the repeat
    filter needs that here anyway, and the UI thread then has no text to parse.

    A reading seen within the repeat window is dropped here, so a receipt held still in front
    of the camera starts one lookup, not ten a second. The newest frame is also kept, shrunk,
    for the preview on the idle screen.

    Most of a kiosk's day its camera looks at an empty lobby. Decoding a frame with no code
    costs the decoder's every pass (about 15 ms), so frames are decoded at most ``max_rate``
    times a second, and a scene that has not changed since a frame that held nothing
    (:func:`scene`, compared block by block) only ``still_rate`` times a second: a receipt
    coming into view changes the scene and is decoded at once.
    """

    def __init__(
        self,
        source: FrameSource,
        on_reading: Callable[[Reading, CodeQuery | CodeError], None],
        post: Post,
        *,
        repeat: RepeatFilter,
        max_rate: float = 15.0,
        still_rate: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        families: CodeFamilies = DEFAULT_FAMILIES,
    ) -> None:
        self.source = source
        self._families = families
        self._on_reading = on_reading
        self._post = post
        self._repeat = repeat
        self._min_gap = 1.0 / max_rate
        self._still_gap = 1.0 / still_rate
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera-decode", daemon=True)
        self.preview: Pixels | None = None
        self.decoded_frames = 0
        self.skipped_frames = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.source.stop()

    def _run(self) -> None:
        decoder = Decoder()
        last_scene: Gray | None = None
        last_found = True
        last_decode = -1e9
        waiting: Frame | None = None
        """A frame that came sooner than ``max_rate`` allows: decoded when the gap is over,
        unless a newer one comes first. Dropping it instead cost a receipt held up just after
        a decode a whole camera frame (100 ms at 10 frames a second) before it was read."""
        while not self._stop.is_set():
            if waiting is None:
                frame = self.source.read(timeout=0.5)
            else:
                left = last_decode + self._min_gap - self._clock()
                frame = self.source.read(timeout=max(0.0, left)) or waiting
            if frame is None:
                continue
            now = self._clock()
            if now - last_decode < self._min_gap:
                if waiting is not None and waiting is not frame:
                    self.skipped_frames += 1  # a newer frame takes its place
                waiting = frame
                continue
            waiting = None
            gray = to_gray(frame.pixels)
            seen = scene(gray)
            still = last_scene is not None and not last_found and same_scene(seen, last_scene)
            if still and now - last_decode < self._still_gap:
                self.skipped_frames += 1
                continue
            last_scene, last_decode = seen, now
            try:
                readings = decoder.decode(gray)
            except Exception:
                logger.exception("decoding a frame failed")
                continue
            last_found = bool(readings)
            self.decoded_frames += 1
            self.preview = _preview(frame.pixels)
            for reading in readings:
                meaning = reading.interpret(families=self._families)
                key = str(meaning.code) if isinstance(meaning, CodeQuery) else reading.text
                if self._repeat.accept(key):
                    self._post(functools.partial(self._on_reading, reading, meaning))
                    break


STILL = 3.0
"""Mean difference in grey levels between two scenes (blocks of 16 x 16 pixels averaged) below
which nothing came into view: camera noise averages out in a block, a hand or a receipt does
not."""


def scene(gray: Gray) -> Gray:
    """The frame reduced to blocks of 16 x 16 pixels, for telling whether anything moved."""
    return np.asarray(Image.fromarray(gray).reduce(16))


def same_scene(one: Gray, other: Gray) -> bool:
    if one.shape != other.shape:
        return False
    return float(np.abs(one.astype(np.int16) - other.astype(np.int16)).mean()) < STILL


def _preview(pixels: Pixels) -> Pixels:
    """A small RGB copy of a frame for the screen (at most 640 px wide)."""
    factor = max(1, -(-pixels.shape[1] // 640))
    picture = Image.fromarray(pixels)
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    if factor > 1:
        picture = picture.reduce(factor)
    return np.asarray(picture)
