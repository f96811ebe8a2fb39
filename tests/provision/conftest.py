from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

Snapshot = dict[str, tuple[object, ...]]


def snapshot(root: Path) -> Snapshot:
    """Every path in the tree with its type, mode, owner, content (or link) and times."""
    entries: Snapshot = {}
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(directory) / name
            info = path.lstat()
            if path.is_symlink():
                content: object = str(path.readlink())
            elif path.is_file():
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = None
            entries[str(path.relative_to(root))] = (
                info.st_mode, info.st_uid, info.st_gid, content, info.st_mtime_ns
            )  # fmt: skip
    return entries


def provision(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed ``onestop-provision`` command."""
    return subprocess.run(
        [Path(sys.prefix) / "bin" / "onestop-provision", *[str(arg) for arg in args]],
        capture_output=True,
        text=True,
        check=False,
    )


@dataclass(frozen=True)
class Staged:
    root: Path
    first: subprocess.CompletedProcess[str]
    tree: Snapshot
    """The tree right after the first run."""


@pytest.fixture(scope="session")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Staged:
    """``onestop-provision all`` into an empty staging tree, as for an image: the whole run,
    with the package built from this checkout into /opt/onestop (without its dependencies,
    which only take time here)."""
    if os.geteuid() != 0:
        pytest.skip("provisioning sets file owners: run the tests as root")
    root = tmp_path_factory.mktemp("staged")
    first = provision("all", "--root", root, "--pip-option=--no-deps")
    assert first.returncode == 0, first.stdout + first.stderr
    return Staged(root, first, snapshot(root))
