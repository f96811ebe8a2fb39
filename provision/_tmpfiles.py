"""What the tmpfiles.d fragments of ``systemd/tmpfiles.d`` ask for, to tell whether applying
them would change anything.

systemd-tmpfiles applies the fragments, at every boot and at provisioning time (with
``--root`` for a staging tree, where it looks users up in the tree's own ``/etc/passwd``), so
that the owners and modes of the configuration and the state directory heal themselves. It
cannot say beforehand whether it would change anything, which a dry run and a second run that
changes nothing need; hence this reading of the fragments. Only what they use is understood:
``d`` (a directory), ``f`` (an empty file when missing) and ``z`` (owner and mode of an
existing path), each with mode, user and group; anything else is refused, so a fragment can
never silently mean more than this check sees.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import PurePosixPath

from provision._errors import ProvisionError
from provision._root import Root

_KINDS = ("d", "f", "z")


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a tmpfiles.d fragment."""

    kind: str
    path: PurePosixPath
    mode: int
    user: str
    group: str

    def describe(self) -> str:
        what = {"d": "directory", "f": "file", "z": "owner and mode of"}[self.kind]
        return f"{what} {self.path} {self.mode:04o} {self.user}:{self.group}"


def parse(text: str, source: str) -> list[Entry]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split()
        where = f"{source}:{number}"
        if len(fields) != 6 or fields[0] not in _KINDS or fields[5] != "-":
            raise ProvisionError(
                f"{where}: only 'd', 'f' and 'z' lines with mode, user, group, "
                f"'-' for age and '-' for argument are understood: {line.strip()}"
            )
        kind, path, mode, user, group = fields[:5]
        if not path.startswith("/") or "-" in (mode, user, group):
            raise ProvisionError(f"{where}: give an absolute path, a mode, a user and a group")
        entries.append(Entry(kind, PurePosixPath(path), int(mode, 8), user, group))
    return entries


def pending(entry: Entry, root: Root) -> bool:
    """Whether applying the entry would change anything (a user that does not exist yet, as
    in a dry run before the users are created, counts as a change)."""
    path = root / entry.path
    try:
        info = path.lstat()
        owner = root.uid(entry.user), root.gid(entry.group)
    except FileNotFoundError:
        return entry.kind != "z"
    except ProvisionError:
        return True
    return (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) != (entry.mode, *owner)
