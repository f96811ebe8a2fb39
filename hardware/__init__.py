"""Devices at the edge of the appliance, each behind a small interface with an emulator."""
