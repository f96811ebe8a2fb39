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
import math
import time
import wave
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
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager
from kivy.utils import escape_markup

from backend_client import BackendError, FleetReporter, StatusClient
from dossier import (
    EXAMPLE_CODE,
    ICT,
    CodeError,
    CodeQuery,
    Dossier,
    Language,
    Rating,
    Stage,
    format_moment,
    status_words,
)
from hardware.barcode import Reading, RepeatFilter
from hardware.camera import CameraError, FrameSource, PlaybackSource, open_camera
from hardware.printer import PrinterError, open_printer
from hardware.scanner import SerialScanner, Typed, WedgeReader
from kiosk import _widgets  # noqa: F401  (registers the widget classes used in .kv files)
from kiosk._fleet import KioskVitals
from kiosk._flow import KioskFlow, Timeouts
from kiosk._flow import Screen as Step
from kiosk._mask import letters, shapes
from kiosk._pin import check_pin
from kiosk._ratings import RatingQueue, RatingSender, client_sender
from kiosk._sizes import Sizes, sizes_for
from kiosk._slip import slip_image
from kiosk._speech import Speaker, utterance
from kiosk._strings import tr
from kiosk._theme import ICON_FONT, INK, WARNING
from kiosk._view import LATE_COLOUR, LATE_ICON, ResultView, qr_matrix, result_view
from kiosk._workers import CameraWorker, LookupWorker
from onestop import __version__
from onestop.config import Config
from onestop.fleet import UsageEvent
from onestop.links import follow_url, lookup_page

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


def load_click(folder: Path) -> Any:
    """A short click (30 ms at 2 kHz, written once to ``folder``) for the keypad, or None
    when Kivy finds no way to play sound."""
    from kivy.core.audio import SoundLoader

    path = folder / "click.wav"
    if not path.exists():
        rate = 22050
        with wave.open(str(path), "wb") as out:
            out.setparams((1, 2, rate, 0, "NONE", "not compressed"))
            fade = [1.0 - index / (rate * 0.03) for index in range(int(rate * 0.03))]
            samples = (
                int(12000 * level * math.sin(2 * math.pi * 2000 * index / rate))
                for index, level in enumerate(fade)
            )
            out.writeframes(
                b"".join(sample.to_bytes(2, "little", signed=True) for sample in samples)
            )
    sound = SoundLoader.load(str(path))
    if sound is None:
        logger.warning("key_sound is on, but no sound can be played here")
    return sound


def escape(text: str) -> str:
    """Text from the status API, safe inside Kivy markup."""
    return str(escape_markup(text))


def _with_cursor(text: str, cursor: int) -> str:
    """The code being typed with a visible cursor, as Kivy markup."""
    mark = "[color=0d47a1][b]|[/b][/color]"
    return escape(text[:cursor]) + mark + escape(text[cursor:])


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


class DetailsScreen(Screen):
    pass


class SeenScreen(Screen):
    pass


class KeyScreen(Screen):
    pass


