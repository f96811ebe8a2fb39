"""The Kivy language files of the kiosk, one per screen, shipped as package data."""
