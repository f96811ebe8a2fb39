"""Every section of ``onestop.conf``, with its keys, defaults and one line of help each.

One file serves every program on a unit (kiosk, SMS daemon, technicians' tools), so all
sections are declared here: a key misspelled in any section is caught by whichever program
starts first, and ``onestop-config example`` prints the whole documented file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from dossier import (
    EXAMPLE_CODE,
    FIELDS,
    CodeError,
    CodeFamilies,
    CodeFamiliesError,
    Family,
    Language,
    OfficeGuide,
    Status,
    parse_code,
    unknown_placeholders,
)
from onestop.config._types import (
    Retired,
    boolean,
    choice,
    command,
    integer,
    names,
    number,
    option,
    option_map,
    path,
    seconds,
    secret,
    text,
    url,
    usb_id,
    words,
)
from onestop.phones import PHONE_NUMBER


@dataclass(frozen=True)
class BackendSection:
    """The central status API that answers every lookup."""

    url: str = option(
        "http://127.0.0.1:8080", url(), "Root URL of the status API; /api/v1/... is added to it."
    )
    token: str = option(
        "", secret(), "Bearer token, if the API needs one. Prefer token_file for real units."
    )
    token_file: Path | None = option(
        None, path(optional=True), "File holding the bearer token (root-only, mode 0600)."
    )
    ca_bundle: Path | None = option(
        None, path(optional=True), "CA certificates to verify the API's TLS certificate with."
    )
    connect_timeout: float = option(3.05, seconds(0.1, 60), "Time to open a connection.")
    read_timeout: float = option(5.0, seconds(0.1, 120), "Time to wait for each part of a reply.")
    total_timeout: float = option(
        15.0, seconds(1, 600), "A whole lookup, retries and their pauses included, ends by then."
    )
    retries: int = option(
        2, integer(0, 10), "Retries after a connection error or a 502, 503, 504 or 429 reply."
    )
    backoff: float = option(0.3, seconds(0, 10), "First pause between retries; it doubles.")
    max_retry_after: float = option(
        5.0, seconds(0, 120), "Longest Retry-After pause honoured before giving up for now."
    )
    cache_ttl: float = option(
        30.0, seconds(0, 3600), "Seconds a looked-up status is reused without asking again."
    )
    cache_size: int = option(1024, integer(0, 1_000_000), "Statuses kept in the memory cache.")
    last_known_max_age: float = option(
        7 * 86400.0,
        seconds(0, 365 * 86400),
        "How old a last known status may be and still be shown while the API is down.",
    )


@dataclass(frozen=True)
class KioskSection:
    """The lobby kiosk: what its screens say and how long they stay."""

    language: Language = option(
        Language.VI, choice(*Language), "Language of the idle screen: vi or en."
    )
    lookup_url: str = option(
        "",
        url(optional=True),
        "A province portal's lookup page, for QR codes and links (?mahs=<code> is added); "
        "empty: the gateway's own /tra-cuu page at [gateway] public_url, else [backend] url.",
    )
    sms_number: str = option(
        "", text(), "Published number citizens text codes to; empty hides the SMS hint."
    )
    sms_keyword: str = option("HS", text(), "Keyword of the SMS syntax: <keyword> <code>.")
    result_timeout: float = option(
        60.0, seconds(1, 3600), "Seconds without a touch before a result is cleared away."
    )
    idle_timeout: float = option(
        90.0, seconds(1, 3600), "Seconds without a touch before any other screen resets."
    )
    show_applicant: bool = option(
        False, boolean(), "Show the applicant's name when the API returns it (needs a lookup key)."
    )
    lockdown: bool = option(
        True, boolean(), "Full screen, no cursor, Esc and window close ignored."
    )
    diagnostics_pin_hash: str = option(
        "",
        secret(),
        "Hash of the technicians' PIN (make one: onestop-kiosk --hash-pin); empty: no PIN page.",
    )
    state_dir: Path = option(
        Path("/var/lib/onestop/kiosk"),
        path(),
        "Where the kiosk keeps last known statuses and its toolkit's files.",
    )
    repeat_window: float = option(
        3.0, seconds(0.5, 60), "The same code read again within this many seconds is ignored."
    )
    screen_inches: float = option(
        0.0,
        number(0, 120, "inches"),
        "Diagonal of the kiosk's screen, to size text in millimetres; 0: from the display's DPI.",
    )
    key_sound: bool = option(False, boolean(), "A short click on every keypad key.")
    speech: str = option(
        "off",
        choice("off", "espeak", "recordings"),
        "Read-aloud button: off; espeak (espeak-ng's voice); recordings (speech_prompts folder).",
    )
    speech_prompts: Path | None = option(
        None,
        path(optional=True),
        "Folder of the office's recorded prompts (WAV); onestop-kiosk --list-prompts names them.",
    )
    speech_player: str = option(
        "aplay -q", command(), "Command that plays a WAV file, the file's path added at the end."
    )

    OLD_KEYS: ClassVar[dict[str, Retired]] = {
        "history_steps": Retired("the result's details page shows every step")
    }


@dataclass(frozen=True)
class PrinterSection:
    """The kiosk's thermal receipt printer (ESC/POS), for a slip with the result."""

    connection: str = option(
        "none", choice("none", "usb", "serial", "network"), "How the printer is attached."
    )
    usb_vendor: str = option("", usb_id(), "usb: the vendor id, such as 0x0416.")
    usb_product: str = option("", usb_id(), "usb: the product id, such as 0x5011.")
    serial_port: str = option("", text(), "serial: the port, such as /dev/ttyUSB0.")
    baudrate: int = option(19200, integer(1200, 921600), "serial: the printer's speed.")
    host: str = option("", text(), "network: the printer's address.")
    port: int = option(9100, integer(1, 65535), "network: the printer's TCP port.")
    width: int = option(
        384, integer(200, 1024), "Dots across the paper: 384 for 58 mm paper, 576 for 80 mm."
    )

    def check(self) -> list[str]:
        problems = []
        if self.connection == "usb" and not (self.usb_vendor and self.usb_product):
            problems.append("usb_vendor, usb_product: a usb printer needs both ids")
        if self.connection == "serial" and not self.serial_port:
            problems.append("serial_port: a serial printer needs its port")
        if self.connection == "network" and not self.host:
            problems.append("host: a network printer needs its address")
        return problems


