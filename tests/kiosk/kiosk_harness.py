"""Runs the real kiosk app in a real X window and obeys a test over stdin/stdout (JSON lines).

The test process sends commands; this process answers each with one JSON line. Input reaches
the app as real X events through ``xdotool`` (mouse clicks become Kivy touches, typed keys go
through SDL like a USB keyboard-wedge scanner's), so the app's whole input path is exercised.
Reading state and taking screenshots run on Kivy's main thread via ``Clock``.

Nothing here depends on how fast the machine is. An input command answers only once the app
has dispatched every event it made (:class:`InputCount`), so the next command sees its effect.
While ``xdotool`` types, the app's clock stands still (:class:`HarnessClock`): on a loaded
machine ``xdotool`` can stall for longer than a scanner's gap between keys, which would split
one scan in two. Timeouts are reached by moving that clock on, not by waiting them out.

Usage: python kiosk_harness.py CONFIG WxH [--fullscreen] [PICTURE...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import cli
from onestop.config import load_config


def main() -> None:
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1, all_threads=True)
    config_path, size_text, *rest = sys.argv[1:]
    fullscreen = "--fullscreen" in rest
    pictures = [Path(item) for item in rest if not item.startswith("--")]
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the reply stream
    config = load_config(config_path)
    width, height = (int(part) for part in size_text.split("x"))
    cli.prepare_kivy(
        config.kiosk.state_dir,
        fullscreen=fullscreen,
        size=(width, height),
        lockdown=config.kiosk.lockdown,
    )
    parts, closers = cli.build_parts(config, demo=False)
    parts.clock = HarnessClock()
    from hardware.camera import PlaybackSource

    parts.camera = PlaybackSource(pictures) if pictures else None
    if not pictures:
        parts.camera_error = "no camera in this test"
    from kiosk._app import KioskApp

    app = KioskApp(parts)
    threading.Thread(target=_serve, args=(app, replies, fullscreen), daemon=True).start()
    try:
        app.run()
    finally:
        for close in reversed(closers):
            close()
    replies.write(json.dumps({"ok": True, "stopped": True}) + "\n")


class HarnessClock:
    """``time.monotonic``, except that the harness can stop it and move it on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._held: float | None = None

    def __call__(self) -> float:
        with self._lock:
            return self._held if self._held is not None else time.monotonic() + self._offset

    def hold(self) -> None:
        now = self()
        with self._lock:
            self._held = now

    def release(self) -> None:
        """Run on from where it stood: the time it was held does not count."""
        with self._lock:
            if self._held is not None:
                self._offset = self._held - time.monotonic()
                self._held = None

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
            if self._held is not None:
                self._held += seconds


class InputCount:
    """How many touches, characters and keys the window has dispatched.

    Bound after the app's own handlers, so it is called first; the app's handlers then run in
    the same dispatch, before any later command is handled on the UI thread.
    """

    def __init__(self) -> None:
        self.down = self.up = self.moves = self.chars = self.keys = self.enters = 0

    def bind(self, window: Any) -> None:
        window.bind(
            on_touch_down=lambda *_args: self._add("down", 1),
            on_touch_up=lambda *_args: self._add("up", 1),
            on_touch_move=lambda *_args: self._add("moves", 1),
            on_textinput=lambda _window, text: self._add("chars", len(text)),
            on_key_down=self._key,
        )

    def _key(self, _window: Any, key: int, *_args: Any) -> None:
        self.keys += 1
        self.enters += key in (13, 271)

    def _add(self, name: str, count: int) -> None:
        setattr(self, name, getattr(self, name) + count)

    def snapshot(self) -> dict[str, int]:
        names = ("down", "up", "moves", "chars", "keys", "enters")
        return {name: getattr(self, name) for name in names}


COUNT = InputCount()


