"""What provisioning a kiosk, an SMS box or both consists of, in order.

The order matters: Debian packages before the environment that needs them; the sysusers.d
fragments before the users made from them; the users before the owners of the configuration;
every file before systemd is asked to read it.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from onestop.config import Config, ConfigError, dump_config, load_config
from provision import _tmpfiles
from provision._assets import (
    ASSETS,
    LOCAL_MODEM_RULE,
    UNITS,
    Asset,
    Role,
    assets_dir,
    checkout,
)
from provision._errors import ProvisionError
from provision._root import Root
from provision._steps import (
    AptPackages,
    DisableUnit,
    EnableUnit,
    InstallFile,
    InstallOnce,
    LinkCommands,
    ReloadSystemd,
    Step,
    TmpFiles,
    Users,
    Venv,
)
from provision._transport import TRANSPORT_DROPIN, transport_dropin

CONFIG = PurePosixPath("/etc/onestop/onestop.conf")
TOKEN = PurePosixPath("/etc/onestop/backend-token")
GATEWAY_CLIENTS = PurePosixPath("/etc/onestop/gateway-clients")
GATEWAY_SECRETS = PurePosixPath("/etc/onestop/gateway-secrets")

APT_PACKAGES: dict[Role | None, tuple[str, ...]] = {
    None: ("python3", "python3-venv"),
    # Kivy's window and input (its wheels bring SDL2), zbar-py's C extension, the poster's font.
    Role.KIOSK: (
        "libgl1",
        "libegl1",
        "libgles2",
        "libgl1-mesa-dri",
        "libmtdev1",
        "gcc",
        "python3-dev",
        "fonts-dejavu-core",
    ),
    # Switches Huawei sticks from their USB-storage mode to modem mode when plugged in.
    Role.SMSD: ("usb-modeswitch",),
    # Its Python packages come as wheels (httptools and uvloop included, for aarch64 too).
    Role.GATEWAY: (),
}

EXTRAS = {
    # The kiosk's and the SMS daemon's --demo run the status gateway in-process.
    Role.KIOSK: ("kiosk", "gateway"),
    Role.SMSD: ("smsd", "gateway"),
    Role.GATEWAY: ("gateway",),
}

CONFIG_HEADER = """\
# The configuration of this onestop unit, read by every onestop program on it.
# Every key is listed with its default, commented out: remove the '#' to change one.
# At least set [backend] url, and token_file = /etc/onestop/backend-token when the status
# API needs a token (write the token itself into that file, which only root can read).
# Check the file with: sudo onestop-config check

"""


@dataclass(frozen=True)
class Options:
    roles: frozenset[Role]
    root: Path = Path("/")
    config_from: Path | None = None
    source: Path | None = field(default_factory=checkout)
    """What pip installs: a checkout or a wheel; None keeps the installed environment."""
    python: str = "/usr/bin/python3"
    pip_options: tuple[str, ...] = ()

    @property
    def staged(self) -> bool:
        """Into a staging tree (``--root``), not onto this machine."""
        return not Root(self.root).is_host


def os_release() -> dict[str, str]:
    """This machine's /etc/os-release; empty when it has none."""
    try:
        return platform.freedesktop_os_release()
    except OSError:
        return {}


def check_system(options: Options, *, dry_run: bool, euid: int, release: dict[str, str]) -> None:
    """Refuse, in words, to provision where it cannot work."""
    if not options.staged:
        family = {release.get("ID", ""), *release.get("ID_LIKE", "").split()}
        if "debian" not in family:
            name = release.get("PRETTY_NAME") or "this system"
            raise ProvisionError(
                f"onestop-provision installs onto Debian and its derivatives (Raspberry Pi OS, "
                f"Ubuntu) with apt and systemd; {name} is not one of them"
            )
    if euid != 0 and not dry_run:
        raise ProvisionError(
            "onestop-provision must run as root: it creates system users, installs into "
            "/opt, /usr/local and /etc and sets file owners; run it with sudo "
            "(or add --dry-run to see what it would do)"
        )


def example_config() -> str:
    """The documented example: every key with its help and default, commented out."""
    return CONFIG_HEADER + dump_config(Config(), documented=True)


def _initial_config(options: Options) -> tuple[bytes, str]:
    if options.config_from is None:
        return example_config().encode(), ""
    try:
        load_config(options.config_from)
        return options.config_from.read_bytes(), str(options.config_from)
    except ConfigError as exc:
        raise ProvisionError(f"--config-from: {exc}") from None


def unit_config(options: Options) -> Config:
    """The configuration the unit will run with: ``--config-from``, else the one already
    installed, else the defaults (what a first run installs)."""
    for path in (options.config_from, Root(options.root) / CONFIG):
        if path is not None and path.is_file():
            try:
                return load_config(path)
            except ConfigError as exc:
                raise ProvisionError(f"{path}: {exc}") from None
    return Config()


def _in_order(roles: frozenset[Role]) -> list[Role]:
    return sorted(roles, key=lambda role: role.value)


def _apt_packages(roles: frozenset[Role]) -> tuple[str, ...]:
    packages = [*APT_PACKAGES[None]]
    for role in _in_order(roles):
        packages += APT_PACKAGES[role]
    return tuple(packages)


def _assets(roles: frozenset[Role]) -> list[Asset]:
    return [asset for asset in ASSETS if asset.roles & roles]


def _fragments(assets: Iterable[Asset], kind: str) -> list[Asset]:
    """The fragments of ``kind`` (``sysusers.d``, ``tmpfiles.d``) among ``assets``."""
    return [asset for asset in assets if asset.source.startswith(f"{kind}/")]


