"""The steps of provisioning, each one safe to repeat.

A step first says whether it has anything to do (:meth:`Step.pending`), so that a second run
changes nothing and ``--dry-run`` can tell what a real run would do; then it does it
(:meth:`Step.apply`) and returns what it did, in lines a technician reads.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from provision import _tmpfiles
from provision._errors import ProvisionError
from provision._root import Root, write_atomically


@dataclass
class Run:
    """What a provisioning run works on, and what it has changed so far."""

    root: Root
    changed: list[PurePosixPath] = field(default_factory=list)
    would_change: bool = False
    """In a dry run: an earlier step had something to do."""

    def changed_under(self, directory: str) -> bool:
        return any(path.is_relative_to(directory) for path in self.changed)

    def systemctl(self, *args: str) -> list[str]:
        """``systemctl`` for this root: the running systemd, or the staged tree offline."""
        return ["systemctl", *([] if self.root.is_host else [f"--root={self.root.path}"]), *args]


_QUIET = {"SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0", "DEBIAN_FRONTEND": "noninteractive"}


def run_command(argv: Sequence[str | os.PathLike[str]]) -> str:
    """Run a command; its output, or a ProvisionError that quotes it."""
    printable = " ".join(str(arg) for arg in argv)
    try:
        # No shell; the arguments are this module's own commands, paths and unit names.
        done = subprocess.run(  # noqa: S603
            [str(arg) for arg in argv],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **_QUIET},
        )
    except FileNotFoundError:
        raise ProvisionError(f"{argv[0]} is not installed (needed for: {printable})") from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        raise ProvisionError(f"{printable} failed (exit {done.returncode}):\n{output}")
    return (done.stdout + done.stderr).strip()


def _query(argv: Sequence[str]) -> str:
    """What a command asked a question printed, whatever its exit status; nothing when it is
    not installed."""
    try:
        # No shell; the arguments are this module's own commands and unit names.
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        return ""
    return done.stdout.strip()


class Step(abc.ABC):
    """One thing a provisioned unit needs, described, checked and (if needed) done."""

    @abc.abstractmethod
    def describe(self) -> str:
        """What the step makes true, in a few words."""

    @abc.abstractmethod
    def pending(self, run: Run) -> bool:
        """Whether anything is left to do."""

    @abc.abstractmethod
    def apply(self, run: Run) -> list[str]:
        """Do it; the lines to tell the technician."""

    def kept(self, run: Run) -> str | None:
        """With nothing to do: a note when what is there is not what the step would make."""
        return None


# -- files ---------------------------------------------------------------------------------------


@dataclass
class InstallFile(Step):
    """A file that belongs to this project: written when missing or different."""

    target: PurePosixPath
    content: bytes
    mode: int = 0o644

    def describe(self) -> str:
        return f"{self.target} ({self.mode:04o})"

    def pending(self, run: Run) -> bool:
        path = run.root / self.target
        try:
            info = path.lstat()
            same = path.read_bytes() == self.content
        except (FileNotFoundError, IsADirectoryError):
            return True
        owned = (info.st_uid, info.st_gid) == (0, 0)
        return not (same and stat.S_ISREG(info.st_mode) and owned and _mode(info) == self.mode)

    def apply(self, run: Run) -> list[str]:
        path = run.root / self.target
        existed = path.exists()
        write_atomically(path, self.content, self.mode)
        os.chown(path, 0, 0)
        run.changed.append(self.target)
        return [f"{'updated' if existed else 'wrote'} {self.target}"]


@dataclass
class InstallOnce(Step):
    """A file that becomes the technician's: written only when missing, never replaced."""

    target: PurePosixPath
    content: bytes
    mode: int = 0o644
    origin: str = ""
    """Where the content came from, when it is not this project's template."""

    def describe(self) -> str:
        return f"{self.target}, unless it exists" + (
            f" (from {self.origin})" if self.origin else ""
        )

    def pending(self, run: Run) -> bool:
        return not (run.root / self.target).exists()

    def apply(self, run: Run) -> list[str]:
        write_atomically(run.root / self.target, self.content, self.mode)
        run.changed.append(self.target)
        return [f"wrote {self.target}" + (f" from {self.origin}" if self.origin else "")]

    def kept(self, run: Run) -> str | None:
        """A note when the existing file differs from what would have been written."""
        path = run.root / self.target
        if path.exists() and path.read_bytes() != self.content:
            return f"kept {self.target} as it is (edited here; never replaced)"
        return None


def _mode(info: os.stat_result) -> int:
    return stat.S_IMODE(info.st_mode)


# -- users and permissions -------------------------------------------------------------------------


