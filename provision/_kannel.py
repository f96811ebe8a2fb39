"""Kannel's configuration for an SMS box: bearerbox with the telco's SMPP link and/or a pool
of AT modems, smsbox calling the daemon, and nothing that could text a citizen on its own.

``onestop-provision kannel`` writes it from the unit's ``onestop.conf`` (``[kannel]``,
``[smpp]``, ``[modem.NAME]``); the tests run real Kannel on a rendering with loopback ports,
``fakesmsc`` and the project's modem emulators. What keeps the daemon's promises:

- the ``sms-service`` calls the daemon's endpoint (``get-url``) for every message and never
  sends its answer as an SMS (``max-messages = 0``, ``omit-empty``): replies come only from
  the daemon, through ``sendsms``, after the daemon has stored them;
- every ``reply-*`` text is empty, and a daemon that is down is asked again
  (``http-request-retry``, ``http-queue-delay``), so a citizen never gets "Could not fetch
  content, sorry." while the daemon restarts;
- each modem of a pool is its own SMSC (``smsc-id`` = its ``[modem.NAME]``) that only takes
  messages addressed to it (``allowed-smsc-id``), so a reply sent with ``smsc=NAME`` leaves
  from the number the citizen texted;
- bearerbox keeps messages in a store file across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from onestop.config import Config
from provision._steps import AptPackages, InstallFile, InstallOnce, ReloadSystemd, Step
from provision._transport import TRANSPORT_DROPIN, transport_dropin

KANNEL_CONF = PurePosixPath("/etc/kannel/kannel.conf")
KANNEL_PACKAGES = ("kannel",)
MO_URL_QUERY = "id=%I&from=%p&to=%P&smsc=%i&coding=%c&charset=%C&udh=%u&text=%b"
"""Kannel's escape codes for the daemon's endpoint (``smsd.transports.kannel``)."""


@dataclass(frozen=True, slots=True)
class FakeSmsc:
    """Kannel's test SMSC, which ``fakesmsc`` connects to (tests and demos only)."""

    id: str
    port: int


@dataclass(frozen=True, slots=True)
class SmppSmsc:
    """The telco's SMPP link for the short code."""

    id: str
    host: str
    port: int
    system_id: str
    password: str
    source_addr: str
    system_type: str = ""
    source_ton: int = 3
    source_npi: int = 0
    window: int = 10
    submit_rate: float = 0.0


@dataclass(frozen=True, slots=True)
class AtModem:
    """One modem of a pool, driven by Kannel's AT driver."""

    id: str
    device: str
    speed: int = 115200
    pin: str = ""
    sms_center: str = ""


Smsc = FakeSmsc | SmppSmsc | AtModem


@dataclass(frozen=True, slots=True)
class KannelLayout:
    """Every port, credential and SMSC of one Kannel set-up."""

    daemon_url: str
    """The daemon's endpoint root (``http://127.0.0.1:13080``)."""
    username: str
    password: str
    smscs: tuple[Smsc, ...]
    admin_password: str
    admin_port: int = 13000
    smsbox_port: int = 13001
    sendsms_port: int = 13013
    store_file: Path = Path("/var/spool/kannel/onestop.store")
    log_dir: Path | None = Path("/var/log/kannel")
    default_sender: str = ""
    retries: int = 2000
    queue_delay: int = 10
    """Seconds between calls to a daemon that did not answer (2000 x 10 s: 5.5 hours)."""
    extra: dict[str, str] = field(default_factory=dict)


def _quote(value: str | int | float) -> str:
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _group(name: str, items: list[tuple[str, str | int | float | None]]) -> list[str]:
    lines = [f"group = {name}"]
    lines += [f"{key} = {_quote(value)}" for key, value in items if value is not None]
    return [*lines, ""]


