"""The tmpfiles.d subset the provisioner reads, checked against what systemd-tmpfiles does."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from provision import ProvisionError, Run, assets_dir
from provision._root import Root
from provision._steps import TmpFiles
from provision._tmpfiles import Entry, parse, pending

FRAGMENTS = ("onestop.conf", "onestop-smsd.conf")


def test_parses_the_shipped_fragments() -> None:
    entries = [
        entry
        for name in FRAGMENTS
        for entry in parse((assets_dir() / "tmpfiles.d" / name).read_text(), name)
    ]
    assert Entry("f", PurePosixPath("/etc/onestop/backend-token"), 0o600, "root", "root") in entries
    assert (
        Entry("z", PurePosixPath("/etc/onestop/onestop.conf"), 0o640, "root", "onestop") in entries
    )


@pytest.mark.parametrize(
    "line",
    [
        "L /etc/onestop/link - - - - /tmp",  # a type it does not know
        "d /var/lib/onestop 0755 onestop-smsd onestop-smsd 10d",  # an age
        "f /etc/onestop/token 0600 root root - secret",  # an argument
        "d relative/path 0755 root root -",
        "d /etc/onestop - root root -",
        "d /etc/onestop 0755",
    ],
)
def test_refuses_what_it_does_not_understand(line: str) -> None:
    with pytest.raises(ProvisionError, match=r"x\.conf:2"):
        parse(f"# comment\n{line}\n", "x.conf")


def _tree(root: Path) -> None:
    """Users from the shipped sysusers.d fragments, the tmpfiles.d fragments where the
    provisioner installs them, and a configuration with a loose mode."""
    for kind in ("sysusers.d", "tmpfiles.d"):
        fragments = root / "usr/local/lib" / kind
        fragments.mkdir(parents=True)
        for name in FRAGMENTS:
            shutil.copy(assets_dir() / kind / name, fragments)
    (root / "etc").mkdir()
    subprocess.run(
        ["systemd-sysusers", f"--root={root}", *FRAGMENTS], check=True, capture_output=True
    )
    (root / "etc/onestop").mkdir()
    (root / "etc/onestop/onestop.conf").write_text("[backend]\n")
    (root / "etc/onestop/onestop.conf").chmod(0o666)


def _state(root: Path, entries: list[Entry]) -> list[tuple[str, int, int, int]]:
    found = []
    for entry in entries:
        info = (root / entry.path.relative_to("/")).lstat()
        found.append((str(entry.path), info.st_mode, info.st_uid, info.st_gid))
    return found


def _asked(root: Root, entries: list[Entry]) -> list[tuple[str, int, int, int]]:
    """The state the entries ask for, with the tree's own user and group numbers."""
    kinds = {"d": stat.S_IFDIR, "f": stat.S_IFREG, "z": stat.S_IFREG}
    return [
        (
            str(entry.path),
            kinds[entry.kind] | entry.mode,
            root.uid(entry.user),
            root.gid(entry.group),
        )
        for entry in entries
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="setting owners needs root")
def test_pending_until_systemd_tmpfiles_has_applied_them(tmp_path: Path) -> None:
    """The fragments applied by the provisioner's step (systemd-tmpfiles with ``--root``) to
    a tree whose users exist only in the tree: what was pending before is done after, with
    the tree's own user numbers, and nothing is pending any more."""
    _tree(tmp_path)
    root = Root(tmp_path)
    entries = [
        entry
        for name in FRAGMENTS
        for entry in parse((assets_dir() / "tmpfiles.d" / name).read_text(), name)
    ]
    assert [entry.kind for entry in entries if pending(entry, root)] == ["z", "f", "d"]
    step = TmpFiles(FRAGMENTS, tuple(entries))
    done = step.apply(Run(root))
    assert len(done) == 3
    for entry in entries:
        assert not pending(entry, root)
    assert not step.pending(Run(root))
    assert _state(tmp_path, entries) == _asked(root, entries)
    token = tmp_path / "etc/onestop/backend-token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and token.read_bytes() == b""
