"""Widgets the screens share: the code keypad, the QR code, the busy spinner, the corner that
opens the technicians' page."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from kiosk._view import qr_matrix

KEYPAD_ROWS = (
    ("1", "2", "3", "H", "."),
    ("4", "5", "6", "G", "-"),
    ("7", "8", "9", "0", "BACKSPACE"),
)
"""Digits, the letters of agency codes (H: provinces, G: ministries), the separators."""

PIN_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("CLEAR", "0", "BACKSPACE"))


KEY_LABELS = {"BACKSPACE": "⌫", "CLEAR": "C"}


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
    key_height = NumericProperty(72)

    __events__ = ("on_key",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self._build(), 0)

    def _build(self) -> None:
        rows = PIN_ROWS if self.layout == "pin" else KEYPAD_ROWS
        self.cols = len(rows[0])
        for row in rows:
            for key in row:
                button = KeyButton(key=key)
                button.bind(on_release=lambda button: self.dispatch("on_key", button.key))
                self.add_widget(button)

    def on_key(self, key: str) -> None:
        """Default handler; screens bind to it."""


class QrCode(Image):
    """A QR code of ``data``, drawn crisp (nearest-neighbour) at any size."""

    data = StringProperty("")

    def on_data(self, _instance: QrCode, data: str) -> None:
        if not data:
            self.texture = None
            return
        matrix = qr_matrix(data)
        size = len(matrix)
        pixels = bytes(
            value
            for row in reversed(matrix)
            for cell in row
            for value in ((0, 0, 0) if cell else (255, 255, 255))
        )
        texture = Texture.create(size=(size, size), colorfmt="rgb")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        texture.blit_buffer(pixels, colorfmt="rgb", bufferfmt="ubyte")
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