def _names(fragments: Iterable[Asset]) -> tuple[str, ...]:
    return tuple(PurePosixPath(asset.source).name for asset in fragments)


def _sysusers_names(texts: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    users, groups = [], []
    for text in texts:
        for line in text.splitlines():
            fields = line.split()
            if fields and fields[0] == "u":
                users.append(fields[1])
                groups.append(fields[1])
            elif fields and fields[0] == "g":
                groups.append(fields[1])
    return tuple(users), tuple(groups)


def plan(options: Options) -> list[Step]:
    """Every step, in order, for the roles and the root of ``options``."""
    source_dir = assets_dir()
    assets = _assets(options.roles)
    roles = _in_order(options.roles)
    steps: list[Step] = []
    if not options.staged:
        steps.append(AptPackages(_apt_packages(options.roles)))
    extras = tuple(dict.fromkeys(extra for role in roles for extra in EXTRAS[role]))
    steps.append(Venv(options.python, options.source, extras, options.pip_options))
    steps.append(LinkCommands())
    for asset in assets:
        content = (source_dir / asset.source).read_bytes()
        if asset.once:
            steps.append(InstallOnce(asset.target, content))
        else:
            steps.append(InstallFile(asset.target, content))
    if Role.SMSD in options.roles:
        dropin = transport_dropin(unit_config(options)).encode()
        steps.append(InstallFile(TRANSPORT_DROPIN, dropin))
    sysusers = _fragments(assets, "sysusers.d")
    users, groups = _sysusers_names((source_dir / asset.source).read_text() for asset in sysusers)
    steps.append(Users(_names(sysusers), users, groups))
    content, origin = _initial_config(options)
    steps.append(InstallOnce(CONFIG, content, mode=0o600, origin=origin))
    steps.append(InstallFile(CONFIG.with_suffix(".conf.example"), example_config().encode()))
    tmpfiles = _fragments(assets, "tmpfiles.d")
    entries: list[_tmpfiles.Entry] = []
    for asset in tmpfiles:
        text = (source_dir / asset.source).read_text(encoding="utf-8")
        entries += _tmpfiles.parse(text, asset.source)
    steps.append(TmpFiles(_names(tmpfiles), tuple(entries)))
    steps.append(ReloadSystemd())
    steps += [EnableUnit(UNITS[role]) for role in roles]
    if Role.KIOSK in options.roles:
        steps.append(DisableUnit("getty@tty1.service", "the kiosk takes the screen on tty1"))
    return steps


def _smsd_to_do(config: Config) -> str:
    """What the SMS box still needs for its transport."""
    transport = config.smsd.transport
    again = "; after changing [smsd] transport, run onestop-provision again"
    if transport == "smpp":
        return (
            f"Set the telco's short-code contract in {CONFIG}: [smpp] host, port, system_id, "
            f"password, source_addr (no modem is needed){again}."
        )
    if transport == "kannel":
        return (
            "Add Kannel in front of the daemon: sudo onestop-provision kannel (no modem is "
            f"opened by the daemon itself){again}."
        )
    if transport == "modem-pool":
        return (
            "Insert each SIM (PIN disabled, or [modem.NAME] pin set) and plug in the modems; "
            "ls -l /dev/gsm-modems shows each one by its USB socket: put that path into its "
            f"[modem.NAME] port{again}."
        )
    return (
        "Insert the SIM (with its PIN disabled, or [modem] pin set), plug in the modem and "
        "check that ls -l /dev/gsm-modem shows it. A modem on a USB-serial adapter or on "
        f"the UART needs one line in {LOCAL_MODEM_RULE}{again}."
    )


def still_to_do(options: Options) -> list[str]:
    """What only a person can do, in the order to do it."""
    todo = []
    if options.staged:
        packages = " ".join(_apt_packages(options.roles))
        todo.append(f"In the image, install the Debian packages: apt-get install {packages}")
    if Role.GATEWAY in options.roles:
        todo.append(
            f"Describe the province's systems in {CONFIG}: one [upstream.NAME] section each "
            "(type, url, agencies; see the example file); put their passwords and client "
            f"secrets into {GATEWAY_SECRETS} and set [gateway] secrets_file = {GATEWAY_SECRETS}. "
            f"For tokens per kiosk and SMS box, set [gateway] clients_file = {GATEWAY_CLIENTS} "
            "and add each: sudo onestop-gateway client add NAME."
        )
    if options.roles - {Role.GATEWAY}:
        todo.append(
            f"Set the status API in {CONFIG}: [backend] url (this machine's gateway: "
            f"http://127.0.0.1:8080); if the API needs a token, write it into {TOKEN} "
            f"(sudo nano {TOKEN}) and set [backend] token_file = {TOKEN}."
        )
    if Role.SMSD in options.roles:
        todo.append(_smsd_to_do(unit_config(options)))
    if Role.KIOSK in options.roles:
        todo.append(
            f"Set the kiosk's texts in {CONFIG}: [gateway] public_url and [kiosk] sms_number; "
            "for the technicians' page, [kiosk] diagnostics_pin_hash (onestop-kiosk --hash-pin)."
        )
    todo.append("Check the file: sudo onestop-config check")
    todo.append("Check the status API from this unit: sudo onestop-lookup <a dossier code>")
    if Role.GATEWAY in options.roles:
        todo.append(
            "Check the gateway's systems: curl -s http://127.0.0.1:8080/api/v1/health "
            "(each upstream's state, and its last error)"
        )
    for role in _in_order(options.roles):
        unit = UNITS[role]
        todo.append(
            f"Start {unit} (or reboot): sudo systemctl start {unit}; then watch it: "
            f"journalctl -u {unit} -f"
        )
    return todo
