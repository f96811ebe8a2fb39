"""The Kivy application: screens, input and the glue to the workers.

State lives in :class:`~kiosk._flow.KioskFlow`; this class feeds it events and mirrors it into
Kivy properties that the ``.kv`` files bind to. Import this module only after
:func:`kiosk.cli.prepare_kivy` has configured Kivy (``KIVY_HOME``, window settings).
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from backend_client import BackendError, StatusClient
from dossier import ICT, CodeError, CodeQuery, Dossier, Language, Stage, format_moment
from hardware.barcode import Reading, RepeatFilter
from hardware.camera import CameraError, FrameSource, PlaybackSource, open_camera
from hardware.scanner import SerialScanner, Typed, WedgeReader
from kiosk import _widgets  # noqa: F401  (registers the widget classes used in .kv files)
from kiosk._flow import KioskFlow, Timeouts
from kiosk._flow import Screen as Step
from kiosk._pin import check_pin
from kiosk._strings import tr
from kiosk._theme import ICON_FONT, INK, WARNING
from kiosk._view import ResultView, follow_url, qr_matrix, result_view
from kiosk._workers import CameraWorker, LookupWorker
from onestop import __version__
from onestop.config import Config

logger = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent / "kv"
SLOW_AFTER = 2.5
"""Seconds of waiting after which the busy screen says the server is slow."""
BUSY_AFTER = 0.25
"""A lookup answered sooner goes straight to its result: no spinner flashing by."""

ENTER_KEYS = (13, 271)
ESCAPE_KEY = 27
BACKSPACE_KEY = 8
NEXT_RECEIPT_KEY = 286  # F5: the demo's "show the next receipt to the camera"


class KioskRoot(FloatLayout):
    """The screen manager with the technicians' corner over it."""


class IdleScreen(Screen):
    pass


class EntryScreen(Screen):
    pass


class BusyScreen(Screen):
    pass


class ResultScreen(Screen):
    pass


class NotFoundScreen(Screen):
    pass


class InvalidScreen(Screen):
    pass


class OfflineScreen(Screen):
    pass


class PinScreen(Screen):
    pass


class DiagnosticsScreen(Screen):
    pass


@dataclass
class KioskParts:
    """What the app runs on, made by :mod:`kiosk.cli` (or a test): injected, not global."""

    config: Config
    client: StatusClient
    camera: FrameSource | None = None
    camera_error: str = ""
    demo: bool = False
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(ICT))
    clock: Callable[[], float] = time.monotonic
    """The seconds the kiosk's rules count: inactivity, and the gaps that tell a wedge scanner's
    burst from a person typing. Tests stop it while they type at scanner speed on a loaded
    machine, and move it on instead of waiting out a timeout."""