def _smsc(smsc: Smsc) -> list[str]:
    if isinstance(smsc, FakeSmsc):
        return _group(
            "smsc",
            [
                ("smsc", "fake"),
                ("smsc-id", smsc.id),
                ("port", smsc.port),
                ("connect-allow-ip", "127.0.0.1"),
            ],
        )
    if isinstance(smsc, SmppSmsc):
        return _group(
            "smsc",
            [
                ("smsc", "smpp"),
                ("smsc-id", smsc.id),
                ("host", smsc.host),
                ("port", smsc.port),
                ("transceiver-mode", "true"),
                ("smsc-username", smsc.system_id),
                ("smsc-password", smsc.password),
                ("system-type", smsc.system_type),
                ("source-addr-ton", smsc.source_ton),
                ("source-addr-npi", smsc.source_npi),
                ("dest-addr-ton", 1),
                ("dest-addr-npi", 1),
                ("max-pending-submits", smsc.window),
                ("throughput", smsc.submit_rate or None),
                ("enquire-link-interval", 30),
                ("reconnect-delay", 10),
                ("msg-id-type", 1),
            ],
        )
    return _group(
        "smsc",
        [
            ("smsc", "at"),
            ("smsc-id", smsc.id),
            ("allowed-smsc-id", smsc.id),
            ("device", smsc.device),
            ("speed", smsc.speed),
            ("modemtype", "onestop"),
            ("pin", smsc.pin or None),
            ("sms-center", smsc.sms_center or None),
            ("sim-buffering", "true"),
            ("keepalive", 30),
            ("max-error-count", 5),
        ],
    )


_MODEM_TYPE = [
    ("id", "onestop"),
    ("name", "a modem driven by onestop's Kannel template"),
    ("detect-string", "onestop-never-detected"),
    ("init-string", "AT+CNMI=2,1,0,0,0"),
    ("message-storage", "SM"),
    ("need-sleep", "false"),
    ("enable-mms", "false"),
]


def render(layout: KannelLayout) -> str:
    """The kannel.conf text for ``layout``."""
    lines = [
        "# Kannel for the onestop SMS lookup service; written by onestop-provision kannel.",
        "# The daemon answers citizens; Kannel only carries messages. See the README.",
        "",
    ]
    core: list[tuple[str, str | int | float | None]] = [
        ("admin-port", layout.admin_port),
        ("admin-password", layout.admin_password),
        ("admin-interface", "127.0.0.1"),
        ("admin-allow-ip", "127.0.0.1"),
        ("smsbox-port", layout.smsbox_port),
        ("smsbox-interface", "127.0.0.1"),
        ("box-allow-ip", "127.0.0.1"),
        ("store-type", "file"),
        ("store-file", str(layout.store_file)),
        ("sms-combine-concatenated-mo", "true"),
        ("dlr-storage", "internal"),
    ]
    if layout.log_dir is not None:
        # Info, not Kannel's default of debug: a busy box would write gigabytes a day.
        core += [("log-file", str(layout.log_dir / "bearerbox.log")), ("log-level", 1)]
    lines += _group("core", core)
    for smsc in layout.smscs:
        lines += _smsc(smsc)
    if any(isinstance(smsc, AtModem) for smsc in layout.smscs):
        lines += _group("modems", list(_MODEM_TYPE))
    smsbox: list[tuple[str, str | int | float | None]] = [
        ("bearerbox-host", "127.0.0.1"),
        ("bearerbox-port", layout.smsbox_port),
        ("sendsms-port", layout.sendsms_port),
        ("sendsms-interface", "127.0.0.1"),
        ("global-sender", layout.default_sender or None),
        ("reply-couldnotfetch", ""),
        ("reply-couldnotrepresent", ""),
        ("reply-requestfailed", ""),
        ("reply-emptymessage", ""),
        ("http-request-retry", layout.retries),
        ("http-queue-delay", layout.queue_delay),
        ("mo-recode", "true"),
    ]
    if layout.log_dir is not None:
        smsbox += [("log-file", str(layout.log_dir / "smsbox.log")), ("log-level", 1)]
    lines += _group("smsbox", smsbox)
    lines += _group(
        "sendsms-user",
        [
            ("username", layout.username),
            ("password", layout.password),
            ("user-allow-ip", "127.0.0.1"),
            ("concatenation", "true"),
            ("max-messages", 10),
            ("default-sender", layout.default_sender or None),
        ],
    )
    lines += _group(
        "sms-service",
        [
            ("keyword", "default"),
            ("catch-all", "true"),
            ("get-url", f"{layout.daemon_url}/kannel/mo?{MO_URL_QUERY}"),
            ("max-messages", 0),
            ("omit-empty", "true"),
            ("accept-x-kannel-headers", "false"),
        ],
    )
    for key, value in layout.extra.items():
        lines.append(f"{key} = {_quote(value)}")
    return "\n".join(lines).rstrip() + "\n"


