"""The status gateway: the status API a province runs in front of its one-stop systems."""
