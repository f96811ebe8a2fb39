"""The citizen lookup page the gateway serves at ``/tra-cuu``: templates, words and routes."""

from gateway.web._pages import PAGE_PATH, LookupPages
from gateway.web._view import ResultCard, result_card

__all__ = ["PAGE_PATH", "LookupPages", "ResultCard", "result_card"]
