"""Small charts drawn on the server as SVG: the page needs no chart library and no script.

A chart scales to the width of the screen (``viewBox``), keeps its text legible on a phone,
and carries its title and every value as text (``<title>`` and labels), so a screen reader
and a text browser say what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
HEIGHT = 170
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 22, 24

COLOURS = ("#2e7d32", "#9e9e9e", "#c62828", "#1565c0")


@dataclass(frozen=True, slots=True)
class Bars:
    """One series of a bar chart; several are stacked in order."""

    name: str
    values: Sequence[float]


def _frame(title: str, body: list[str]) -> Markup:
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="{LEFT}" y="14" class="chart-title">{escape(title)}</text>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` for the top of the axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def _axis(top: float) -> list[str]:
    plot_bottom = HEIGHT - BOTTOM
    return [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}" class="axis"/>',
        f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH - RIGHT}" y2="{plot_bottom}" '
        'class="axis"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" class="tick" text-anchor="end">{_number(top)}</text>',
        f'<text x="{LEFT - 4}" y="{plot_bottom}" class="tick" text-anchor="end">0</text>',
    ]


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Bars]) -> Markup:
    """Bars for each label, the series stacked; every ``n``-th label is written below."""
    totals = [sum(bars.values[i] for bars in series) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(labels), 1)
    every = max(1, round(len(labels) / 8))
    body = _axis(top)
    for i, label in enumerate(labels):
        x = LEFT + i * slot + slot * 0.15
        y = float(HEIGHT - BOTTOM)
        for colour, bars in zip(COLOURS, series, strict=False):
            value = bars.values[i]
            height = plot_height * value / top
            y -= height
            if value:
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{height:.1f}" fill="{colour}"><title>{escape(label)}: '
                    f"{escape(bars.name)} {_number(value)}</title></rect>"
                )
        if i % every == 0:
            body.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 8}" class="tick" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if len(series) > 1:
        body += _legend(series)
    return _frame(title, body)


def _legend(series: Sequence[Bars]) -> list[str]:
    items = []
    x = WIDTH - RIGHT
    for colour, bars in reversed(list(zip(COLOURS, series, strict=False))):
        x -= 8 + 6 * len(bars.name)
        items.append(
            f'<rect x="{x}" y="6" width="8" height="8" fill="{colour}"/>'
            f'<text x="{x + 11}" y="14" class="tick">{escape(bars.name)}</text>'
        )
        x -= 10
    return items


def line_chart(
    title: str,
    points: Sequence[tuple[float, float | None]],
    *,
    start: float,
    end: float,
    labels: Sequence[tuple[float, str]] = (),
    top: float | None = None,
) -> Markup:
    """A line over time from ``start`` to ``end``; a None value breaks the line."""
    values = [value for _, value in points if value is not None]
    top = top if top is not None else _nice_top(max(values, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    span = max(end - start, 1.0)

    def place(at: float, value: float) -> str:
        x = LEFT + plot_width * (at - start) / span
        y = HEIGHT - BOTTOM - plot_height * min(value, top) / top
        return f"{x:.1f},{y:.1f}"

    body = _axis(top)
    run: list[str] = []
    for at, value in [*points, (end, None)]:
        if value is None:
            if len(run) > 1:
                body.append(f'<polyline points="{" ".join(run)}" class="line"/>')
            elif run:
                cx, cy = run[0].split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="2" class="dot"/>')
            run = []
        else:
            run.append(place(at, value))
    for at, label in labels:
        x = LEFT + plot_width * (at - start) / span
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" class="tick" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if values:
        body.append(
            f'<text x="{WIDTH - RIGHT}" y="14" class="tick" text-anchor="end">'
            f"{escape(_number(values[-1]))}</text>"
        )
    return _frame(title, body)