@dataclass
class Users(Step):
    """The system users and groups of the sysusers.d fragments, created by systemd-sysusers
    (in the staged tree's own /etc/passwd and /etc/group with ``--root``)."""

    fragments: tuple[str, ...]
    """File names in /usr/local/lib/sysusers.d."""
    users: tuple[str, ...]
    groups: tuple[str, ...]

    def describe(self) -> str:
        return f"system users {', '.join(self.users)}; groups {', '.join(self.groups)}"

    def pending(self, run: Run) -> bool:
        return not (
            all(run.root.has_user(user) for user in self.users)
            and all(run.root.has_group(group) for group in self.groups)
        )

    def apply(self, run: Run) -> list[str]:
        (run.root / "/etc").mkdir(exist_ok=True)  # an empty staging tree has none yet
        output = run_command(["systemd-sysusers", f"--root={run.root.path}", *self.fragments])
        run.changed.append(PurePosixPath("/etc/passwd"))
        return [line for line in output.splitlines() if line.strip()]


@dataclass
class TmpFiles(Step):
    """Owners and modes from the tmpfiles.d fragments, set by systemd-tmpfiles (in the staged
    tree, with its own users, with ``--root``); :mod:`provision._tmpfiles` tells what is due."""

    fragments: tuple[str, ...]
    """File names in /usr/local/lib/tmpfiles.d."""
    entries: tuple[_tmpfiles.Entry, ...]

    def describe(self) -> str:
        return "; ".join(entry.describe() for entry in self.entries)

    def pending(self, run: Run) -> bool:
        return any(_tmpfiles.pending(entry, run.root) for entry in self.entries)

    def apply(self, run: Run) -> list[str]:
        due = [entry for entry in self.entries if _tmpfiles.pending(entry, run.root)]
        run_command(["systemd-tmpfiles", "--create", f"--root={run.root.path}", *self.fragments])
        run.changed += [entry.path for entry in due]
        return [f"set {entry.describe()}" for entry in due]


# -- Debian packages and the Python environment ----------------------------------------------------


@dataclass
class AptPackages(Step):
    packages: tuple[str, ...]

    def describe(self) -> str:
        return "Debian packages " + " ".join(self.packages)

    def _missing(self) -> list[str]:
        return [
            package
            for package in self.packages
            if "ok installed" not in _query(["dpkg-query", "-W", "-f=${Status}", package])
        ]

    def pending(self, run: Run) -> bool:
        return bool(self._missing())

    def apply(self, run: Run) -> list[str]:
        missing = self._missing()
        run_command(["apt-get", "update", "-q"])
        run_command(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing])
        return ["installed " + " ".join(missing)]


VENV = PurePosixPath("/opt/onestop")
STAMP = "onestop-provision.json"
"""In the environment: what was installed, so that an unchanged source is not reinstalled."""

_SKIPPED_PARTS = {"__pycache__", "build", "dist", "tests", "bench", "docs", "test-artifacts"}