@dataclass(frozen=True)
class CameraSection:
    """The kiosk's camera, for reading the QR code or barcode on a receipt."""

    source: str = option(
        "auto",
        choice("auto", "picamera2", "opencv", "kivy", "none"),
        "Camera library: auto tries picamera2, then OpenCV, then Kivy; none disables the camera.",
    )
    device: str = option(
        "0", text(), "Camera number (0 is the first) or device path, for opencv and kivy."
    )
    width: int = option(1280, integer(160, 4096), "Frame width asked of the camera.")
    height: int = option(720, integer(120, 4096), "Frame height asked of the camera.")


@dataclass(frozen=True)
class ScannerSection:
    """Barcode scanners: a USB scanner typing like a keyboard, and/or one on a serial port."""

    serial_port: str = option(
        "", text(), "Serial scanner port, such as /dev/ttyACM0 (or a pySerial URL); empty: none."
    )
    baudrate: int = option(9600, integer(1200, 921600), "Serial scanner speed.")
    wedge_max_gap: float = option(
        0.08, seconds(0.005, 1), "Longest pause between keys a keyboard-wedge scanner makes."
    )
    wedge_min_length: int = option(
        8, integer(1, 64), "Fewest characters a scan without Enter needs to count as a code."
    )


@dataclass(frozen=True)
class ModemSection:
    """The GSM modem that receives citizens' SMS and sends the replies (onestop-smsd)."""

    port: str = option(
        "/dev/gsm-modem",
        text(),
        "Serial device of the modem, or a pyserial URL (spy:///dev/ttyUSB2 logs the traffic).",
    )
    baudrate: int = option(115200, integer(300, 4_000_000), "Serial speed; USB modems ignore it.")
    pin: str = option("", secret(), "SIM PIN, if the SIM asks for one at power-up.")
    smsc: str = option(
        "", text(), "SMS centre number (such as +84980200030); empty keeps the SIM's own."
    )
    heartbeat_interval: float = option(
        30.0, seconds(5, 600), "Idle time after which the modem is asked whether it still answers."
    )
    command_timeout: float = option(
        10.0, seconds(1, 120), "Time for the modem to answer a command."
    )
    send_timeout: float = option(
        60.0, seconds(5, 300), "Time for the network to accept one SMS (real networks: 2 to 6 s)."
    )
    sweep_interval: float = option(
        120.0, seconds(10, 3600), "How often modem storage (SIM and phone memory) is read in full."
    )
    reopen_window: float = option(
        10.0, seconds(1, 600), "How long to keep reopening a lost port before resetting the modem."
    )
    reset_wait: float = option(
        30.0,
        seconds(1, 600),
        "How long a reset modem may take to come back before the daemon exits.",
    )
    log_traffic: bool = option(
        False,
        boolean(),
        "Log every AT command and answer (phone numbers included) for a technician.",
    )


