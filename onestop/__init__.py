"""Plumbing shared by every onestop program: configuration, logging and the demo status API."""

__version__ = "0.1.0"

__all__ = ["__version__"]
