"""Colours and fonts shared by every screen (referenced from the .kv files)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

INK = (0.1, 0.12, 0.15, 1.0)
MUTED = (0.33, 0.37, 0.42, 1.0)
PAPER = (0.96, 0.97, 0.98, 1.0)
PRIMARY = (0.05, 0.28, 0.63, 1.0)
WARNING = (0.6, 0.29, 0.0, 1.0)
BUTTON = (0.85, 0.88, 0.92, 1.0)

_spec = importlib.util.find_spec("kivy")
_locations = list(_spec.submodule_search_locations or []) if _spec else []
ICON_FONT = str(Path(_locations[0]) / "data" / "fonts" / "DejaVuSans.ttf") if _locations else ""
"""DejaVu Sans, bundled with Kivy: it has the status icons (✓ ⚠ ★ ⌫) that Roboto lacks."""
