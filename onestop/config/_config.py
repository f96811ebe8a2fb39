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
from typing import Any, get_type_hints

from onestop.config._sections import (
    BackendSection,
    CameraSection,
    KioskSection,
    ModemSection,
    ScannerSection,
    SmsdSection,
)
from onestop.config._types import ValueType

DEFAULT_PATH = Path("/etc/onestop/onestop.conf")
ENVIRONMENT_VARIABLE = "ONESTOP_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"configuration {source} is not usable:\n{lines}")


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration: one attribute per INI section, then the file it came from."""

    backend: BackendSection = dataclasses.field(default_factory=BackendSection)
    kiosk: KioskSection = dataclasses.field(default_factory=KioskSection)
    camera: CameraSection = dataclasses.field(default_factory=CameraSection)
    scanner: ScannerSection = dataclasses.field(default_factory=ScannerSection)
    modem: ModemSection = dataclasses.field(default_factory=ModemSection)
    smsd: SmsdSection = dataclasses.field(default_factory=SmsdSection)
    path: Path | None = None


def section_types() -> dict[str, type[Any]]:
    """Section name to section dataclass, in file order."""
    hints = get_type_hints(Config)
    return {field.name: hints[field.name] for field in dataclasses.fields(Config)[:-1]}


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
    name: str, section: type[Any], values: Mapping[str, str], problems: list[str]
) -> Any:
    known = keys_of(section)
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        field = known.get(key)
        if field is None:
            problems.append(f"[{name}] {key}: unknown key{_suggest(key, list(known))}")
            continue
        kind: ValueType = field.metadata["kind"]
        value = raw.strip()
        try:
            parsed[key] = kind.parse(value)
        except (ValueError, KeyError):
            shown = "(hidden)" if kind.secret else repr(value)
            problems.append(f"[{name}] {key}: expected {kind.expected}, got {shown}")
    return section(**parsed)


def parse_config(content: Mapping[str, Mapping[str, str]], source: str = "(text)") -> Config:
    """Validate already-read sections; used by :func:`load_config` and by tests."""
    types = section_types()
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for name, values in content.items():
        if name == configparser.DEFAULTSECT:
            continue
        section = types.get(name)
        if section is None:
            problems.append(f"[{name}]: unknown section{_suggest(name, list(types))}")
            continue
        sections[name] = _build_section(name, section, values, problems)
    if problems:
        raise ConfigError(source, problems)
    return Config(**sections)


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


def dump_config(config: Config, *, documented: bool = False) -> str:
    """The configuration as INI text, secrets masked; with ``documented``, every key's help
    as a comment above it and every key commented out (the example file)."""
    lines: list[str] = []
    for name in section_types():
        section = getattr(config, name)
        if documented:
            lines.append(f"# {type(section).__doc__}")
        lines.append(f"[{name}]")
        for key, field in keys_of(type(section)).items():
            kind: ValueType = field.metadata["kind"]
            value = _render(getattr(section, key), kind)
            if documented:
                lines.append(f"# {field.metadata['doc']}")
                lines.append(f"#{key} = {value}".rstrip())
            else:
                lines.append(f"{key} = {value}".rstrip())
        lines.append("")
    return "\n".join(lines)