def source_digest(source: Path) -> str:
    """A fingerprint of what pip would install from ``source`` (a checkout or a file)."""
    digest = hashlib.sha256()
    if source.is_file():
        digest.update(source.read_bytes())
        return digest.hexdigest()
    for path in sorted(source.rglob("*")):
        parts = path.relative_to(source).parts
        if any(part.startswith(".") or part in _SKIPPED_PARTS for part in parts):
            continue
        if any(part.endswith(".egg-info") for part in parts) or not path.is_file():
            continue
        digest.update("/".join(parts).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Venv(Step):
    """The project in its own virtual environment, ``/opt/onestop``, with the roles' extras.

    In a staged tree the environment is built in place and then made to work at
    ``/opt/onestop``: script headers are rewritten and the bytecode compiled for the final
    paths. The tree must then run the same Python (version and architecture) as this machine.
    """

    python: str
    source: Path | None
    extras: tuple[str, ...]
    pip_options: tuple[str, ...] = ()

    def describe(self) -> str:
        what = f"onestop-appliance[{','.join(self.extras)}]"
        return f"virtual environment {VENV} with {what}" + (
            f" from {self.source}" if self.source else ""
        )

    def _stamp(self, run: Run) -> dict[str, object]:
        try:
            loaded = json.loads((run.root / VENV / STAMP).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _wanted(self, run: Run) -> dict[str, object] | None:
        """The stamp after installing, or None when there is nothing to install from."""
        if self.source is None:
            return None
        return {"source": source_digest(self.source), "extras": self._extras(run)}

    def _extras(self, run: Run) -> list[str]:
        """The extras asked for now and those installed before (another role's)."""
        installed = self._stamp(run).get("extras", [])
        before = [str(extra) for extra in installed] if isinstance(installed, list) else []
        return sorted(set(self.extras) | set(before))

    def pending(self, run: Run) -> bool:
        wanted = self._wanted(run)
        if wanted is None:
            if not (run.root / VENV / "bin" / "python").exists():
                raise ProvisionError(
                    "this copy of onestop-provision is installed, not a source checkout, and "
                    f"{VENV} does not exist yet: run it from a checkout "
                    "(sudo python3 -m provision ...) or pass --source CHECKOUT_OR_WHEEL"
                )
            return False
        return self._stamp(run) != wanted

    def apply(self, run: Run) -> list[str]:
        wanted = self._wanted(run)
        if wanted is None or self.source is None:
            return ["kept the installed package: nothing to install from"]
        prefix = run.root / VENV
        done = []
        if not (prefix / "bin" / "python").exists():
            run_command([self.python, "-m", "venv", prefix])
            done.append(f"created {VENV} with {self.python}")
        extras = ",".join(self._extras(run))
        pip: list[str | os.PathLike[str]] = [prefix / "bin" / "python", "-m", "pip", "install"]
        pip.append("--disable-pip-version-check")
        if not run.root.is_host:
            pip.append("--no-compile")
        run_command([*pip, "--no-input", *self.pip_options, f"{self.source}[{extras}]"])
        done.append(f"installed onestop-appliance[{extras}] from {self.source}")
        if not run.root.is_host:
            _relocate(prefix, VENV)
            done.append(f"made {prefix} work as {VENV}")
        write_atomically(prefix / STAMP, json.dumps(wanted, indent=1).encode() + b"\n", 0o644)
        run.changed.append(VENV)
        return done


def _relocate(built: Path, final: PurePosixPath) -> None:
    """Make an environment built at ``built`` work once the tree is mounted at ``/``."""
    old, new = str(built), str(final)
    for path in [*(built / "bin").iterdir(), built / "pyvenv.cfg"]:
        if path.is_symlink() or not path.is_file():
            continue
        content = path.read_bytes()
        if old.encode() in content:
            write_atomically(path, content.replace(old.encode(), new.encode()), _mode(path.stat()))
    run_command(
        [built / "bin" / "python", "-m", "compileall", "-q", "-f", "-s", built, "-p", new, built]
    )


@dataclass
class LinkCommands(Step):
    """``/usr/local/bin/onestop-*`` for every command of the environment, so that a
    technician types ``onestop-lookup`` rather than ``/opt/onestop/bin/onestop-lookup``."""

    def describe(self) -> str:
        return f"/usr/local/bin/onestop-* -> {VENV}/bin/onestop-*"

    def _links(self, run: Run) -> list[tuple[Path, str]]:
        commands = sorted((run.root / VENV / "bin").glob("onestop-*"))
        return [
            (run.root / "/usr/local/bin" / command.name, f"{VENV}/bin/{command.name}")
            for command in commands
        ]

    def pending(self, run: Run) -> bool:
        return any(_wrong_link(link, target) for link, target in self._links(run))

    def apply(self, run: Run) -> list[str]:
        done = []
        for link, target in self._links(run):
            if not _wrong_link(link, target):
                if not link.is_symlink():
                    done.append(f"left /usr/local/bin/{link.name} alone: it is not a link")
                continue
            link.parent.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            link.symlink_to(target)
            run.changed.append(PurePosixPath("/usr/local/bin") / link.name)
            done.append(f"linked /usr/local/bin/{link.name}")
        return done


def _wrong_link(link: Path, target: str) -> bool:
    """Missing, or a link elsewhere (a file a technician put there is theirs, not wrong)."""
    if link.is_symlink():
        return str(link.readlink()) != target
    return not link.exists()


# -- systemd and udev ------------------------------------------------------------------------------


@dataclass
class ReloadSystemd(Step):
    """On the machine itself: systemd and udev re-read what this run changed."""

    def describe(self) -> str:
        return "systemd and udev re-read their files"

    def pending(self, run: Run) -> bool:
        return run.root.is_host and (bool(run.changed) or run.would_change)

    def apply(self, run: Run) -> list[str]:
        done = []
        if run.changed_under("/usr/local/lib/systemd") or run.changed_under("/etc"):
            run_command(["systemctl", "daemon-reload"])
            done.append("systemctl daemon-reload")
        if run.changed_under("/usr/local/lib/udev") or run.changed_under("/etc/udev"):
            run_command(["udevadm", "control", "--reload"])
            run_command(["udevadm", "trigger", "--action=add", "--subsystem-match=tty"])
            done.append("udevadm control --reload; udevadm trigger (serial ports)")
        return done


@dataclass
class EnableUnit(Step):
    unit: str

    def describe(self) -> str:
        return f"{self.unit} enabled (starts at boot)"

    def pending(self, run: Run) -> bool:
        return _query(run.systemctl("is-enabled", self.unit)) != "enabled"

    def apply(self, run: Run) -> list[str]:
        output = run_command(run.systemctl("enable", self.unit))
        run.changed.append(PurePosixPath("/etc/systemd/system"))
        return [f"enabled {self.unit}", *_created(output)]


@dataclass
class DisableUnit(Step):
    """A unit that is in the way (the console login on the kiosk's screen)."""

    unit: str
    why: str

    def describe(self) -> str:
        return f"{self.unit} disabled ({self.why})"

    def pending(self, run: Run) -> bool:
        return _query(run.systemctl("is-enabled", self.unit)) == "enabled"

    def apply(self, run: Run) -> list[str]:
        run_command(run.systemctl("disable", self.unit))
        run.changed.append(PurePosixPath("/etc/systemd/system"))
        return [f"disabled {self.unit}: {self.why}"]


def _created(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"(Created|Removed) symlink", line)]
