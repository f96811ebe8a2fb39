"""Loading and validating ``onestop.conf``.

A unit is configured by a technician with a text editor, often on site and in a hurry. Every
problem in the file is reported at once, each naming its section and key, what was expected and
what was found, with a "did you mean" for misspellings; a program never starts on a half-read
configuration.
"""

from __future__ import annotations

import configparser
import dataclasses
import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_type_hints

from onestop.config._sections import (
    BackendSection,
    CameraSection,
    CodesSection,
    FleetAlertsSection,
    FleetGatewaySection,
    FleetSection,
    GatewaySection,
    GuidanceSection,
    KannelSection,
    KioskSection,
    ModemSection,
    PoolModemSection,
    PrinterSection,
    ScannerSection,
    SmppSection,
    SmsdSection,
    UpstreamSection,
)
from onestop.config._types import Renamed, Retired, ValueType

DEFAULT_PATH = Path("/etc/onestop/onestop.conf")
ENVIRONMENT_VARIABLE = "ONESTOP_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"configuration {source} is not usable:\n{lines}")


def named(prefix: str) -> Any:
    """Declare a field of :class:`Config` holding the sections ``[<prefix>.NAME]``."""
    return dataclasses.field(default_factory=dict, metadata={"named": prefix})


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration: one attribute per INI section, then the file it came from.

    Sections that a file may hold several of, such as ``[upstream.opencps]`` and
    ``[upstream.igate]``, are dicts of NAME to section (their field carries ``named``).
    ``warnings`` lists what a program should log at start: keys that a later release renamed
    or retired, still accepted so that an upgrade never stops a unit.
    """

    backend: BackendSection = dataclasses.field(default_factory=BackendSection)
    kiosk: KioskSection = dataclasses.field(default_factory=KioskSection)
    camera: CameraSection = dataclasses.field(default_factory=CameraSection)
    printer: PrinterSection = dataclasses.field(default_factory=PrinterSection)
    scanner: ScannerSection = dataclasses.field(default_factory=ScannerSection)
    modem: ModemSection = dataclasses.field(default_factory=ModemSection)
    smsd: SmsdSection = dataclasses.field(default_factory=SmsdSection)
    codes: CodesSection = dataclasses.field(default_factory=CodesSection)
    fleet: FleetSection = dataclasses.field(default_factory=FleetSection)
    fleet_gateway: FleetGatewaySection = dataclasses.field(default_factory=FleetGatewaySection)
    fleet_alerts: FleetAlertsSection = dataclasses.field(default_factory=FleetAlertsSection)
    gateway: GatewaySection = dataclasses.field(default_factory=GatewaySection)
    guidance: GuidanceSection = dataclasses.field(default_factory=GuidanceSection)
    upstream: dict[str, UpstreamSection] = named("upstream")
    smpp: SmppSection = dataclasses.field(default_factory=SmppSection)
    kannel: KannelSection = dataclasses.field(default_factory=KannelSection)
    modems: dict[str, PoolModemSection] = named("modem")
    path: Path | None = None
    warnings: tuple[str, ...] = ()

    def check(self) -> list[str]:
        """Problems between sections: what ``[smsd] transport`` needs of the others."""
        transport = self.smsd.transport
        if transport == "modem-pool" and not self.modems:
            return ["[smsd] transport = modem-pool needs [modem.NAME] sections, one per modem"]
        if transport == "smpp":
            needed = ("host", "system_id", "source_addr")
            return [
                f"[smpp] {key}: needed by [smsd] transport = smpp"
                for key in needed
                if not getattr(self.smpp, key)
            ]
        if transport == "kannel" and not self.kannel.password:
            return ["[kannel] password: needed by [smsd] transport = kannel (its sendsms-user's)"]
        return []


_NOT_SECTIONS = frozenset({"path", "warnings"})


def section_types() -> dict[str, type[Any]]:
    """Single section name to section dataclass, in file order."""
    hints = get_type_hints(Config)
    return {
        field.name: hints[field.name]
        for field in dataclasses.fields(Config)
        if field.name not in _NOT_SECTIONS and "named" not in field.metadata
    }


def named_section_types() -> dict[str, tuple[str, type[Any]]]:
    """Prefix of named sections (``upstream``) to the Config field and section dataclass."""
    hints = get_type_hints(Config)
    found: dict[str, tuple[str, type[Any]]] = {}
    for field in dataclasses.fields(Config):
        if "named" in field.metadata:
            found[field.metadata["named"]] = (field.name, get_args(hints[field.name])[1])
    return found


def keys_of(section: type[Any]) -> dict[str, dataclasses.Field[Any]]:
    return {field.name: field for field in dataclasses.fields(section)}


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _read(parser: configparser.ConfigParser, path: Path) -> None:
    source = str(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, ["the file does not exist"]) from None
    except PermissionError:
        raise ConfigError(source, ["the file cannot be read: permission denied"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            source, [f"the file is not UTF-8 text (bad byte at position {exc.start})"]
        ) from None
    except OSError as exc:
        raise ConfigError(source, [f"the file cannot be read: {exc.strerror}"]) from None
    try:
        parser.read_string(content, source=source)
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(
            source, [f"line {exc.lineno}: a key before any [section] header: {exc.line.strip()}"]
        ) from None
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(
            source, [f"line {exc.lineno}: section [{exc.section}] appears twice"]
        ) from None
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(
            source, [f"line {exc.lineno}: [{exc.section}] {exc.option} is set twice"]
        ) from None
    except configparser.ParsingError as exc:
        problems = [
            f"line {lineno}: not a 'key = value' line: {line.strip()}"
            for lineno, line in exc.errors
        ]
        raise ConfigError(source, problems) from None


def _build_section(
    name: str,
    section: type[Any],
    values: Mapping[str, str],
    problems: list[str],
    warnings: list[str],
) -> Any:
    known = keys_of(section)
    maps = {key for key, field in known.items() if field.metadata.get("map")}
    old_keys: Mapping[str, Renamed | Retired] = getattr(section, "OLD_KEYS", {})
    parsed: dict[str, Any] = {}
    for written, raw in values.items():
        key = written
        prefix, dot, item = key.partition(".")
        field = known.get(prefix if dot and prefix in maps else key)
        if field is None and written in old_keys:
            old = old_keys[written]
            if isinstance(old, Retired):
                warnings.append(f"[{name}] {key} is no longer used and is ignored: {old.why}")
                continue
            warnings.append(f"[{name}] {key} is now called {old.new}; please rename it")
            if old.new in values:
                continue  # the new name, when also given, wins
            field = known[old.new]
            key = old.new
        if field is None:
            problems.append(f"[{name}] {key}: unknown key{_suggest(key, list(known))}")
            continue
        if field.name in maps and not (dot and item):
            problems.append(f"[{name}] {key}: needs a name, as in {field.name}.NAME = ...")
            continue
        kind: ValueType = field.metadata["kind"]
        value = raw.strip()
        try:
            converted = kind.parse(value)
        except (ValueError, KeyError):
            shown = "(hidden)" if kind.secret else repr(value)
            spelled = key if key == written else f"{written} (now {key})"  # as the file says
            problems.append(f"[{name}] {spelled}: expected {kind.expected}, got {shown}")
            continue
        if field.name in maps:
            parsed.setdefault(field.name, {})[item] = converted
        else:
            parsed[key] = converted
    built = section(**parsed)
    check = getattr(built, "check", None)
    if check is not None:
        problems.extend(f"[{name}] {problem}" for problem in check())
    return built


def parse_config(content: Mapping[str, Mapping[str, str]], source: str = "(text)") -> Config:
    """Validate already-read sections; used by :func:`load_config` and by tests."""
    types = section_types()
    templates = named_section_types()
    problems: list[str] = []
    warnings: list[str] = []
    sections: dict[str, Any] = {}
    for name, values in content.items():
        if name == configparser.DEFAULTSECT:
            continue
        prefix, dot, instance = name.partition(".")
        if dot and prefix in templates:
            field, template = templates[prefix]
            if not instance.strip():
                problems.append(f"[{name}]: the section needs a name after '{prefix}.'")
                continue
            built = _build_section(name, template, values, problems, warnings)
            sections.setdefault(field, {})[instance] = built
            continue
        section = types.get(name)
        if section is None:
            known = list(types) + [f"{kind}.NAME" for kind in templates]
            problems.append(f"[{name}]: unknown section{_suggest(name, known)}")
            continue
        sections[name] = _build_section(name, section, values, problems, warnings)
    if problems:
        raise ConfigError(source, problems)
    config = Config(**sections, warnings=tuple(warnings))
    check = getattr(config, "check", None)
    if check is not None and (found := check()):
        raise ConfigError(source, found)
    return config


def config_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path:
    """The file to read: ``--config``, then ``$ONESTOP_CONFIG``, then the default."""
    if explicit:
        return Path(explicit)
    if environ.get(ENVIRONMENT_VARIABLE):
        return Path(environ[ENVIRONMENT_VARIABLE])
    return DEFAULT_PATH


def load_config(
    explicit: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
) -> Config:
    """Read and validate the configuration.

    A file named by ``--config`` or ``$ONESTOP_CONFIG`` must exist; the default file may be
    absent, and then every key takes its documented default (the demo set-up).
    """
    path = config_path(explicit, environ)
    if not explicit and not environ.get(ENVIRONMENT_VARIABLE) and not path.exists():
        return Config()
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=("#", ";"), default_section="\0"
    )
    _read(parser, path)
    content = {name: dict(parser.items(name, raw=True)) for name in parser.sections()}
    config = parse_config(content, str(path))
    return dataclasses.replace(config, path=path)


def _render(value: Any, kind: ValueType) -> str:
    if kind.secret and value:
        return "********"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def _dump_section(header: str, section: Any, documented: bool) -> list[str]:
    lines: list[str] = []
    if documented:
        lines.append(f"# {type(section).__doc__}")
    lines.append(header)
    for key, field in keys_of(type(section)).items():
        kind: ValueType = field.metadata["kind"]
        if field.metadata.get("map"):
            entries = getattr(section, key)
            if documented:
                lines.append(f"# {field.metadata['doc']}")
                lines.append(f"#{key}.NAME =")
            lines.extend(
                f"{key}.{item} = {_render(value, kind)}" for item, value in entries.items()
            )
            continue
        value = _render(getattr(section, key), kind)
        if documented:
            lines.append(f"# {field.metadata['doc']}")
            lines.append(f"#{key} = {value}".rstrip())
        else:
            lines.append(f"{key} = {value}".rstrip())
    lines.append("")
    return lines


def dump_config(config: Config, *, documented: bool = False) -> str:
    """The configuration as INI text, secrets masked; with ``documented``, every key's help
    as a comment above it and every key commented out (the example file), and each kind of
    named section shown once, commented out, as ``[prefix.NAME]``."""
    lines: list[str] = []
    for name in section_types():
        lines.extend(_dump_section(f"[{name}]", getattr(config, name), documented))
    for prefix, (field, section_type) in named_section_types().items():
        instances: dict[str, Any] = getattr(config, field)
        if documented and not instances:
            template = _dump_section(f"[{prefix}.NAME]", section_type(), documented=True)
            lines.extend(
                line if line.startswith("#") or not line else f"#{line}" for line in template
            )
        for instance, section in instances.items():
            lines.extend(_dump_section(f"[{prefix}.{instance}]", section, documented))
    return "\n".join(lines)
