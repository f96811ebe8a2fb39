"""The languages citizens read: Vietnamese first, English second."""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    """A language code as configuration files, command lines and function arguments use it."""

    VI = "vi"
    EN = "en"
