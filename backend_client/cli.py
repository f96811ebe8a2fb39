"""``onestop-lookup``: a technician's check that a unit can reach the status API.

Exit status: 0 found, 1 not found (or its office retired, or its lookup key missing or wrong),
2 invalid code or usage (including a bad configuration),
3 the API is unavailable, refuses the unit's token or answers outside the contract.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from backend_client._client import StatusClient
from backend_client._errors import (
    BackendError,
    CodeRejected,
    DossierNotFound,
    LookupKeyRejected,
    LookupKeyRequired,
    OfficeRetired,
    Unauthorized,
)
from dossier import (
    ICT,
    CodeError,
    Dossier,
    Language,
    due_phrase,
    format_date,
    format_moment,
    parse_query,
)
from dossier import dossier_to_json as to_json
from onestop.config import ConfigError, load_config, parse_config

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_BACKEND = 0, 1, 2, 3

_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls (C0, DEL, C1: escape sequences that clear or retitle the screen), format characters
(bidi overrides that reorder what the technician reads), surrogates, line and paragraph
separators. Letters and combining marks, so all of Vietnamese, pass untouched."""


def printable(text: str) -> str:
    """Server text made safe for a terminal: each unsafe character shown as its escape."""
    return _escape(text, lambda char: char.encode("unicode_escape").decode("ascii"))


def _printable_json(text: str) -> str:
    """JSON text with the unsafe characters its encoder leaves raw written as \\u escapes
    (outside its line breaks they can only stand inside strings: the document stays valid)."""
    return _escape(text, lambda char: json.dumps(char)[1:-1], keep="\n")


def _escape(text: str, escape: Callable[[str], str], keep: str = "") -> str:
    # Split on ``keep`` alone: str.split() without it would also take away the carriage
    # returns and line breaks that forge a line of the output.
    if all(piece.isprintable() for piece in (text.split(keep) if keep else [text])):
        return text
    return "".join(
        escape(char) if unicodedata.category(char) in _UNSAFE and char not in keep else char
        for char in text
    )


_LABELS = {
    Language.VI: {
        "code": "Mã hồ sơ",
        "procedure": "Thủ tục",
        "agency": "Cơ quan",
        "status": "Tình trạng",
        "due": "Ngày hẹn trả",
        "rescheduled": "hẹn lại, hẹn ban đầu",
        "unit": "Đơn vị đang xử lý",
        "pickup": "Nơi nhận kết quả",
        "applicant": "Người nộp",
        "updated": "Cập nhật lúc",
        "not_found": "Không tìm thấy hồ sơ {code}. Hãy kiểm tra lại mã in trên biên nhận.",
        "key_required": "Hồ sơ {code} cần mã tra cứu in trên biên nhận (thêm nó sau mã hồ sơ).",
        "key_rejected": "Mã tra cứu không đúng với hồ sơ {code}.",
        "unavailable": "Không hỏi được máy chủ tra cứu: {reason}",
        "unauthorized": "Máy chủ tra cứu từ chối mã truy cập (token) của thiết bị: {reason}",
        "last_known": "Tình trạng gần nhất đã biết, lúc {moment}:",
    },
    Language.EN: {
        "code": "Dossier code",
        "procedure": "Procedure",
        "agency": "Agency",
        "status": "Status",
        "due": "Appointment date",
        "rescheduled": "rescheduled, first set for",
        "unit": "Handled by",
        "pickup": "Collect the result at",
        "applicant": "Applicant",
        "updated": "Updated at",
        "not_found": "No dossier {code}. Check the code printed on the receipt.",
        "key_required": "Dossier {code} needs the receipt's lookup key (add it after the code).",
        "key_rejected": "The lookup key does not match dossier {code}.",
        "unavailable": "The status API cannot be asked: {reason}",
        "unauthorized": "The status API refused this unit's token: {reason}",
        "last_known": "Last known status, as of {moment}:",
    },
}