class KioskApp(App):
    lang = StringProperty("vi")
    screen = StringProperty("idle")
    entry = StringProperty("")
    shown_code = StringProperty("")
    pin_dots = StringProperty("")
    hint = StringProperty("")
    hint_wrong = BooleanProperty(False)
    problem_text = StringProperty("")
    view = ObjectProperty(None, allownone=True)
    scale = NumericProperty(1.0)
    camera_ok = BooleanProperty(False)
    demo = BooleanProperty(False)
    slow = BooleanProperty(False)
    pin_wrong = BooleanProperty(False)
    sms_line = StringProperty("")
    lookup_url = StringProperty("")
    diag_backend = StringProperty("")
    diag_camera = StringProperty("")
    diag_scanner = StringProperty("")
    diag_version = StringProperty(__version__)
    diag_config = StringProperty("")

    def __init__(self, parts: KioskParts, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parts = parts
        self.kiosk = parts.config.kiosk
        self.flow = KioskFlow(
            timeouts=Timeouts(self.kiosk.result_timeout, self.kiosk.idle_timeout),
            language=self.kiosk.language,
            clock=parts.clock,
            families=parts.config.codes.code_families(),
        )
        self.repeat = RepeatFilter(self.kiosk.repeat_window)
        self.wedge = WedgeReader(
            max_gap=parts.config.scanner.wedge_max_gap,
            min_length=parts.config.scanner.wedge_min_length,
        )
        self.lookups = LookupWorker(
            parts.client,
            self._post,
            prepare=lambda dossier: qr_matrix(follow_url(self.kiosk.lookup_url, dossier.code)),
        )
        self._chores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chores")
        """Slow technicians' work (the PIN's hash, the health check), off the UI thread."""
        self.camera_worker: CameraWorker | None = None
        self.serial: SerialScanner | None = None
        self.last_scan: dt.datetime | None = None
        self.events: collections.deque[tuple[int, str, str, float]] = collections.deque(maxlen=256)
        self.event_count = 0
        self._draw_pending: str | None = None
        self._heap_frozen = False
        self._busy_since = 0.0
        self.title = "onestop kiosk"

    # -- building -----------------------------------------------------------------------

    def build(self) -> KioskRoot:
        for name in ("widgets", *(step.value for step in Step)):
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        self.lookup_url = self.kiosk.lookup_url
        self.demo = self.parts.demo
        root = KioskRoot()
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        classes = (
            IdleScreen, EntryScreen, BusyScreen, ResultScreen, NotFoundScreen,
            InvalidScreen, OfflineScreen, PinScreen, DiagnosticsScreen,
        )  # fmt: skip
        for screen_class in classes:
            manager.add_widget(screen_class())
        self.manager = manager
        Window.bind(
            on_textinput=self._on_textinput,
            on_key_down=self._on_key_down,
            on_request_close=self._on_request_close,
            on_touch_down=self._on_any_touch,
            on_resize=self._on_resize,
            on_flip=self._on_flip,
        )
        self._on_resize(Window, *Window.size)
        self.refresh()
        return root

    def on_start(self) -> None:
        if Window.fullscreen:
            Clock.schedule_once(self._cover_screen, 0)
        self._record("started", "idle", time.monotonic())
        self._draw_pending = "idle"
        self._start_camera()
        self._start_serial()
        Clock.schedule_interval(self._tick, 0.5)
        Clock.schedule_interval(self._show_preview, 0.2)

    def on_stop(self) -> None:
        if self.camera_worker is not None:
            self.camera_worker.stop()
        if self.serial is not None:
            self.serial.stop()
        self.lookups.shutdown()
        self._chores.shutdown(wait=False, cancel_futures=True)

    def _cover_screen(self, _dt: float) -> None:
        """Trade SDL's full-screen mode for a borderless window covering the whole screen.

        On an X server without a window manager (as a kiosk started by xinit runs; seen on
        Xvfb), SDL's full-screen window received no pointer events at all, while a borderless
        window at 0,0 of the screen's size looks the same and receives them. The size is the one
        full-screen mode found; turning it off restores the configured size first, which is
        undone on resize.
        """
        size = tuple(Window.size)

        def restore(_window: Any, width: int, height: int) -> None:
            if (width, height) != size:
                Window.unbind(on_resize=restore)
                Window.left, Window.top = 0, 0
                Window.size = size
                self._record("window", "{}x{}".format(*size), time.monotonic())

        Window.bind(on_resize=restore)
        Window.fullscreen = False
        Window.borderless = True

    def _start_camera(self) -> None:
        source = self.parts.camera
        if source is None and not self.parts.camera_error:
            try:
                source = open_camera(self.parts.config.camera)
            except CameraError as exc:
                self.parts.camera_error = str(exc)
                logger.warning("no camera, typed entry only: %s", exc)
        elif source is not None:
            try:
                source.start()
            except CameraError as exc:
                self.parts.camera_error = str(exc)
                source = None
        if source is None:
            self.camera_ok = False
            return
        self.parts.camera = source
        self.camera_worker = CameraWorker(
            source,
            self._on_camera_reading,
            self._post,
            repeat=self.repeat,
            families=self.flow.families,
        )
        self.camera_worker.start()
        self.camera_ok = True

    def _start_serial(self) -> None:
        port = self.parts.config.scanner.serial_port
        if not port:
            return
        self.serial = SerialScanner(
            port,
            lambda text: self._post(lambda: self._on_scanner_text(text)),
            baudrate=self.parts.config.scanner.baudrate,
        )
        self.serial.start()

    def _record(self, kind: str, value: str, at: float) -> None:
        """Keep a short, numbered log of what happened (for diagnostics, tests and figures)."""
        self.event_count += 1
        self.events.append((self.event_count, kind, value, at))

    @staticmethod
    def _post(function: Callable[[], None]) -> None:
        Clock.schedule_once(lambda _dt: function(), 0)

    # -- strings ------------------------------------------------------------------------

    def tr(self, key: str, lang: str, **values: object) -> str:
        """For the .kv files, which pass :attr:`lang` as a Kivy string property holds it."""
        return tr(key, Language(lang), **values)

    # -- mirroring the flow into properties ----------------------------------------------

    def refresh(self) -> None:
        """Mirror the flow into the properties the .kv files bind to.

        Each screen binds to its own properties so that typing on one screen does not make
        labels on the hidden ones render their text again (text rendering is the costliest
        thing the UI thread does on a Raspberry-Pi-class machine).
        """
        flow = self.flow
        self.lang = flow.language
        if flow.screen is Step.PIN:
            self.pin_dots = "●" * len(flow.entry)
            self.pin_wrong = flow.pin_wrong
        elif flow.screen in (Step.BUSY, Step.NOT_FOUND, Step.INVALID):
            self.shown_code = flow.entry
        if flow.screen is Step.ENTRY:
            self.entry = flow.entry
            progress = flow.progress
            self.hint = progress.message(flow.language)
            self.hint_wrong = progress.stage is Stage.WRONG
        if flow.problem is not None:
            self.problem_text = flow.problem.message(flow.language)
        elif flow.not_a_code:
            self.problem_text = tr("not_a_code", flow.language)
        else:
            self.problem_text = ""
        self.view = self._result_view(flow.dossier) if flow.dossier is not None else None
        self.sms_line = (
            tr(
                "idle_sms",
                flow.language,
                keyword=self.kiosk.sms_keyword,
                number=self.kiosk.sms_number,
            )
            if self.kiosk.sms_number
            else ""
        )
        if flow.screen is Step.RESULT:
            self._fill_result()
        shown = flow.screen.value
        if flow.screen is Step.BUSY and time.monotonic() - self._busy_since < BUSY_AFTER:
            shown = self.screen
            Clock.schedule_once(lambda _dt: self._show_busy(flow.ticket), BUSY_AFTER)
        if self.screen != shown:
            self.screen = shown
            self.manager.current = shown
            self._record("screen", shown, time.monotonic())
        self._draw_pending = shown

    def _show_busy(self, ticket: int) -> None:
        if self.flow.screen is Step.BUSY and self.flow.ticket == ticket:
            self.refresh()

    def _result_view(self, dossier: Dossier) -> ResultView:
        return result_view(
            dossier,
            now=self.parts.now(),
            lang=self.flow.language,
            lookup_url=self.kiosk.lookup_url,
            history_steps=self.kiosk.history_steps,
            show_applicant=self.kiosk.show_applicant,
            known=self.flow.known,
        )

    def _fill_result(self) -> None:
        """Build the result's labels afresh for each result.

        New labels get new textures; rewriting the text of labels drawn before makes the
        graphics driver wait for the frames still using them (a third of a second with
        software rendering), which would show as lag between the scan and the result.
        """
        screen = self.manager.get_screen("result")
        ids = screen.ids
        badge, rows, history, notice = ids.badge, ids.rows, ids.history, ids.notice
        for box in (badge, rows, history, notice):
            box.clear_widgets()
        view = self.view
        if view is None:
            return
        overdue = f" · {tr('overdue', self.flow.language)}" if view.overdue else ""
        scale = self.scale
        badge.add_widget(
            Label(
                text=view.badge_icon,
                font_name=ICON_FONT,
                font_size=48 * scale,
                size_hint_x=None,
                width=64 * scale,
            )
        )
        for text, size, align, share in (
            (view.badge_text + overdue, 32, "left", 1.0),
            (view.due_note, 26, "right", 0.42),
        ):
            label = Label(text=text, font_size=size * scale, bold=True, halign=align)
            label.valign = "middle"
            label.size_hint_x = share
            label.bind(size=lambda widget, size: setattr(widget, "text_size", size))
            badge.add_widget(label)
        for name, value in view.rows:
            rows.add_widget(
                self._row(self._label(name, bold=True, size_hint_x=0.34), self._label(value))
            )
        if view.as_of:
            notice.add_widget(self._row(self._label(view.as_of, font=20, color=WARNING)))
        if view.history:
            title = tr("result_history", self.flow.language)
            history.add_widget(self._row(self._label(title, bold=True, font=20)))
        for line in view.history:
            history.add_widget(self._row(self._label(line, font=18)))

    def _label(
        self,
        text: str,
        *,
        bold: bool = False,
        font: float = 21,
        color: tuple[float, ...] = INK,
        **kwargs: Any,
    ) -> Label:
        label = Label(
            text=text,
            bold=bold,
            color=color,
            font_size=font * self.scale,
            halign="left",
            size_hint_y=None,
            pos_hint={"top": 1},
            **kwargs,
        )
        label.bind(width=lambda widget, width: setattr(widget, "text_size", (width, None)))
        label.bind(texture_size=lambda widget, size: setattr(widget, "height", size[1]))
        return label

    @staticmethod
    def _row(*labels: Label) -> BoxLayout:
        """Labels side by side, tops aligned, the row as tall as the tallest of them."""
        row = BoxLayout(size_hint_y=None, spacing=10)

        def fit(*_args: Any) -> None:
            row.height = max(label.texture_size[1] for label in labels)

        for label in labels:
            label.bind(texture_size=fit)
            row.add_widget(label)
        return row

    # -- events from the citizen ---------------------------------------------------------

    def _on_any_touch(self, _window: Any, _touch: Any) -> None:
        self.flow.touch()

    def toggle_language(self) -> None:
        self.flow.toggle_language()
        self.refresh()

    def open_entry(self) -> None:
        self.flow.open_entry()
        self.refresh()

    def go_home(self) -> None:
        self.flow.go_idle()
        self.refresh()

    def press_key(self, key: str) -> None:
        self.flow.press_key(key)
        self.refresh()

    def submit_entry(self) -> None:
        query = self.flow.submit_entry()
        self._after_submit(query)

    def _after_submit(self, query: CodeQuery | None) -> None:
        self._busy_since = time.monotonic()
        self.slow = False
        self.refresh()
        if query is None:
            return
        ticket = self.flow.ticket
        self.lookups.lookup(
            query,
            lambda dossier: self._lookup_done(ticket, dossier),
            lambda error: self._lookup_failed(ticket, error),
        )

    def _lookup_done(self, ticket: int, dossier: Dossier) -> None:
        if self.flow.lookup_done(ticket, dossier):
            self.refresh()
        else:
            self._record("dropped", dossier.code, time.monotonic())

    def _lookup_failed(self, ticket: int, error: BackendError) -> None:
        logger.info("lookup failed: %s", error)
        if self.flow.lookup_failed(ticket, error):
            self.refresh()
        else:
            self._record("dropped", type(error).__name__, time.monotonic())

    # -- keyboard: wedge scanners, Enter, Esc --------------------------------------------

    def _on_textinput(self, _window: Any, text: str) -> None:
        self.flow.touch()
        self.wedge.char(text, self.parts.clock())
        Clock.unschedule(self._flush_wedge)
        Clock.schedule_once(self._flush_wedge, self.wedge.max_gap + 0.02)

    def _on_key_down(self, _window: Any, key: int, _scancode: int, _text: Any, _mods: Any) -> bool:
        self.flow.touch()
        if key in ENTER_KEYS:
            Clock.unschedule(self._flush_wedge)
            typed = self.wedge.enter()
            if typed is not None:
                self._route(typed)
            elif self.flow.screen is Step.ENTRY:
                self.submit_entry()
            elif self.flow.screen is Step.PIN:
                self.check_pin()
            return True
        if key == ESCAPE_KEY:
            return True  # lock-down: Esc never leaves the kiosk
        if key == BACKSPACE_KEY and self.flow.screen in (Step.ENTRY, Step.PIN):
            self.press_key("BACKSPACE")
            return True
        if key == NEXT_RECEIPT_KEY and self.parts.demo:
            self.show_next_receipt()
            return True
        return False

    def _flush_wedge(self, _dt: float) -> None:
        if Clock.frametime > self.wedge.max_gap:
            # The UI thread was held up: keys typed meanwhile may still wait in the queue and
            # belong to the same scan. Decide once they have been delivered.
            Clock.schedule_once(self._flush_wedge, self.wedge.max_gap)
            return
        typed = self.wedge.flush(self.parts.clock())
        if typed is None and self.wedge.pending:
            Clock.schedule_once(self._flush_wedge, self.wedge.max_gap)  # not yet: look again
            return
        self._route(typed)

    def _route(self, typed: Typed | None) -> None:
        """A scan goes to :meth:`_on_scanner_text`; slow typing edits the code being typed, and
        on the PIN screen any typing is the PIN."""
        if typed is None:
            return
        if typed.is_scan and self.flow.screen is not Step.PIN:
            self._on_scanner_text(typed.text)
        elif self.flow.screen in (Step.ENTRY, Step.PIN):
            for char in typed.text.upper():
                self.flow.press_key(char)
            self.refresh()

    def _on_scanner_text(self, text: str) -> None:
        """A scan from either scanner: noted for the diagnostics page (where a technician tests
        the scanner), and a lookup unless a technician is at work."""
        self.last_scan = self.parts.now()
        self._record("scan", text, time.monotonic())
        if self.flow.takes_scans:
            self._after_submit(self.flow.submit(text))

    def _on_request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        return bool(self.kiosk.lockdown)

    # -- camera ----------------------------------------------------------------------------

    def _on_camera_reading(self, reading: Reading, meaning: CodeQuery | CodeError) -> None:
        if not self.flow.takes_scans:
            return
        self._record("reading", reading.text, time.monotonic())
        if isinstance(meaning, CodeQuery):
            self._after_submit(self.flow.start_lookup(meaning))
        else:
            self.flow.not_a_dossier_code()
            self.refresh()

    def show_next_receipt(self) -> None:
        camera = self.parts.camera
        if isinstance(camera, PlaybackSource):
            self.repeat.forget()
            camera.show_next()

    def _show_preview(self, _dt: float) -> None:
        worker = self.camera_worker
        if worker is None or worker.preview is None or self.flow.screen is not Step.IDLE:
            return
        pixels = worker.preview
        height, width = pixels.shape[:2]
        texture = Texture.create(size=(width, height), colorfmt="rgb")
        texture.blit_buffer(pixels[::-1].tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.manager.get_screen("idle").ids.preview.texture = texture

    # -- time ------------------------------------------------------------------------------

    def _tick(self, _dt: float) -> None:
        if self.flow.screen is Step.BUSY:
            self.slow = time.monotonic() - self._busy_since > SLOW_AFTER
        if self.flow.screen is Step.DIAGNOSTICS:
            self._update_diagnostics()
        if self.flow.expired():
            self.flow.reset()
            self.refresh()

    def _on_flip(self, _window: Any) -> None:
        if self._draw_pending is not None:
            self._record("drawn", self._draw_pending, time.monotonic())
            if not self._heap_frozen or self._draw_pending == "result":
                Clock.schedule_once(self._collect_garbage, 0)
            self._draw_pending = None

    def _collect_garbage(self, _dt: float) -> None:
        """Run Python's cycle collector now, while nobody waits, rather than mid-lookup.

        Kivy widgets live in reference cycles, so each result screen thrown away (some 8,000
        objects) waits for the collector, and a full collection walks every object alive: with
        Kivy, the app and numpy loaded that took 150 to 190 ms on the UI thread here, and it
        fell between a reading and the result screen about once in six lookups. So, once the
        idle screen is first drawn, the objects made while starting (about 110,000, alive for
        good) are collected once and frozen out of later collections; and after each result
        is drawn, the previous result's widgets are collected while the citizen reads.
        """
        gc.collect()
        if not self._heap_frozen:
            gc.freeze()
            self._heap_frozen = True

    def _on_resize(self, _window: Any, width: int, height: int) -> None:
        self.scale = min(width / 1024, height / 600)

    # -- technicians -----------------------------------------------------------------------

    def long_press(self) -> None:
        if self.kiosk.diagnostics_pin_hash:
            self.flow.ask_pin()
            self.refresh()

    def check_pin(self) -> None:
        """Check the typed PIN on a worker: its hash takes a large part of a second on a Pi."""
        pin, stored = self.flow.take_pin(), self.kiosk.diagnostics_pin_hash
        self.refresh()

        def check() -> None:
            matches = check_pin(pin, stored)
            self._post(lambda: self._on_pin_checked(matches))

        self._chores.submit(check)

    def _on_pin_checked(self, matches: bool) -> None:
        self.flow.pin_checked(matches)
        self._record("pin", "right" if matches else "wrong", time.monotonic())
        if matches and self.flow.screen is Step.DIAGNOSTICS:
            self.diag_backend = ""
            self._update_diagnostics()
        self.refresh()

    def _update_diagnostics(self) -> None:
        lang = self.flow.language
        camera = self.parts.camera
        if camera is not None and self.camera_ok:
            camera_text = tr("diag_fps", lang, name=camera.name, fps=camera.fps)
            if camera.error:
                camera_text += f" ({camera.error})"
        else:
            camera_text = tr("diag_no_camera", lang, reason=self.parts.camera_error)
        if self.last_scan is not None:
            scanner_text = tr("diag_scanner_seen", lang, moment=format_moment(self.last_scan))
        else:
            scanner_text = tr("diag_scanner_none", lang)
        if self.serial is not None:
            scanner_text += "; " + tr("diag_serial", lang, status=self.serial.status)
        config_path = self.parts.config.path
        self.diag_camera = camera_text
        self.diag_scanner = scanner_text
        self.diag_config = str(config_path) if config_path else tr("diag_defaults", lang)
        if not self.diag_backend:
            self.diag_backend = tr("diag_checking", lang)
            self._post_health()

    def _post_health(self) -> None:
        client = self.parts.client
        lang = self.flow.language

        def check() -> None:
            try:
                client.health()
                text = tr("diag_ok", lang, url=client.base_url)
            except BackendError as exc:
                text = tr("diag_down", lang, reason=str(exc))
            self._post(lambda: setattr(self, "diag_backend", text))

        self._chores.submit(check)