@dataclass(frozen=True)
class PoolModemSection(ModemSection):
    """One modem of a pool ([modem.NAME], with [smsd] transport = modem-pool)."""

    number: str = option(
        "", text(), "The SIM's own phone number (never answered; shown in reports)."
    )
    hourly_cap: int = option(
        60, integer(1, 100_000), "Most SMS this SIM sends in an hour (telcos block heavy SIMs)."
    )
    daily_cap: int = option(600, integer(1, 1_000_000), "Most SMS this SIM sends in a day.")


@dataclass(frozen=True)
class SmsdSection:
    """The SMS auto-reply daemon (onestop-smsd): what it accepts, how it answers, its limits."""

    database: Path = option(
        Path("/var/lib/onestop/smsd.sqlite3"),
        path(),
        "SQLite database of received messages, replies, last known statuses and usage events.",
    )
    keywords: tuple[str, ...] = option(
        ("HS", "TC", "TRA CUU", "TRACUU"),
        words(),
        "Words citizens may put before the code; the first is the one replies suggest.",
    )
    help_words: tuple[str, ...] = option(
        ("HD", "HELP", "?", "HUONG DAN"), words(), "Messages that ask how to use the service."
    )
    reply_alphabet: str = option(
        "gsm7",
        choice("gsm7", "ucs2"),
        "gsm7: Vietnamese without diacritics, 160 characters an SMS; ucs2: with diacritics, 70.",
    )
    max_parts: int = option(3, integer(1, 10), "Most SMS parts one reply may take.")
    sender_limit: int = option(
        10,
        integer(1, 1000),
        "Lookups one phone number gets per window; then one notice, then silence.",
    )
    sender_window: float = option(3600.0, seconds(60, 86400), "The window of sender_limit.")
    hourly_send_cap: int = option(
        600, integer(1, 100_000), "Most SMS the daemon sends in any hour, all senders together."
    )
    deny: tuple[str, ...] = option(
        (), words(), "Phone numbers never answered (such as other auto-responders)."
    )
    own_number: str = option("", text(), "The SIM's own number, never answered.")
    loop_repeats: int = option(
        3,
        integer(2, 100),
        "Messages from one number with the same text, or each coming a steady delay after our "
        "reply (another auto-responder's rhythm), this often in loop_window: stop answering.",
    )
    loop_window: float = option(3600.0, seconds(10, 86400), "The window of loop_repeats.")
    lookup_workers: int = option(4, integer(1, 64), "Lookups running at the same time.")
    backend_patience: float = option(
        600.0,
        seconds(0, 86400),
        "How long a lookup is retried while the API is down before the last known status is sent.",
    )
    multipart_timeout: float = option(
        300.0, seconds(5, 86400), "How long to wait for the missing parts of a long SMS."
    )
    send_retries: int = option(6, integer(0, 100), "Retries of a reply the network refused.")
    send_backoff: float = option(
        5.0, seconds(0, 3600), "First pause before retrying a reply; it doubles each time."
    )
    keep_days: int = option(
        90,
        integer(1, 3650),
        "Days handled messages and replies are kept; the anonymous usage events stay.",
    )
    hotline: str = option(
        "", text(), "Phone number replies give for help; empty: the one of [guidance]."
    )
    example_code: str = option(
        EXAMPLE_CODE,
        text(),
        "The dossier code the instructions show as an example (best: one citizens can try).",
    )
    transport: str = option(
        "modem",
        choice("modem", "modem-pool", "kannel", "smpp"),
        "How SMS arrive and leave: modem ([modem]), modem-pool ([modem.NAME] sections), "
        "kannel ([kannel]) or smpp ([smpp], straight to a telco's SMSC).",
    )

    def check(self) -> list[str]:
        try:
            parse_code(self.example_code)
        except CodeError as exc:
            return [f"example_code: {exc}"]
        return []


