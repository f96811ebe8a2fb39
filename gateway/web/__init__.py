"""The citizen lookup page the gateway serves at ``/tra-cuu``: templates, words and routes."""

from gateway.web._pages import (
    PAGE_PATH,
    Found,
    KeyNeeded,
    Limited,
    Lookup,
    LookupPages,
    NotFound,
    Outcome,
    Retired,
    Unavailable,
)
from gateway.web._view import ResultCard, result_card

__all__ = [
    "PAGE_PATH",
    "Found",
    "KeyNeeded",
    "Limited",
    "Lookup",
    "LookupPages",
    "NotFound",
    "Outcome",
    "ResultCard",
    "Retired",
    "Unavailable",
    "result_card",
]
