"""The tree being provisioned: the machine itself (``/``) or a staging tree (``--root``).

Every path the provisioner touches is written as it will be seen on the running unit
(``/etc/onestop/onestop.conf``) and placed under the root here. Users and groups are looked
up in the root's own ``/etc/passwd`` and ``/etc/group``, never in the host's (as
systemd-sysusers and systemd-tmpfiles do with ``--root``): in a staging tree the host's
numbers would be wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from provision._errors import ProvisionError


@dataclass(frozen=True)
class Root:
    """Where ``/`` is, and whether it is the running system."""

    path: Path

    @property
    def is_host(self) -> bool:
        return self.path == Path("/")

    def __truediv__(self, target: str | PurePosixPath) -> Path:
        """The place of an absolute target path inside this root."""
        relative = PurePosixPath(target).relative_to("/")
        return self.path / relative

    def _find(self, database: str, name: str) -> int | None:
        """The number of ``name`` in the root's ``/etc/passwd`` or ``/etc/group``."""
        if name == "root":
            return 0
        try:
            lines = (self / f"/etc/{database}").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            fields = line.split(":")
            if len(fields) >= 3 and fields[0] == name:
                return int(fields[2])
        return None

    def _id(self, database: str, name: str) -> int:
        found = self._find(database, name)
        if found is None:
            raise ProvisionError(f"{name!r} is not in {self / f'/etc/{database}'}")
        return found

    def uid(self, name: str) -> int:
        return self._id("passwd", name)

    def gid(self, name: str) -> int:
        return self._id("group", name)

    def has_user(self, name: str) -> bool:
        return self._find("passwd", name) is not None

    def has_group(self, name: str) -> bool:
        return self._find("group", name) is not None


def write_atomically(path: Path, content: bytes, mode: int) -> None:
    """Replace ``path`` in one step, with ``mode`` from the first byte written: a reader (or a
    power cut) sees the old file or the new one, and a secret is never briefly readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.onestop-new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