def render(dossier: Dossier, lang: Language, now: dt.datetime) -> str:
    """The record as aligned "label: value" lines in the chosen language."""
    labels = _LABELS[lang]
    due = format_date(dossier.effective_due)
    if dossier.rescheduled:
        due += f" ({labels['rescheduled']} {format_date(dossier.due_at)})"
    phrase = due_phrase(dossier, now, lang)
    if phrase:
        due += f" - {phrase}"
    rows = [
        ("code", dossier.code),
        ("procedure", dossier.procedure),
        ("agency", dossier.agency),
        ("status", f"{dossier.status.label(lang)} ({dossier.status.number})"),
        ("due", due),
        ("unit", dossier.current_unit or "-"),
        ("pickup", dossier.pickup_location or "-"),
        ("updated", format_moment(dossier.updated_at)),
    ]
    if dossier.applicant is not None:
        rows.append(("applicant", f"{dossier.applicant.name} ({dossier.applicant.id_number})"))
    width = max(len(labels[key]) for key, _ in rows) + 1
    return "\n".join(f"{labels[key] + ':':<{width}} {printable(value)}" for key, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-lookup",
        description="Look up a dossier's status through the configured status API.",
        epilog="Exit status: 0 found, 1 not found, 2 invalid code or usage, "
        "3 API unavailable or unauthorized.",
    )
    parser.add_argument("code", nargs="+", help="the dossier code, optionally with its lookup key")
    parser.add_argument("--config", metavar="FILE", help="configuration file to read")
    parser.add_argument("--url", help="status API root URL, instead of [backend] url")
    parser.add_argument(
        "--lang", type=Language, choices=list(Language), default=Language.VI, help="output language"
    )
    parser.add_argument("--json", action="store_true", help="print the status record as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    labels = _LABELS[args.lang]

    try:
        config = load_config(args.config)
        for warning in config.warnings:
            logging.warning("%s", warning)
        query = parse_query(" ".join(args.code), families=config.codes.code_families())
        backend = replace(config.backend, cache_ttl=0.0)
        if args.url:
            backend = replace(backend, url=parse_config({"backend": {"url": args.url}}).backend.url)
        client = StatusClient.from_config(backend, user_agent="onestop-lookup")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except CodeError as exc:
        print(printable(exc.message(args.lang)), file=sys.stderr)
        return EXIT_USAGE

    now = dt.datetime.now(ICT)
    with client:
        try:
            dossier = client.lookup(query.code, query.lookup_key)
        except OfficeRetired as exc:
            words = exc.message_en if args.lang is Language.EN else exc.message_vi
            print(printable(words), file=sys.stderr)
            return EXIT_NOT_FOUND
        except DossierNotFound:
            print(labels["not_found"].format(code=query.code), file=sys.stderr)
            return EXIT_NOT_FOUND
        except (LookupKeyRequired, LookupKeyRejected) as exc:
            label = "key_required" if isinstance(exc, LookupKeyRequired) else "key_rejected"
            print(labels[label].format(code=query.code), file=sys.stderr)
            return EXIT_NOT_FOUND
        except CodeRejected as exc:
            print(printable(str(exc)), file=sys.stderr)
            return EXIT_USAGE
        except Unauthorized as exc:
            print(labels["unauthorized"].format(reason=printable(str(exc))), file=sys.stderr)
            return EXIT_BACKEND
        except BackendError as exc:
            print(labels["unavailable"].format(reason=printable(str(exc))), file=sys.stderr)
            if exc.last_known is not None:
                moment = format_moment(exc.last_known.fetched_at)
                print(labels["last_known"].format(moment=moment), file=sys.stderr)
                print(render(exc.last_known.dossier, args.lang, now), file=sys.stderr)
            return EXIT_BACKEND
    if args.json:
        print(_printable_json(json.dumps(to_json(dossier), ensure_ascii=False, indent=2)))
    else:
        print(render(dossier, args.lang, now))
    return EXIT_FOUND