@dataclass(frozen=True)
class GuidanceSection:
    """What a citizen should do next: the office's facts every channel's advice mentions."""

    hotline: str = option("", text(), "The office's help line, such as 0293 3 878 787.")
    opening_hours: str = option(
        "", text(), "When the office receives citizens, such as 7:00-11:30, 13:00-17:00 T2-T6."
    )
    collect_at: str = option(
        "", text(), "Where results are collected, for records that do not say it themselves."
    )
    pay_at: str = option("", text(), "Where or how citizens pay fees (a desk, a bank account).")
    bring: str = option(
        "", text(), "What to bring to collect a result; empty: the receipt and ID card."
    )
    step: dict[str, str] = option_map(
        text(),
        "step.<status> = the office's own next-step sentence for that status (such as "
        "step.result_ready); it may use {hotline} {hours} {place} {pay_at} {bring} {missing} "
        "{due}.",
    )

    def guide(self, *, hotline: str = "") -> OfficeGuide:
        """The office's facts for ``dossier.next_step``; ``hotline`` overrides this one."""
        known = {str(status) for status in Status}
        return OfficeGuide(
            hotline=hotline or self.hotline,
            opening_hours=self.opening_hours,
            collect_at=self.collect_at,
            pay_at=self.pay_at,
            bring=self.bring,
            steps={Status(name): text for name, text in self.step.items() if name in known},
        )

    def check(self) -> list[str]:
        problems = []
        statuses = [str(status) for status in Status]
        for name, sentence in self.step.items():
            if name not in statuses:
                problems.append(f"step.{name}: not a status; expected one of {', '.join(statuses)}")
            for unknown in unknown_placeholders(sentence):
                problems.append(f"step.{name}: {{{unknown}}} is not something a step can name")
        return problems


@dataclass(frozen=True)
class CodesSection:
    """Which receipt code spellings this unit reads (code families); every channel follows."""

    families: tuple[str, ...] = option(
        tuple(family.value for family in Family),
        names(),
        "Built-in code families read: " + ", ".join(Family) + ".",
    )
    custom: dict[str, str] = option_map(
        text(),
        "custom.NAME = a regular expression matching a whole code of this deployment's own "
        "shape (one word, upper case); a group (?P<agency>...) gives its agency.",
    )

    def check(self) -> list[str]:
        try:
            self.code_families()
        except CodeFamiliesError as exc:
            return exc.problems
        return []

    def code_families(self) -> CodeFamilies:
        """The families every parser of this unit is given (raises CodeFamiliesError)."""
        return CodeFamilies.from_config(self.families, self.custom)


UPSTREAM_TYPES = ("opencps", "igate", "lgsp", "status-api", "demo")
"""The one-stop systems the gateway has adapters for (``[upstream.NAME] type``)."""


_OPTIONAL_URL = url(optional=True)
"""An upstream's addresses (its ``url`` field hides the value type inside the class)."""