def _dispatched(before: dict[str, int], **more: int) -> None:
    """Wait until the window has dispatched ``more`` events of each kind since ``before``."""
    deadline = time.monotonic() + 30
    while True:
        now = _on_main(COUNT.snapshot)
        if all(now[name] >= before[name] + count for name, count in more.items()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not receive the input: {before} -> {now}, {more}")
        time.sleep(0.01)  # polling the UI thread, not a pause before an assertion


def _on_main(function: Callable[[], Any], timeout: float = 20.0) -> Any:
    from kivy.clock import Clock

    done = threading.Event()
    box: dict[str, Any] = {}

    def run(_dt: float) -> None:
        try:
            box["value"] = function()
        except Exception as exc:  # reported to the test, which fails with it
            box["error"] = f"{exc!r}\n{traceback.format_exc()}"
        done.set()

    Clock.schedule_once(run, 0)
    if not done.wait(timeout):
        raise TimeoutError("the UI thread did not answer")
    if "error" in box:
        raise RuntimeError(box["error"])
    return box.get("value")


def _shown(widget: Any, screen: Any) -> bool:
    node = widget
    while node is not None and node is not screen:
        if node.opacity == 0:
            return False
        node = node.parent
    return bool(widget.width > 1 and widget.height > 1)


def _visible_labels(app: Any) -> list[Any]:
    from kivy.uix.label import Label

    screen = app.manager.current_screen
    return [
        widget
        for widget in screen.walk(restrict=True)
        if isinstance(widget, Label) and widget.text.strip() and _shown(widget, screen)
    ]


Box = tuple[float, float, float, float]


def _window_box(widget: Any) -> Box:
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def _intersect(one: Box, other: Box) -> Box:
    return (
        max(one[0], other[0]),
        max(one[1], other[1]),
        min(one[2], other[2]),
        min(one[3], other[3]),
    )


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _overflow(app: Any) -> list[str]:
    """What is wrong with the layout of the current screen, in words.

    Every visible label's text fits its box (nothing clipped); every visible widget lies in its
    parent and in the window, except where a scroll view shows part of a longer page (then
    what it shows of the widget counts); and no two visible widgets overlap, except a widget
    and what it contains.
    """
    from kivy.core.window import Window
    from kivy.uix.button import Button
    from kivy.uix.image import Image
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from kiosk._widgets import LongPressCorner, StepDot

    screen = app.manager.current_screen
    window: Box = (0.0, 0.0, float(Window.width), float(Window.height))
    problems = []
    leaves: list[tuple[Any, Box]] = []
    for widget in screen.walk(restrict=True):
        if widget is screen or not _shown(widget, screen):
            continue
        name = repr(getattr(widget, "text", "") or type(widget).__name__)[:60]
        box, seen, node = _window_box(widget), window, widget.parent
        while node is not None and node is not screen:
            if isinstance(node, ScrollView):
                seen = _intersect(seen, _window_box(node))
            node = node.parent
        if _area(_intersect(box, seen)) == 0:
            continue  # scrolled out of view
        parent = widget.parent
        if parent is not None and parent is not screen and not isinstance(parent, ScrollView):
            outer = _window_box(parent)
            if _area(_intersect(box, outer)) < _area(box) - 2:
                problems.append(f"{name}: sticks out of its {type(parent).__name__}")
        shown = _intersect(box, seen)
        if _area(shown) < _area(_intersect(box, window)) - 1 and seen == window:
            problems.append(f"{name}: outside the window")
        if isinstance(widget, Label) and widget.text.strip():
            # Only a label whose new text or size is not drawn yet is rendered here: forcing
            # every one drew each label again and the whole window with it, twice a screen.
            if widget._trigger_texture.is_triggered:
                widget.texture_update()
            text_w, text_h = widget.texture_size
            if text_w > widget.width + 2 or text_h > widget.height + 2:
                problems.append(
                    f"{name}: text {text_w:.0f}x{text_h:.0f} in a box of "
                    f"{widget.width:.0f}x{widget.height:.0f}"
                )
        if isinstance(widget, Button | Image | LongPressCorner | StepDot) or (
            isinstance(widget, Label) and widget.text.strip()
        ):
            leaves.append((widget, shown))
    for index, (one, one_box) in enumerate(leaves):
        for other, other_box in leaves[index + 1 :]:
            if _contains(one, other) or _contains(other, one):
                continue
            if _area(_intersect(one_box, other_box)) > 4:
                problems.append(
                    f"{repr(getattr(one, 'text', '') or type(one).__name__)[:40]} overlaps "
                    f"{repr(getattr(other, 'text', '') or type(other).__name__)[:40]}"
                )
    return problems


def _contains(outer: Any, inner: Any) -> bool:
    """Whether ``inner`` lies inside ``outer`` in the tree (the window is its own parent)."""
    node = inner.parent
    while node is not None and node is not node.parent:
        if node is outer:
            return True
        node = node.parent
    return False


def _labels_alive(text: str) -> int:
    """How many labels made since start-up, shown or thrown away but not yet freed, hold ``text``.

    Labels made while starting are frozen out of the collector (see the app) and not counted.
    """
    import gc

    from kivy.uix.label import Label

    # type(), not isinstance(): the latter asks a dead Kivy weak proxy for its class and fails.
    return sum(
        1 for item in gc.get_objects() if issubclass(type(item), Label) and text in item.text
    )


def _state(app: Any) -> dict[str, Any]:
    from kivy.core.window import Window

    from kiosk._widgets import KeyButton

    keys = [w for w in app.manager.current_screen.walk() if isinstance(w, KeyButton)]
    spinner = app.manager.get_screen("busy").ids.spinner
    scroll = app.manager.get_screen("result").ids.scroll
    return {
        "screen": app.screen,
        "lang": app.lang,
        "entry": app.entry,
        "hint": app.hint,
        "hint_wrong": app.hint_wrong,
        "texts": [label.text for label in _visible_labels(app)],
        "window": list(Window.size),
        "cursor": bool(Window.show_cursor),
        "spinner_angle": spinner.angle,
        "smallest_key": min((min(key.size) for key in keys), default=None),
        "px_per_mm": app.sizes.px_per_mm,
        "warning": app.warning_text,
        "ratings_sent": app.ratings.sent,
        "ratings_pending": len(app.ratings.queue.pending()),
        "font": app.font,
        "font_status": app.font_status,
        "touch": app.touch,
        "gap": app.gap,
        "flow_entry": app.flow.entry,
        "flow_screen": str(app.flow.screen),
        "has_result": app.flow.dossier is not None,
        "event_count": app.event_count,
        "result_scroll": {"y": scroll.scroll_y, "height": scroll.height},
    }


def _find(app: Any, target: dict[str, Any]) -> Any:
    from kiosk._widgets import KeyButton, LongPressCorner

    screen = app.manager.current_screen
    if target.get("corner"):
        return next(widget for widget in screen.walk() if isinstance(widget, LongPressCorner))
    if "key" in target:
        keys = [w for w in screen.walk() if isinstance(w, KeyButton) and w.key == target["key"]]
        return keys[0]
    if target["id"] in screen.ids:
        return screen.ids[target["id"]]
    return next(w.ids[target["id"]] for w in screen.walk() if target["id"] in getattr(w, "ids", {}))


def _screen_point(app: Any, target: dict[str, Any]) -> tuple[int, int]:
    """Where on the X screen the target's centre is, scrolled into view first (as a citizen
    swipes a long result up to reach the buttons at its end).

    One trip to the UI thread for a widget outside any scroll view; a scrolled one waits a
    frame for the scroll view to lay its page out. Each trip waits for a frame, which on a
    large window drawn in software is tens of milliseconds.
    """
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    def point() -> tuple[int, int]:
        widget = _find(app, target)
        x, y = widget.to_window(*widget.center)
        return int(Window.left + x), int(Window.top + Window.height - y)

    def scroll() -> tuple[int, int] | None:
        widget = _find(app, target)
        node, scrolled = widget.parent, False
        while node is not None and node is not node.parent:
            if isinstance(node, ScrollView):
                node.scroll_to(widget, padding=10, animate=False)
                scrolled = True
            node = node.parent
        return None if scrolled else point()

    found: tuple[int, int] | None = _on_main(scroll)
    if found is None:
        _on_main(lambda: None)  # the scroll view lays its page out on the next frame
        found = _on_main(point)
    return found


def _xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=30)


