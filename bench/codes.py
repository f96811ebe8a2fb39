"""How long reading dossier codes takes as texts grow, hostile texts included.

The parser's old clean-up was quadratic (issue 10, item 12): 16 KB took 1.6 s and 60 KB
20.5 s, holding the interpreter lock all along. For sizes from 1 KB to 60 KB and several
shapes of text, this times, interleaved in one process:

- ``find_codes``, which every channel uses (SMS, kiosk, scanner, lookup tool, demo API);
- baseline: ``str.split`` of the same text, the least any reader of a text does;
- the old parser's clean-up alone (its link and separator expressions, kept only here), up to
  16 KB: beyond that one call takes seconds.

Usage: python bench/codes.py [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from functools import partial

from dossier import MAX_TEXT, find_codes

SIZES = (1_000, 4_000, 16_000, 60_000)
OLD_LIMIT = 16_000
"""The old clean-up is timed up to this size only."""

_OLD_LINK = re.compile(r"(?:https?://|www\.)\S+|[^\s?]*\?\S*=\S*", re.IGNORECASE)
_OLD_AROUND_SEPARATOR = re.compile(r"\s*([.\-])\s*")


def old_cleanup(text: str) -> str:
    """The two expressions of the old parser that made it quadratic."""
    return _OLD_AROUND_SEPARATOR.sub(r"\1", _OLD_LINK.sub(" ", text).upper())


SHAPES: dict[str, str] = {
    "sms of codes and words": (
        "HS 000.00.20.H30-240115-0001 7K2P xin cam on, G22.99.09-240114-0001 "
        "CNTBD.181121.00334 D-4656-38963 hen tra 20/01/2024 "
    ),
    "one long word": "x",
    "run of spaces": " ",
    "long query string": "a=",
    "near-codes, glued": "000.00.20.H30-240115-",
    "dots and digits": "0.",
}


def text_of(shape: str, size: int) -> str:
    unit = SHAPES[shape]
    return (unit * (size // len(unit) + 1))[:size]


def measure(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Interleave the cases round by round, so that drift hits them all alike (ms)."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            started = time.perf_counter_ns()
            case()
            samples[name].append((time.perf_counter_ns() - started) / 1e6)
    return samples


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--old-rounds", type=int, default=3)
    args = parser.parse_args()
    if max(SIZES) > MAX_TEXT:
        raise SystemExit(f"sizes above dossier.MAX_TEXT ({MAX_TEXT}) are refused whole")

    print(f"reading codes from texts of 1 KB to 60 KB, {args.rounds} rounds, milliseconds")
    header = f"{'shape':26} {'size':>6} {'median':>9} {'p95':>9} {'str.split':>10} {'ratio':>8}"
    print(f"{header} {'old clean-up':>13}")
    worst = 0.0
    for shape in SHAPES:
        for size in SIZES:
            text = text_of(shape, size)
            samples = measure({"new": partial(find_codes, text), "split": text.split}, args.rounds)
            new, split = statistics.median(samples["new"]), statistics.median(samples["split"])
            worst = max(worst, p95(samples["new"]))
            old = ""
            if size <= OLD_LIMIT:
                old_samples = measure({"old": partial(old_cleanup, text)}, args.old_rounds)
                old = f"{statistics.median(old_samples['old']):13.1f}"
            print(
                f"{shape:26} {size:6} {new:9.2f} {p95(samples['new']):9.2f} {split:10.3f}"
                f" {new / max(split, 1e-6):7.0f}x {old}"
            )
    print(f"slowest p95 of find_codes: {worst:.1f} ms (target: 60 KB well under 1 s)")


if __name__ == "__main__":
    main()
