"""Benchmarks that print figures; run each as a script, such as ``python bench/kiosk.py``."""
