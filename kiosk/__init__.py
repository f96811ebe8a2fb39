"""The lobby kiosk: a citizen shows a receipt's QR code or barcode, or types the code, and reads
where the dossier stands.

The Kivy application itself lives in :mod:`kiosk._app` and is started by :mod:`kiosk.cli`
(``onestop-kiosk``), which configures Kivy first. The names exported here need no window: the
state and rules (:class:`KioskFlow`), what a result says (:func:`result_view`), the string
catalog and the PIN hash.
"""

from kiosk._flow import KioskFlow, Screen, Timeouts
from kiosk._pin import check_pin, hash_pin
from kiosk._strings import CATALOG, LANGUAGES, tr
from kiosk._view import BADGES, ResultView, result_view

__all__ = [
    "BADGES",
    "CATALOG",
    "LANGUAGES",
    "KioskFlow",
    "ResultView",
    "Screen",
    "Timeouts",
    "check_pin",
    "hash_pin",
    "result_view",
    "tr",
]
