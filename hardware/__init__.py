"""Adapters for the devices around the appliance, each beside a fake or emulator.

Subpackages, each with its own small public surface:

- :mod:`hardware.barcode`: reading dossier codes out of camera frames (zxing-cpp, zbar-py).
- :mod:`hardware.camera`: frame sources (Kivy core camera, OpenCV, picamera2, image playback).
- :mod:`hardware.scanner`: keyboard-wedge and serial barcode scanners.
- :mod:`hardware.printer`: ESC/POS thermal receipt printers (python-escpos) and a virtual one.
- :mod:`hardware.receipts`: realistic receipt images and camera-like photos of them, for tests,
  benchmarks and the demo.
- :mod:`hardware.modem`: the GSM modem of the SMS daemon (python-gsmmodem-new, one thread).
- :mod:`hardware.modem_sim`: a GSM modem emulator on a pty, with its own PDU codec.
"""