def layout_from_config(config: Config) -> KannelLayout:
    """The Kannel set-up that ``config``'s [kannel], [smpp] and [modem.NAME] sections ask for."""
    kannel = config.kannel
    smscs: list[Smsc] = []
    smpp = config.smpp
    if smpp.host:
        smscs.append(
            SmppSmsc(
                id="telco",
                host=smpp.host,
                port=smpp.port,
                system_id=smpp.system_id,
                password=smpp.password,
                source_addr=smpp.source_addr,
                system_type=smpp.system_type,
                source_ton=smpp.source_ton,
                source_npi=smpp.source_npi,
                window=smpp.window,
                submit_rate=smpp.submit_rate,
            )
        )
    for name, modem in config.modems.items():
        smscs.append(
            AtModem(
                id=name,
                device=modem.port,
                speed=modem.baudrate,
                pin=modem.pin,
                sms_center=modem.smsc,
            )
        )
    host, port = kannel.address
    sendsms_port = urlsplit(kannel.sendsms_url).port or 13013
    return KannelLayout(
        daemon_url=f"http://{host}:{port}",
        username=kannel.username,
        password=kannel.password,
        smscs=tuple(smscs),
        admin_password=kannel.admin_password,
        sendsms_port=sendsms_port,
        default_sender=kannel.default_sender or smpp.source_addr or "onestop",
    )


def kannel_plan(config: Config, *, staged: bool) -> list[Step]:
    """Install Kannel and its configuration for this unit: the rendering is written once as
    kannel.conf (an edited one is kept) and always as kannel.conf.onestop, to compare; and
    the SMS daemon's transport drop-in, for the configured transport."""
    content = render(layout_from_config(config)).encode()
    steps: list[Step] = [] if staged else [AptPackages(KANNEL_PACKAGES)]
    steps.append(InstallOnce(KANNEL_CONF, content, mode=0o640))
    steps.append(InstallFile(KANNEL_CONF.with_suffix(".conf.onestop"), content, mode=0o640))
    steps.append(InstallFile(TRANSPORT_DROPIN, transport_dropin(config).encode()))
    steps.append(ReloadSystemd())
    return steps


def kannel_to_do(config: Config) -> list[str]:
    problems = []
    if not config.kannel.password or not config.kannel.admin_password:
        problems.append(
            "Set [kannel] password and admin_password in /etc/onestop/onestop.conf, then run "
            "onestop-provision kannel again (delete /etc/kannel/kannel.conf first to rewrite it)."
        )
    if not config.smpp.host and not config.modems:
        problems.append(
            "Kannel has no SMSC yet: set [smpp] (the telco's link) or [modem.NAME] sections."
        )
    if config.smsd.transport != "kannel":
        problems.append(
            "Set [smsd] transport = kannel, then run onestop-provision kannel again (it writes "
            "onestop-smsd's unit drop-in for the transport)."
        )
    return [
        *problems,
        "Start both: sudo systemctl daemon-reload && sudo systemctl restart kannel onestop-smsd",
        "Watch Kannel: sudo tail -f /var/log/kannel/bearerbox.log /var/log/kannel/smsbox.log",
    ]