@dataclass(frozen=True)
class UpstreamSection:
    """One system behind the status gateway ([upstream.NAME]; several may be configured)."""

    type: str = option(
        "", choice(*UPSTREAM_TYPES), "Which system: " + ", ".join(UPSTREAM_TYPES) + "."
    )
    url: str = option("", _OPTIONAL_URL, "Root URL of the system's API (not needed for demo).")
    agencies: tuple[str, ...] = option(
        ("*",),
        names(),
        "Agency prefixes it answers for, letter code first (H30, H13 H51, G22.99); * for any.",
    )
    families: tuple[str, ...] = option(
        (), names(), "Code families it answers for (national, opencps, ...); empty: all."
    )
    retired: str = option(
        "",
        text(),
        "When set, the office's old system no longer answers: citizens are shown this message.",
    )
    retired_en: str = option(
        "",
        text(),
        "The retired message in English; empty: a general sentence saying the system is retired.",
    )
    timeout: float = option(5.0, seconds(0.1, 120), "Longest wait for one answer of the system.")
    concurrency: int = option(
        16, integer(1, 1000), "Most lookups sent to the system at the same time."
    )
    max_body: int = option(
        1_048_576,
        integer(1024, 64 * 1_048_576),
        "Largest answer, in bytes, read from the system; a larger one is refused as broken.",
    )
    data: Path | None = option(
        None, path(optional=True), "demo: a JSON file of dossiers (the demo API's format)."
    )
    group_id: str = option("", text(), "opencps: the site's groupId header.")
    username: str = option("", text(), "opencps, lgsp: the service account's user name.")
    password: str = option("", secret(), "opencps, lgsp: the service account's password.")
    token_url: str = option(
        "",
        _OPTIONAL_URL,
        "igate: the Keycloak token endpoint (realm digo); lgsp: the login endpoint.",
    )
    client_id: str = option("", text(), "igate: the client the province issued this gateway.")
    client_secret: str = option("", secret(), "igate: that client's secret.")
    unit_code: str = option("", text(), "lgsp: the madonvi sent with every TraCuuHoSo call.")
    field: dict[str, str] = option_map(
        text(),
        "lgsp: field.<contract name> = the answer's field names (first non-empty wins), where "
        "they differ.",
    )
    token: str = option("", secret(), "status-api: the bearer token the other server issued us.")

    def check(self) -> list[str]:
        """Keys that a given type needs; the section name is added by the loader."""
        problems = []
        if not self.type:
            problems.append("type: missing; expected one of " + ", ".join(UPSTREAM_TYPES))
        if self.retired:
            return problems  # a retired system is never asked: its address no longer matters
        if self.type not in ("", "demo") and not self.url:
            problems.append(f"url: a {self.type} upstream needs the system's root URL")
        if self.type == "opencps" and not self.group_id:
            problems.append("group_id: an opencps upstream needs the site's groupId")
        if self.type == "igate" and not (self.token_url and self.client_id and self.client_secret):
            problems.append(
                "token_url, client_id, client_secret: an igate upstream needs all three"
            )
        if self.type == "lgsp" and not (
            self.token_url and self.username and self.password and self.unit_code
        ):
            problems.append(
                "token_url, username, password, unit_code: an lgsp upstream needs all four"
            )
        mappable = [name for name in FIELDS if name != "history"]
        for name in sorted(set(self.field) - set(mappable)):
            problems.append(
                f"field.{name}: not a field of the status record; expected one of "
                + ", ".join(mappable)
            )
        return problems


@dataclass(frozen=True)
class SmppSection:
    """The telco's or aggregator's SMSC for a short code (transport = smpp, or Kannel's link)."""

    host: str = option("", text(), "The SMSC's host name or address, from the contract.")
    port: int = option(2775, integer(1, 65535), "The SMSC's TCP port.")
    system_id: str = option("", text(), "The account (system_id) the SMSC gave this service.")
    password: str = option("", secret(), "That account's password.")
    system_type: str = option("", text(), "system_type, when the SMSC asks for one.")
    source_addr: str = option("", text(), "The short code replies come from (such as 8077).")
    source_ton: int = option(
        3, integer(0, 6), "Type of number of source_addr: 3 network specific (short codes)."
    )
    source_npi: int = option(0, integer(0, 18), "Numbering plan of source_addr.")
    submit_rate: float = option(
        50.0, seconds(0.1, 10_000), "Most submit_sm a second, as the contract allows."
    )
    window: int = option(
        10, integer(1, 1000), "Most submit_sm awaiting their response at once (the window)."
    )
    enquire_interval: float = option(
        30.0, seconds(1, 3600), "Idle time after which enquire_link checks the link."
    )
    delivery_receipts: bool = option(True, boolean(), "Ask the SMSC for delivery receipts.")

    def check(self) -> list[str]:
        if self.host and not (self.system_id and self.source_addr):
            return ["system_id, source_addr: an SMSC link needs both"]
        return []


@dataclass(frozen=True)
class FleetSection:
    """Heartbeats and anonymous usage events this unit sends to the gateway's fleet page."""

    enabled: bool = option(
        False, boolean(), "Send heartbeats and usage events to the gateway ([backend] url)."
    )
    url: str = option(
        "",
        url(optional=True),
        "The gateway's root URL, when it is not [backend] url; empty: [backend] url.",
    )
    heartbeat_interval: float = option(
        60.0, seconds(5, 3600), "Seconds between two heartbeats of this unit."
    )
    office: str = option(
        "", text(), "The office this unit serves, as the fleet page groups and filters units."
    )
    outbox: Path | None = option(
        None,
        path(optional=True),
        "SQLite file of heartbeats and events not delivered yet; empty: beside the unit's data.",
    )
    max_backlog: int = option(
        100_000,
        integer(100, 10_000_000),
        "Most undelivered heartbeats kept while the gateway is away (usage events are all kept).",
    )