class RetiredScreen(Screen):
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
    fleet: FleetReporter | None = None
    """Heartbeats and usage events for the gateway's fleet page ([fleet] enabled)."""
    vitals: KioskVitals = field(default_factory=KioskVitals)


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
    font = NumericProperty(24.0)
    font_title = NumericProperty(30.0)
    font_status = NumericProperty(48.0)
    touch = NumericProperty(72.0)
    gap = NumericProperty(10.0)
    pad = NumericProperty(10.0)
    portrait = BooleanProperty(False)
    larger_text = BooleanProperty(False)
    entry_markup = StringProperty("")
    entry_shape = StringProperty(EXAMPLE_CODE)
    letter_page = BooleanProperty(False)
    keypad_letters = StringProperty("")
    example_code = StringProperty(EXAMPLE_CODE)
    warning_text = StringProperty("")
    retry_text = StringProperty("")
    offline_sms = StringProperty("")
    offline_hotline = StringProperty("")
    can_speak = BooleanProperty(False)
    can_print = BooleanProperty(False)
    print_text = StringProperty("")
    can_rate = BooleanProperty(False)
    rated = BooleanProperty(False)
    key_wrong = BooleanProperty(False)
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
            prepare=lambda dossier: qr_matrix(follow_url(parts.config, dossier.code)),
        )
        self.speaker = Speaker(
            mode=self.kiosk.speech,
            player=self.kiosk.speech_player,
            prompts=self.kiosk.speech_prompts,
            on_spoken=lambda text: self._post(
                lambda: self._record("spoken", text, time.monotonic())
            ),
        )
        self.printer = open_printer(parts.config.printer)
        self.guide = parts.config.guidance.guide()
        self.ratings = RatingSender(
            RatingQueue(self.kiosk.state_dir / "ratings.sqlite3"),
            client_sender(parts.client.rate, self.flow.families),
        )
        self.click: Any = None
        """The key-press sound, when ``[kiosk] key_sound`` is on and there is a sound card."""
        self._chores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chores")
        """Slow technicians' work (the PIN's hash, the health check), off the UI thread."""
        self.camera_worker: CameraWorker | None = None
        self.serial: SerialScanner | None = None
        self.last_scan: dt.datetime | None = None
        self.events: collections.deque[tuple[int, str, str, float]] = collections.deque(maxlen=256)
        self.event_count = 0
        self._draw_pending: str | None = None
        self._heap_frozen = False
        self._devices_started = False
        self._busy_since = 0.0
        self._preview_shown: tuple[str, int] = ("", -1)
        self.sizes: Sizes | None = None
        self.title = "onestop kiosk"

    # -- building -----------------------------------------------------------------------

    def build(self) -> KioskRoot:
        for name in ("widgets", *(step.value for step in Step)):
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        self.lookup_url = lookup_page(self.parts.config)
        self.can_speak = self.speaker.available
        self.can_print = self.printer is not None
        if self.kiosk.key_sound:
            self.click = load_click(self.kiosk.state_dir)
        self.entry_shape = shapes(self.flow.families)
        self.keypad_letters = letters(self.flow.families)
        self.demo = self.parts.demo
        root = KioskRoot()
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        manager.add_widget(IdleScreen())  # the others once it is drawn (_start_devices)
        self.manager = manager
        Window.bind(
            on_textinput=self._on_textinput,
            on_key_down=self._on_key_down,
            on_request_close=self._on_request_close,
            on_touch_down=self._on_any_touch,
            on_resize=self._on_resize,
            on_flip=self._on_flip,
        )
        self._apply_sizes()
        self.refresh()
        return root

    def on_start(self) -> None:
        if Window.fullscreen:
            Clock.schedule_once(self._cover_screen, 0)
        self._record("started", "idle", time.monotonic())
        self._draw_pending = "idle"
        self.ratings.start()
        Clock.schedule_interval(self._tick, 0.5)
        # The idle screen's first frame is laid out for the camera expected, so that it does
        # not change shape when the camera opens a moment later (_start_devices).
        self.camera_ok = not self.parts.camera_error and (
            self.parts.camera is not None or self.parts.config.camera.source != "none"
        )

    def _start_devices(self, _dt: float) -> None:
        """The other screens, the camera and the serial scanner, once the idle screen is on.

        Making the twelve other screens took about 140 ms before the first frame. They are
        made here, in the first tick after it, which Kivy runs before it dispatches any touch
        or key of that frame, and before the camera can post a reading: no screen is asked
        for before it exists. Opening the camera (importing OpenCV alone took 150 ms on the
        bench machine) and the decoder's first imports and frames took the CPU from the first
        frame: the lobby saw a black screen for that long. A receipt shown in the moment
        before is read as soon as the camera is open.
        """
        later = (
            EntryScreen, BusyScreen, ResultScreen, DetailsScreen, NotFoundScreen, InvalidScreen,
            SeenScreen, KeyScreen, RetiredScreen, OfflineScreen, PinScreen, DiagnosticsScreen,
        )  # fmt: skip
        for screen_class in later:
            self.manager.add_widget(screen_class())
        self._start_camera()
        self._start_serial()
        Clock.schedule_interval(self._show_preview, 0.2)

    def on_stop(self) -> None:
        if self.camera_worker is not None:
            self.camera_worker.stop()
        if self.serial is not None:
            self.serial.stop()
        self.lookups.shutdown()
        self.ratings.stop()
        self.ratings.queue.close()
        self.speaker.close()
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
            chosen = self.parts.config.camera.source
            if chosen not in ("auto", "none"):
                # A camera the configuration asks for by name shows nothing: the fleet's
                # camera alert says so ("auto" finding none is a kiosk built without one).
                self.parts.vitals.camera = lambda: (chosen, 0.0)
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
        self.parts.vitals.camera = lambda: (source.name, source.fps)

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

    def _usage(self, event: UsageEvent | None) -> None:
        """Keep a lookup's anonymous usage event for the fleet's report."""
        if event is not None and self.parts.fleet is not None:
            self.parts.fleet.record([event])

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
        self.parts.vitals.showing(flow.screen.value)
        self.lang = flow.language
        if self.larger_text != flow.larger_text:
            self.larger_text = flow.larger_text
            self._apply_sizes()
        if flow.screen is Step.PIN:
            self.pin_dots = "●" * len(flow.entry)
            self.pin_wrong = flow.pin_wrong
        elif flow.screen in (Step.BUSY, Step.NOT_FOUND, Step.INVALID, Step.OFFLINE):
            self.shown_code = flow.entry
        if flow.screen in (Step.KEY, Step.RETIRED) and flow.query is not None:
            self.shown_code = str(flow.query.code)
        if flow.screen is Step.KEY:
            self.key_wrong = flow.key_wrong
            self.letter_page = flow.letter_page
            self.entry_markup = _with_cursor(flow.entry, flow.cursor)
        if flow.screen is Step.ENTRY:
            self.letter_page = flow.letter_page
            self.entry = flow.entry
            self.entry_markup = _with_cursor(flow.entry, flow.cursor)
            progress = flow.progress
            self.hint = progress.message(flow.language)
            self.hint_wrong = progress.stage is Stage.WRONG
        if flow.retired is not None:
            retired = flow.retired
            self.problem_text = (
                retired.message_en if flow.language is Language.EN else retired.message_vi
            )
        elif flow.problem is not None:
            self.problem_text = flow.problem.message(flow.language)
        elif flow.seen is not None:
            self.problem_text = flow.seen.message(flow.language)
        else:
            self.problem_text = ""
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
        if flow.screen is Step.OFFLINE:
            hotline = self.guide.hotline
            self.offline_hotline = (
                tr("offline_hotline", flow.language, hotline=hotline) if hotline else ""
            )
            self.offline_sms = (
                tr(
                    "offline_sms",
                    flow.language,
                    keyword=self.kiosk.sms_keyword,
                    code=flow.entry,
                    number=self.kiosk.sms_number,
                )
                if self.kiosk.sms_number
                else ""
            )
            self._update_retry()
        if flow.screen in (Step.RESULT, Step.DETAILS):
            dossier = flow.dossier
            view = self.view
            fresh = view is None or dossier is None or view.code != dossier.code
            if dossier is not None and (fresh or view.status_text != self._status_words(dossier)):
                self.view = self._result_view(dossier)
                self._fill_result()
            if flow.screen is Step.DETAILS:
                self.shown_code = flow.entry
            self.can_rate = flow.known is None
            self.rated = flow.rated is not None
        else:
            self.view = None
            self.print_text = ""
        shown = flow.screen.value
        if flow.screen is Step.BUSY and time.monotonic() - self._busy_since < BUSY_AFTER:
            shown = self.screen
            Clock.schedule_once(lambda _dt: self._show_busy(flow.ticket), BUSY_AFTER)
        if self.screen != shown:
            self.screen = shown
            self.manager.current = shown
            self._record("screen", shown, time.monotonic())
        self._draw_pending = shown

    def _status_words(self, dossier: Dossier) -> str:
        return status_words(dossier.status, self.flow.language)

    def _show_busy(self, ticket: int) -> None:
        if self.flow.screen is Step.BUSY and self.flow.ticket == ticket:
            self.refresh()

    def _result_view(self, dossier: Dossier) -> ResultView:
        return result_view(
            dossier,
            now=self.parts.now(),
            lang=self.flow.language,
            follow_url=follow_url(self.parts.config, dossier.code),
            guide=self.guide,
            show_applicant=self.kiosk.show_applicant,
            known=self.flow.known,
        )

    def _fill_result(self) -> None:
        """Build the card's labels afresh for each result (and each language).

        New labels get new textures; rewriting the text of labels drawn before makes the
        graphics driver wait for the frames still using them (a third of a second with
        software rendering), which would show as lag between the scan and the result.
        """
        result = self.manager.get_screen("result").ids
        history = self.manager.get_screen("details").ids.history
        for box in (result.notice, result.card, history):
            box.clear_widgets()
        view = self.view
        if view is None:
            return
        if view.as_of:
            result.notice.add_widget(self._label(view.as_of, color=WARNING, bold=True))
        result.steps.show(
            tuple((step.label, step.state) for step in view.steps), view.colour, self.font
        )
        if view.due:
            text = escape(view.due)
            if view.late:
                text = f"[font={ICON_FONT}]{LATE_ICON}[/font] {text}"
            result.card.add_widget(
                self._label(text, bold=True, color=LATE_COLOUR if view.late else INK)
            )
        if view.next_step:
            result.card.add_widget(self._label(view.next_step, bold=True))
        for name, value in view.rows:
            result.card.add_widget(self._label(f"[b]{escape(name)}:[/b] {escape(value)}"))
        for line in view.history:
            text = f"[b]{escape(line.when)} · {escape(line.status)}[/b]\n{escape(line.unit)}"
            if line.note:
                text += f"\n{escape(line.note)}"
            history.add_widget(self._label(text))

    def _label(self, text: str, *, bold: bool = False, color: tuple[float, ...] = INK) -> Label:
        """A paragraph of the card: wraps to its width, as tall as its text."""
        label = Label(
            text=text,
            bold=bold,
            color=color,
            markup=True,
            font_size=self.font,
            halign="left",
            size_hint_y=None,
        )
        label.bind(width=lambda widget, width: setattr(widget, "text_size", (width, None)))
        label.bind(texture_size=lambda widget, size: setattr(widget, "height", size[1]))
        return label

    # -- events from the citizen ---------------------------------------------------------

    def _on_any_touch(self, _window: Any, _touch: Any) -> None:
        self.flow.touch()
        self.parts.vitals.touched()

    def toggle_language(self) -> None:
        self.flow.toggle_language()
        self.view = None  # the card is worded afresh in the other language
        self.refresh()

    def toggle_larger_text(self) -> None:
        self.flow.toggle_larger_text()
        self.view = None
        self.refresh()

    def open_entry(self) -> None:
        self.flow.open_entry()
        self.refresh()

    def correct_code(self) -> None:
        """Back to the keypad with the code kept and the cursor on the part that was wrong."""
        self.flow.open_entry(keep=True)
        self.refresh()

    def go_home(self) -> None:
        """Back to the start, as for the next citizen: Vietnamese, normal text."""
        self.flow.reset()
        self.view = None
        self.refresh()

    def show_details(self) -> None:
        self.flow.show_details()
        self.refresh()

    def close_details(self) -> None:
        self.flow.close_details()
        self.refresh()

    def read_aloud(self) -> None:
        """Say the result (on the speaker's own thread; the screen goes on answering)."""
        dossier, view = self.flow.dossier, self.view
        if dossier is not None and view is not None:
            lang = self.flow.language
            self.speaker.say(utterance(dossier, lang=lang, next_step=view.next_step), lang)

    def print_slip(self) -> None:
        """Print the result on the slip printer, off the UI thread."""
        printer, view = self.printer, self.view
        if printer is None or view is None or self.print_text == tr("printing", self.flow.language):
            return
        lang = self.flow.language
        self.print_text = tr("printing", lang)
        printed_at = self.parts.now()

        def run() -> None:
            try:
                printer.print_image(
                    slip_image(view, printed_at=printed_at, width=printer.width, lang=lang)
                )
            except PrinterError as exc:
                logger.warning("printing a slip failed: %s", exc)
                text = tr("print_failed", lang, reason=str(exc))
            else:
                text = tr("printed", lang)
            self._post(lambda: self._printed(view.code, text))

        self._chores.submit(run)

    def _printed(self, code: str, text: str) -> None:
        self._record("printed", code, time.monotonic())
        if self.view is not None and self.view.code == code:
            self.print_text = text

    def rating_text(self, rating: str, lang: str) -> str:
        """For the .kv files, as :meth:`tr`."""
        return Rating(rating).label(Language(lang))

    def rate(self, rating: str) -> None:
        """Queue the citizen's rating and send it in the background: never a wait."""
        given = self.flow.rate(Rating(rating))
        if given is None:
            return
        code, value, lookup_id = given
        self.ratings.give(code, value, lookup_id, time.time())
        self._record("rated", value, time.monotonic())
        self.refresh()

    def submit_key(self) -> None:
        self._after_submit(self.flow.submit_key())

    def retry_now(self) -> None:
        self._after_submit(self.flow.retry(asked=True))

    def press_key(self, key: str) -> None:
        if self.click is not None:
            self.click.seek(0)
            self.click.play()
            self._record("click", key, time.monotonic())
        self.flow.press_key(key)
        self.refresh()

    def submit_entry(self) -> None:
        query = self.flow.submit_entry()
        self._after_submit(query)

    def _after_submit(self, query: CodeQuery | None, *, asked: bool = True) -> None:
        """Look ``query`` up; ``asked`` False for the offline screen trying again by itself,
        which the usage report does not count as another lookup."""
        self._busy_since = time.monotonic()
        self.slow = False
        self.refresh()
        if query is None:
            if asked:
                self._usage(self.parts.vitals.invalid_code())
            return
        ticket = self.flow.ticket
        if asked:
            self.parts.vitals.lookup_started(ticket)
        self.lookups.lookup(
            query,
            lambda dossier: self._lookup_done(ticket, dossier),
            lambda error: self._lookup_failed(ticket, error),
        )

    def _lookup_done(self, ticket: int, dossier: Dossier) -> None:
        self._usage(self.parts.vitals.lookup_ended(ticket, dossier))
        if self.flow.lookup_done(ticket, dossier):
            self.refresh()
        else:
            self._record("dropped", dossier.code, time.monotonic())

    def _lookup_failed(self, ticket: int, error: BackendError) -> None:
        logger.info("lookup failed: %s", error)
        self._usage(self.parts.vitals.lookup_ended(ticket, error))
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
            elif self.flow.screen is Step.KEY:
                self.submit_key()
            return True
        if key == ESCAPE_KEY:
            return True  # lock-down: Esc never leaves the kiosk
        if key == BACKSPACE_KEY and self.flow.screen in (Step.ENTRY, Step.PIN, Step.KEY):
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
        on the PIN and lookup-key screens any typing is the PIN or the key."""
        if typed is None:
            return
        if typed.is_scan and self.flow.screen not in (Step.PIN, Step.KEY):
            self._on_scanner_text(typed.text)
        elif self.flow.screen in (Step.ENTRY, Step.PIN, Step.KEY):
            for char in typed.text.upper():
                self.flow.press_key(char)
            self.refresh()
            if typed.entered and self.flow.screen is Step.KEY:
                self.submit_key()

    def _on_scanner_text(self, text: str) -> None:
        """A scan from either scanner: noted for the diagnostics page (where a technician tests
        the scanner), and a lookup unless a technician is at work."""
        self.last_scan = self.parts.now()
        self.parts.vitals.scanned()
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
            self.flow.not_a_dossier_code(reading.text)
            self.refresh()

    def show_next_receipt(self) -> None:
        camera = self.parts.camera
        if isinstance(camera, PlaybackSource):
            self.repeat.forget()
            camera.show_next()

    def _show_preview(self, _dt: float) -> None:
        worker = self.camera_worker
        shown_on = {Step.IDLE: "idle", Step.SEEN: "seen"}.get(self.flow.screen)
        if worker is None or worker.preview is None or shown_on is None:
            return
        if (shown_on, worker.decoded_frames) == self._preview_shown:
            return  # the same picture (a still scene is decoded twice a second): no redraw
        self._preview_shown = (shown_on, worker.decoded_frames)
        pixels = worker.preview
        height, width = pixels.shape[:2]
        texture = Texture.create(size=(width, height), colorfmt="rgb")
        texture.blit_buffer(pixels[::-1].tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.manager.get_screen(shown_on).ids.preview.texture = texture

    # -- time ------------------------------------------------------------------------------

    def _tick(self, _dt: float) -> None:
        self.parts.vitals.ticked()
        flow = self.flow
        if flow.screen is Step.BUSY:
            self.slow = time.monotonic() - self._busy_since > SLOW_AFTER
        if flow.screen is Step.DIAGNOSTICS:
            self._update_diagnostics()
        if flow.expired():
            flow.reset()
            self.view = None
            self.refresh()
        if flow.screen is Step.OFFLINE:
            if flow.retry_in() == 0:
                self._after_submit(flow.retry(), asked=False)
            else:
                self._update_retry()
        seconds = flow.warning()
        warning = tr("timeout_warning", flow.language, seconds=seconds) if seconds else ""
        self.warning_text = warning

    def _update_retry(self) -> None:
        left = self.flow.retry_in()
        self.retry_text = (
            ""
            if left is None
            else tr("offline_retry_in", self.flow.language, seconds=math.ceil(left))
        )

    def _on_flip(self, _window: Any) -> None:
        if self._draw_pending is not None:
            self._record("drawn", self._draw_pending, time.monotonic())
            if not self._devices_started:
                self._devices_started = True
                Clock.schedule_once(self._start_devices, 0)
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

    def _on_resize(self, _window: Any, _width: int, _height: int) -> None:
        self._apply_sizes()

    def _apply_sizes(self) -> None:
        """Fonts, buttons and gaps in millimetres of this screen (see :mod:`kiosk._sizes`)."""
        width, height = Window.size
        sizes = sizes_for(
            width,
            height,
            inches=self.kiosk.screen_inches,
            dpi=float(getattr(Window, "dpi", 96.0) or 96.0),
            larger=self.flow.larger_text,
        )
        self.sizes = sizes
        self.font, self.font_title, self.font_status = sizes.body, sizes.title, sizes.status
        self.touch, self.gap, self.pad = sizes.touch, sizes.gap, sizes.pad
        self.portrait = sizes.portrait

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
        # The diagnostics page is Kivy markup: what devices and servers say is escaped.
        self.diag_camera = escape(camera_text)
        self.diag_scanner = escape(scanner_text)
        self.diag_config = escape(str(config_path)) if config_path else tr("diag_defaults", lang)
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
            self._post(lambda: setattr(self, "diag_backend", escape(text)))

        self._chores.submit(check)
