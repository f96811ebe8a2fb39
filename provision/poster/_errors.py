"""The one error of the poster maker."""

from __future__ import annotations


class PosterError(Exception):
    """The poster cannot be made: a bad option, no usable font, an unwritable file."""