CLICK = ("click", "--delay", "0", "1")
"""A click without xdotool's default 100 ms pause after it (the harness waits instead for the
window to dispatch the touch)."""


INPUTS = ("tap", "drag", "hold", "type", "key", "show", "clear", "home", "advance")


def _handle(app: Any, command: dict[str, Any]) -> Any:
    op = command["op"]
    if op in INPUTS:
        mark, before = _on_main(lambda: (app.event_count, COUNT.snapshot()))
        _act(app, command, mark, before)
        return mark
    return _query(app, command)


def _act(app: Any, command: dict[str, Any], mark: int, before: dict[str, int]) -> None:
    op = command["op"]
    if op == "tap":
        x, y = _screen_point(app, command)
        _xdotool("mousemove", str(x), str(y), *CLICK)
        _dispatched(before, down=1, up=1)
    elif op == "drag":  # a finger put down, moved by (dx, dy) pixels in steps, lifted
        x, y = _screen_point(app, command)
        _xdotool("mousemove", str(x), str(y), "mousedown", "1")
        try:
            _dispatched(before, down=1)
            steps = command.get("steps", 4)
            for step in range(1, steps + 1):
                moved_x = x + command.get("dx", 0) * step // steps
                moved_y = y + command.get("dy", 0) * step // steps
                _xdotool("mousemove", str(moved_x), str(moved_y))
                # Each step waits for the window: Kivy moves one touch object, so steps that
                # arrive in one frame are all seen at the last step's place, the first too.
                _dispatched(before, moves=step)
        finally:
            _xdotool("mouseup", "1")
        _dispatched(before, down=1, up=1)
    elif op == "hold":  # a finger held down until the app shows ``until``, then lifted
        x, y = _screen_point(app, command)
        _xdotool("mousemove", str(x), str(y), "mousedown", "1")
        try:
            _dispatched(before, down=1)
            _wait_screen(app, command["until"], since=mark, within=command.get("within", 20.0))
        finally:
            _xdotool("mouseup", "1")
        _dispatched(before, down=1, up=1)
    elif op == "type":
        clock = app.parts.clock
        clock.hold()
        try:
            text, delay = command["text"], str(command.get("delay", 5))
            if command.get("stall"):  # xdotool held up halfway, as on a loaded machine
                _xdotool("type", "--delay", delay, text[: len(text) // 2])
                time.sleep(command["stall"])  # the stall is the input itself
                text = text[len(text) // 2 :]
            _xdotool("type", "--delay", delay, text)
            if command.get("enter"):
                _xdotool("key", "Return")
            _dispatched(before, chars=len(command["text"]), enters=1 if command.get("enter") else 0)
        finally:
            clock.release()
    elif op == "key":
        _xdotool("key", command["name"])
        _dispatched(before, keys=1)
    elif op == "show":
        _on_main(lambda: app.parts.camera.show(app.parts.camera.pictures[command["index"]]))
    elif op == "clear":  # the receipt taken away from the camera
        _on_main(app.parts.camera.clear)
    elif op == "home":  # what inactivity does: back to idle, code, result and language forgotten

        def reset() -> None:
            app.flow.reset()
            app.refresh()

        _on_main(reset)
    elif op == "advance":  # time passing without a touch: the next tick sees it
        app.parts.clock.advance(command["seconds"])


def _wait_screen(app: Any, want: str, *, since: int, within: float) -> dict[str, Any]:
    """The state once ``want`` is the screen, and the last one drawn after event ``since``."""
    deadline = time.monotonic() + within
    while True:
        state = _on_main(lambda: _state(app))
        drawn = [event[2] for event in app.events if event[0] > since and event[1] == "drawn"]
        if state["screen"] == state["flow_screen"] == want and drawn and drawn[-1] == want:
            # An overflow counts when it is still there a frame later: a label can be
            # caught between getting its new text and its new size.
            first = _on_main(lambda: _overflow(app))
            second = _on_main(lambda: _overflow(app)) if first else []
            return {**state, "overflow": [item for item in first if item in second]}
        if time.monotonic() > deadline:
            raise TimeoutError(f"screen {want!r} not shown; still on {state['screen']!r}")
        time.sleep(0.02)  # polling the UI thread, not a pause before an assertion


def _query(app: Any, command: dict[str, Any]) -> Any:
    op = command["op"]
    if op == "state":
        return _on_main(lambda: _state(app))
    if op == "wait":
        return _wait_screen(
            app, command["screen"], since=command.get("since", 0), within=command.get("within", 10)
        )
    if op == "wait_event":
        deadline = time.monotonic() + command.get("within", 10.0)
        kind, value = command["kind"], command["value"]
        while time.monotonic() < deadline:
            events = _on_main(lambda: list(app.events))
            for event in events:
                if event[0] <= command.get("since", 0) or event[1] != kind:
                    continue
                if event[2] == value or (command.get("contains") and value in event[2]):
                    return list(event)
            time.sleep(0.02)  # polling the UI thread, not a pause before an assertion
        raise TimeoutError(f"no {kind} event for {value!r}")
    if op == "resize":
        return _resize(app, tuple(command["size"]), command["inches"])
    if op == "request_close":
        return _on_main(lambda: app.root_window.dispatch("on_request_close"))
    if op == "screenshot":
        path = Path(command["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        _on_main(lambda: app.root.export_to_png(str(path)))
        return str(path)
    if op == "events":
        return _on_main(lambda: list(app.events))
    if op == "labels_alive":
        return _on_main(lambda: _labels_alive(command["text"]))
    if op == "quit":
        _on_main(app.stop)
        return None
    raise ValueError(f"unknown command {op!r}")


def _resize(app: Any, size: tuple[int, int], inches: float) -> list[int]:
    """Move the running app to another screen: its window to ``size``, ``[kiosk]
    screen_inches`` to ``inches``; returns the window's size once a frame of it is drawn.

    One app visiting every lobby screen size costs one start-up, not six.
    """
    import dataclasses

    from kivy.core.window import Window

    def resize() -> int:
        app.kiosk = dataclasses.replace(app.kiosk, screen_inches=inches)
        Window.size = size
        app._apply_sizes()  # the same as on_resize, also when the size did not change
        app.flow.reset()
        app.refresh()
        return int(app.event_count)

    since = _on_main(resize)
    deadline = time.monotonic() + 20
    while True:
        shown = _on_main(lambda: [list(Window.size), app.screen])
        drawn = [event for event in app.events if event[0] > since and event[1] == "drawn"]
        if tuple(shown[0]) == size and drawn:
            return list(shown[0])
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window did not become {size}: {shown}")
        time.sleep(0.02)  # polling the UI thread, not a pause before an assertion


def _ready(app: Any, fullscreen: bool) -> bool:
    kinds = {event[1] for event in app.events}
    return "drawn" in kinds and (not fullscreen or "window" in kinds)


def _serve(app: Any, replies: Any, fullscreen: bool) -> None:
    from kivy.app import App

    while App.get_running_app() is None or not app.event_count:
        time.sleep(0.02)  # the app is still starting; nothing to wait on before it exists
    while not _on_main(lambda: _ready(app, fullscreen)):
        time.sleep(0.02)  # first frame (and, full screen, the window's final size) pending
    from kivy.core.window import Window

    _on_main(lambda: COUNT.bind(Window))
    replies.write(json.dumps({"ok": True, "ready": True}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        try:
            reply = {"ok": True, "value": _handle(app, command)}
        except Exception as exc:  # reported to the test, which fails with it
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        if command["op"] == "quit":
            return


if __name__ == "__main__":
    main()
