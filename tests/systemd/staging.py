"""Staging trees for checking the shipped units and rules with systemd's own tools, which
run here without systemd as PID 1."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

from provision import UNITS, assets_dir

EXEC_KEYS = ("ExecStart=", "ExecStartPre=", "ExecStartPost=", "ExecReload=", "ExecStop=")


def commands(unit_text: str) -> list[PurePosixPath]:
    """The programs a unit runs (the first word of each Exec line, without its prefixes)."""
    found = []
    for line in unit_text.splitlines():
        if line.startswith(EXEC_KEYS):
            word = line.split("=", 1)[1].split()[0].lstrip("-@:+!")
            found.append(PurePosixPath(word))
    return found


def _provide(root: Path, command: PurePosixPath) -> None:
    """Put ``command`` into the tree: the host's own program for system tools, this
    environment's for onestop's commands; a stand-in script only for a command whose part of
    the project is not in this checkout."""
    target = root / command.relative_to("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if command.parts[:3] == ("/", "opt", "onestop"):
        ours = Path(sys.prefix) / "bin" / command.name
        if ours.exists():
            shutil.copy(ours, target)
        else:
            target.write_text("#!/bin/sh\nexit 0\n")
            target.chmod(0o755)
        return
    shutil.copy(Path(str(command)).resolve(), target)


def unit_root(root: Path) -> Path:
    """A tree with systemd's own units (targets the ours depend on), ours installed where
    onestop-provision puts them, and every program they run."""
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    (root / "bin").symlink_to("usr/bin")  # merged /usr, as on Debian
    units = root / "usr/local/lib/systemd/system"
    units.mkdir(parents=True)
    for name in UNITS.values():
        text = (assets_dir() / "system" / name).read_text()
        (units / name).write_text(text)
        for command in commands(text):
            _provide(root, command)
    return root


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", *[str(arg) for arg in args]],
        capture_output=True,
        text=True,
        check=False,
        env={"SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0", "PATH": "/usr/bin:/bin"},
    )
