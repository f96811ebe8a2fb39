"""``onestop-poster``: the A4 notice that announces the SMS lookup service.

    onestop-poster --number 0912345678 [--keyword HS] [--portal URL] [--office NAME]
                   [--price-note TEXT] [--example CODE] [--config FILE] --out poster.pdf|poster.png

Without ``--portal`` the web QR code leads to the lookup page of the configuration (see
:mod:`onestop.links`), unless phones cannot open it (127.0.0.1, the demo default, or an
address of the office's network).

Exit status: 0 written, 2 a bad option or no usable font.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dossier import EXAMPLE_CODE
from onestop.config import ConfigError, load_config
from onestop.links import public_lookup_page
from provision.poster._content import (
    Poster,
    parse_example,
    parse_keyword,
    parse_number,
    parse_portal,
)
from provision.poster._errors import PosterError
from provision.poster._fonts import find_fonts
from provision.poster._layout import render
from provision.poster._save import save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop-poster",
        description="Make the A4 poster (Vietnamese) that tells citizens how to look up a "
        "dossier by SMS, on the web and at the kiosk.",
    )
    parser.add_argument("--number", required=True, help="the number citizens text, 09xxxxxxxx")
    parser.add_argument("--keyword", default="HS", help="the keyword before the code (HS)")
    parser.add_argument(
        "--portal",
        metavar="URL",
        help="the lookup web page (default: the gateway's /tra-cuu of the configuration)",
    )
    parser.add_argument("--config", type=Path, help="configuration file (for --portal)")
    parser.add_argument("--office", metavar="NAME", help="the office, printed above the title")
    parser.add_argument(
        "--price-note", metavar="TEXT", help="what a message costs, e.g. '1.000 đồng/tin nhắn'"
    )
    parser.add_argument(
        "--example",
        default=EXAMPLE_CODE,
        metavar="CODE",
        help="the dossier code of the worked example (default: %(default)s)",
    )
    parser.add_argument("--out", required=True, type=Path, help="poster.pdf or poster.png")
    args = parser.parse_args(argv)
    try:
        portal = args.portal or _configured_portal(args.config)
        poster = Poster(
            number=parse_number(args.number),
            keyword=parse_keyword(args.keyword),
            portal=parse_portal(portal) if portal else None,
            office=" ".join(args.office.split()) if args.office else None,
            price_note=" ".join(args.price_note.split()) if args.price_note else None,
            example=parse_example(args.example),
        )
        image, _placed = render(poster, find_fonts(poster.all_text()))
        save(image, args.out)
    except PosterError as exc:
        print(f"onestop-poster: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} (A4, 300 dpi)")
    return 0


def _configured_portal(path: Path | None) -> str:
    """The configuration's lookup page, or "" when phones cannot open it."""
    try:
        return public_lookup_page(load_config(path))
    except ConfigError as exc:
        raise PosterError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
