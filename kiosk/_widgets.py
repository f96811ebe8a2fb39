"""Widgets the screens share: the top bar (technicians' spot, title, larger text, language),
the code keypad, the step tracker, the QR code, the busy spinner."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from dossier import StepState
from kiosk._theme import INK, MUTED
from kiosk._view import Colour, qr_matrix

KEYPAD_ROWS = (
    ("1", "2", "3", "H", ".", "LEFT"),
    ("4", "5", "6", "G", "-", "RIGHT"),
    ("7", "8", "9", "0", "BACKSPACE", "LETTERS"),
)
"""Digits, the letters of agency codes (H: provinces, G: ministries), the separators (the
kiosk puts them in itself where the code needs them), the cursor, and the letter page (only
where the deployment's code families need other letters)."""
LETTER_COLUMNS = 9

PIN_ROWS = (("1", "2", "3", "4", "5", "6"), ("7", "8", "9", "0", "BACKSPACE", "CLEAR"))


KEY_LABELS = {
    "BACKSPACE": "⌫",
    "CLEAR": "C",
    "LEFT": "◀",
    "RIGHT": "▶",
    "LETTERS": "ABC",
    "DIGITS": "123",
}


class KeyButton(Button):
    """One keypad key; ``key`` is what it types (or BACKSPACE, CLEAR)."""

    key = StringProperty("")

    def on_key(self, _instance: KeyButton, key: str) -> None:
        self.text = KEY_LABELS.get(key, key)


class Keypad(GridLayout):
    """Big keys in the layout itself (Kivy's floating keyboard would cover the field).

    ``layout`` is ``code`` or ``pin``; each press dispatches ``on_key`` with the key's name.
    """

    layout = StringProperty("code")
    page = StringProperty("digits")
    letters = StringProperty("")
    """The letters of the letter page; none: no letter page."""

    __events__ = ("on_key",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self._build(), 0)

    def _build(self) -> None:
        self.clear_widgets()
        rows: tuple[tuple[str, ...], ...]
        if self.layout == "pin":
            rows = PIN_ROWS
        elif self.page == "letters":
            keys = (*self.letters, "DIGITS")
            rows = tuple(
                keys[start : start + LETTER_COLUMNS]
                for start in range(0, len(keys), LETTER_COLUMNS)
            )
        else:
            rows = tuple(
                tuple(key for key in row if key != "LETTERS" or self.letters) for row in KEYPAD_ROWS
            )
        self.cols = max(len(row) for row in rows)
        for row in rows:
            for key in row:
                button = KeyButton(key=key)
                button.bind(on_release=lambda button: self.dispatch("on_key", button.key))
                self.add_widget(button)

    def on_page(self, _instance: Keypad, _page: str) -> None:
        self._build()

    def on_letters(self, _instance: Keypad, _letters: str) -> None:
        self._build()

    def on_key(self, key: str) -> None:
        """Default handler; screens bind to it."""


class QrCode(Image):
    """A QR code of ``data``, drawn crisp (nearest-neighbour) at any size."""

    data = StringProperty("")

    def on_data(self, _instance: QrCode, data: str) -> None:
        if not data:
            self.texture = None
            return
        dark = np.asarray(qr_matrix(data), dtype=bool)[::-1]  # textures start at the bottom
        pixels = np.repeat(np.where(dark, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
        texture = Texture.create(size=(dark.shape[1], dark.shape[0]), colorfmt="rgb")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        texture.blit_buffer(pixels.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.texture = texture


class BusySpinner(Widget):
    """An arc that turns while a lookup is under way: proof the screen is alive."""

    angle = NumericProperty(0)
    active = BooleanProperty(False)

    def on_active(self, _instance: BusySpinner, active: bool) -> None:
        Clock.unschedule(self._turn)
        if active:
            Clock.schedule_interval(self._turn, 1 / 30)

    def _turn(self, dt: float) -> None:
        self.angle = (self.angle - 360 * dt) % 360


class LongPressCorner(ButtonBehavior, Widget):
    """An invisible corner; holding it for ``hold`` seconds dispatches ``on_long_press``."""

    hold = NumericProperty(3.0)

    __events__ = ("on_long_press",)

    def on_press(self) -> None:
        Clock.unschedule(self._fire)
        Clock.schedule_once(self._fire, self.hold)

    def on_release(self) -> None:
        Clock.unschedule(self._fire)

    def _fire(self, _dt: float) -> None:
        self.dispatch("on_long_press")

    def on_long_press(self) -> None:
        """Default handler; the app binds to it."""


class TopBar(BoxLayout):
    """The bar at the top of every screen: the technicians' marked spot (a small dot, held
    for three seconds), the title, the larger-text and language buttons. Being a cell of the
    bar, the spot can never lie over a button."""

    title = StringProperty("")


class FitLabel(Label):
    """One line of text (the code being typed) whose font shrinks so that it always fits."""

    largest = NumericProperty(40)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(width=self._fit, text=self._fit, largest=self._fit)
        self.bind(texture_size=lambda _widget, size: setattr(self, "height", size[1]))

    def _fit(self, *_args: Any) -> None:
        shown = len(re.sub(r"\[/?[a-z]+[^\]]*\]", "", self.text)) or 1
        room = max(1.0, self.width - 2 * self.padding[0])
        self.font_size = min(self.largest, room / (shown * 0.62))
        self.text_size = (room, None)
        self.texture_update()
        self.height = self.texture_size[1]


STEP_GLYPHS = {
    StepState.DONE: "✓",
    StepState.CURRENT: "●",
    StepState.WAITING: "",
    StepState.STOPPED: "✗",
}
GREY = (0.7, 0.73, 0.77, 1.0)
STOPPED_RED = (0.72, 0.11, 0.11, 1.0)


class StepDot(Widget):
    """One step of the tracker: a dot on the line joining the steps."""

    colour = ListProperty([0.0, 0.0, 0.0, 1.0])
    glyph = StringProperty("")
    first = BooleanProperty(False)
    last = BooleanProperty(False)


class StepTracker(BoxLayout):
    """Tiếp nhận → Đang xử lý → Có kết quả → Đã trả, with where this dossier stands.

    Its dots and labels are made once and updated for each result: making them again for
    every result cost a few milliseconds of the time from a scan to the result on screen.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._steps: list[tuple[StepDot, Label]] = []
        self.bind(minimum_height=self.setter("height"))

    def show(self, steps: tuple[tuple[str, StepState], ...], colour: Colour, font: float) -> None:
        """``steps`` as (label, state) pairs, drawn in ``colour`` up to where the dossier is."""
        if len(steps) != len(self._steps):
            self._build(len(steps))
        for (label, state), (dot, text) in zip(steps, self._steps, strict=True):
            dot.colour = {StepState.STOPPED: STOPPED_RED, StepState.WAITING: GREY}.get(
                state, colour
            )
            dot.glyph = STEP_GLYPHS[state]
            dot.height = font * 1.6
            text.text = label
            text.font_size = font
            text.bold = state in (StepState.CURRENT, StepState.STOPPED)
            text.color = INK if state is not StepState.WAITING else MUTED

    def _build(self, count: int) -> None:
        self.clear_widgets()
        self._steps = []
        for index in range(count):
            column = BoxLayout(orientation="vertical", size_hint_y=None)
            dot = StepDot(first=index == 0, last=index == count - 1, size_hint_y=None)
            text = Label(halign="center", valign="top", size_hint_y=None)
            text.bind(width=lambda widget, width: setattr(widget, "text_size", (width, None)))
            text.bind(texture_size=lambda widget, size: setattr(widget, "height", size[1]))
            column.add_widget(dot)
            column.add_widget(text)
            column.bind(minimum_height=column.setter("height"))
            self.add_widget(column)
            self._steps.append((dot, text))