@dataclass(frozen=True)
class KannelSection:
    """Kannel in front of the daemon (transport = kannel; onestop-provision kannel writes it)."""

    listen: str = option(
        "127.0.0.1:13080", text(), "host:port of the daemon's endpoint that Kannel's smsbox calls."
    )
    sendsms_url: str = option(
        "http://127.0.0.1:13013/cgi-bin/sendsms", url(), "Kannel's sendsms interface."
    )
    username: str = option("onestop", text(), "The sendsms-user the daemon sends as.")
    password: str = option("", secret(), "That user's password.")
    default_sender: str = option(
        "", text(), "The number or name replies come from when the SMSC does not set one."
    )
    admin_password: str = option("", secret(), "Kannel's admin password (its status page).")

    @property
    def address(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "127.0.0.1", int(port)

    def check(self) -> list[str]:
        _host, colon, port = self.listen.rpartition(":")
        if not colon or not port.isdigit() or not 0 < int(port) < 65536:
            return [f"listen: expected host:port, got {self.listen!r}"]
        return []


@dataclass(frozen=True)
class FleetGatewaySection:
    """The gateway's side of the fleet: its database, the fleet page's logins, retention."""

    enabled: bool = option(
        False, boolean(), "Take heartbeats and serve the fleet page and usage report at /fleet/."
    )
    database: str = option(
        "sqlite:////var/lib/onestop-gateway/fleet.sqlite3",
        text(),
        "sqlite:////PATH, or postgresql://USER@HOST/DB when several gateways share the fleet.",
    )
    database_password_file: Path | None = option(
        None, path(optional=True), "File holding the PostgreSQL password (root-only, mode 0600)."
    )
    login: dict[str, str] = option_map(
        secret(),
        "login.NAME = the password hash of one fleet page user (onestop-fleet hash-password).",
    )
    session_idle: float = option(
        1800.0, seconds(60, 86400), "A fleet page session unused this long must log in again."
    )
    session_max: float = option(
        43200.0, seconds(300, 7 * 86400), "Longest a fleet page session lasts, used or not."
    )
    cookie_secure: bool = option(
        True, boolean(), "Send the session cookie over HTTPS only (turn off only on a test bed)."
    )
    readers: tuple[str, ...] = option(
        (),
        names(),
        "Clients of [gateway] clients_file that may read the fleet's state and usage report "
        "(onestop-check, onestop-usage-report --fleet).",
    )
    history_hours: int = option(
        48, integer(1, 24 * 90), "Hours of heartbeats kept for the units' charts."
    )
    keep_events_days: int = option(
        800,
        integer(31, 10 * 366),
        "Days single usage events are kept; the monthly totals stay for good.",
    )

    def check(self) -> list[str]:
        if not self.database.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://")):
            return [
                "database: expected sqlite:////PATH or postgresql://USER@HOST/DB, "
                f"got {self.database!r}"
            ]
        return []


@dataclass(frozen=True)
class FleetAlertsSection:
    """When the gateway raises an alert about a unit, and whom it tells."""

    silent_after: float = option(
        300.0, seconds(30, 86400), "A unit without a heartbeat for this long is silent."
    )
    unanswered_after: float = option(
        300.0, seconds(30, 86400), "An SMS box with a message unanswered this long raises one."
    )
    screen_stuck_after: float = option(
        300.0,
        seconds(30, 86400),
        "A kiosk showing a screen other than idle, or not redrawing, this long is stuck.",
    )
    cap_margin: int = option(
        10, integer(0, 99), "Percent of a SIM's send cap left at which it raises an alert."
    )
    check_interval: float = option(
        15.0, seconds(1, 600), "Seconds between two evaluations of the fleet's alerts."
    )
    webhook_url: str = option(
        "",
        url(optional=True),
        "URL that gets each alert opened or closed as a JSON POST; empty: none.",
    )
    webhook_secret: str = option(
        "", secret(), "Key of the HMAC-SHA256 signature sent with each webhook call."
    )
    phones: tuple[str, ...] = option(
        (), words(), "Technicians' phone numbers that get alerts by SMS, comma-separated."
    )
    sms_units: tuple[str, ...] = option(
        (), names(), "SMS boxes that may send the alert SMS; empty: any SMS box that reports."
    )

    def check(self) -> list[str]:
        return [
            f"phones: {phone!r} is not a phone number (such as +84912345678 or 0912345678)"
            for phone in self.phones
            if not PHONE_NUMBER.fullmatch(phone)
        ]


@dataclass(frozen=True)
class GatewaySection:
    """The status gateway (onestop-gateway), in front of the systems of [upstream.NAME]."""

    host: str = option("127.0.0.1", text(), "Address to listen on (0.0.0.0 or :: for all).")
    port: int = option(8080, integer(1, 65535), "Port to listen on.")
    public_url: str = option(
        "",
        url(optional=True),
        "The gateway's address as citizens' phones reach it (for links and QR codes).",
    )
    clients_file: Path | None = option(
        None,
        path(optional=True),
        "File of client tokens (onestop-gateway client add NAME); unset: lookups are open to all.",
    )
    secrets_file: Path | None = option(
        None,
        path(optional=True),
        "Root-only INI file of upstream secrets, [NAME] password/client_secret, kept out of here.",
    )
    database: Path = option(
        Path("/var/lib/onestop-gateway/gateway.sqlite3"),
        path(),
        "SQLite database of the citizens' satisfaction ratings.",
    )
    rate_limit: int = option(
        600, integer(0, 1_000_000), "Requests a minute one client (token) may make; 0: no limit."
    )
    anonymous_rate_limit: int = option(
        60,
        integer(0, 1_000_000),
        "Requests a minute one address may make without a token; 0: no limit.",
    )
    not_found_limit: int = option(
        200,
        integer(0, 1_000_000),
        "Not-found answers an hour one client may get, then it must wait (against enumeration).",
    )
    anonymous_not_found_limit: int = option(
        20,
        integer(0, 1_000_000),
        "Not-found answers an hour one address may get without a token; 0: no limit.",
    )
    key_failure_limit: int = option(
        10,
        integer(0, 1_000_000),
        "Wrong lookup keys an hour for one dossier before keys for it are refused; 0: no limit.",
    )
    cache_ttl: float = option(
        60.0, seconds(0, 86400), "Seconds an upstream's answer is reused without asking again."
    )
    cache_size: int = option(
        100_000, integer(0, 10_000_000), "Answers kept in the cache (the oldest go first)."
    )
    stale_max_age: float = option(
        86400.0,
        seconds(0, 30 * 86400),
        "How old a last good answer may be and still be served, marked, while its system is down.",
    )
    breaker_failures: int = option(
        5,
        integer(1, 1000),
        "Failures in a row after which a system is not asked for breaker_cooldown seconds.",
    )
    breaker_cooldown: float = option(
        30.0, seconds(1, 3600), "Seconds a failing system is left alone before one trial lookup."
    )
    max_connections: int = option(
        1000,
        integer(1, 100_000),
        "Open client connections; more are answered 503 and closed (keep below LimitNOFILE).",
    )
    header_timeout: float = option(
        10.0, seconds(0.1, 600), "Time a client has to send its request's first line and headers."
    )
    idle_timeout: float = option(
        5.0, seconds(0.1, 600), "An idle kept-alive client connection is closed after this long."
    )
    max_head_size: int = option(
        8192,
        integer(1024, 1_048_576),
        "Largest request line and headers, in bytes; a longer request is refused at once.",
    )
    trusted_proxies: tuple[str, ...] = option(
        (),
        names(),
        "Addresses of reverse proxies whose X-Forwarded-For names the real client; empty: none.",
    )
    tls_cert: Path | None = option(
        None, path(optional=True), "TLS certificate chain (PEM) to serve HTTPS itself; unset: HTTP."
    )
    tls_key: Path | None = option(
        None, path(optional=True), "The private key (PEM) of tls_cert, readable by root only."
    )
    access_log: bool = option(
        True, boolean(), "Log one line per request (never the query string or a lookup key)."
    )

    def check(self) -> list[str]:
        if (self.tls_cert is None) != (self.tls_key is None):
            return ["tls_cert, tls_key: HTTPS needs both, or neither for plain HTTP"]
        return []
