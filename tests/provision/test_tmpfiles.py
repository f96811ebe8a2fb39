"""The tmpfiles.d subset the provisioner applies, checked against systemd-tmpfiles itself."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from provision import ProvisionError, assets_dir
from provision._root import Root
from provision._tmpfiles import Entry, apply, parse, pending
from tests.systemd.fake_sysfs import private_mounts_work

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
    """Users from the shipped sysusers.d fragments, and a configuration with a loose mode."""
    fragments = root / "usr/local/lib/sysusers.d"
    fragments.mkdir(parents=True)
    (root / "etc").mkdir()
    for name in ("onestop.conf", "onestop-smsd.conf"):
        shutil.copy(assets_dir() / "sysusers.d" / name, fragments)
    subprocess.run(
        ["systemd-sysusers", f"--root={root}", "onestop.conf", "onestop-smsd.conf"],
        check=True,
        capture_output=True,
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


@pytest.mark.skipif(
    os.geteuid() != 0 or not private_mounts_work(), reason="needs root and a mount namespace"
)
def test_does_what_systemd_tmpfiles_does(tmp_path: Path) -> None:
    """The same fragments applied by this module to one tree and by systemd-tmpfiles to a
    copy, with the copy's own users shown to it as /etc/passwd and /etc/group in a private
    mount namespace: the same modes and owners."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for root in (ours, theirs):
        _tree(root)
    entries = [
        entry
        for name in FRAGMENTS
        for entry in parse((assets_dir() / "tmpfiles.d" / name).read_text(), name)
    ]
    assert [entry.kind for entry in entries if pending(entry, Root(ours))] == ["z", "f", "d"]
    for entry in entries:
        apply(entry, Root(ours))
        assert not pending(entry, Root(ours))
    fragments = theirs / "usr/local/lib/tmpfiles.d"
    fragments.mkdir(parents=True)
    for name in FRAGMENTS:
        shutil.copy(assets_dir() / "tmpfiles.d" / name, fragments)
    script = (
        'mount --bind "$1/etc/passwd" /etc/passwd && mount --bind "$1/etc/group" /etc/group && '
        'exec systemd-tmpfiles --create --root="$1" ' + " ".join(FRAGMENTS)
    )
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", str(theirs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert _state(ours, entries) == _state(theirs, entries)
    token = ours / "etc/onestop/backend-token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and token.read_bytes() == b""
