"""The usage report as a PDF to print, sign and file (ReportLab).

A4 landscape, in the page's language, with DejaVu Sans embedded (Debian's
``fonts-dejavu-core``): the PDF's built-in fonts have no Vietnamese letters. Tables repeat
their heading on every page; the chart is ReportLab's own, so the PDF needs nothing else.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dossier import ICT, Language, format_date
from gateway.fleet._errors import FleetError
from gateway.fleet._report import COLUMNS, Figures, FleetReport, Line
from gateway.fleet._words import channel_name, tr

FONTS = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans"
_Command = tuple[str, tuple[int, int], tuple[int, int], *tuple[Any, ...]]
BOLD = "DejaVuSans-Bold"


@cache
def _fonts() -> None:
    for name in (REGULAR, BOLD):
        path = FONTS / f"{name}.ttf"
        if not path.exists():
            raise FleetError(
                f"the PDF report needs the font {path} (Debian: apt-get install fonts-dejavu-core)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _style(size: float, *, bold: bool = False, space: float = 4) -> ParagraphStyle:
    return ParagraphStyle(
        f"{size}{bold}",
        fontName=BOLD if bold else REGULAR,
        fontSize=size,
        leading=size * 1.3,
        spaceAfter=space,
    )


def _cells(figures: Figures) -> list[str]:
    values = [figures.value(column) for column in COLUMNS]
    return ["-" if value is None else f"{value:,}".replace(",", ".") for value in values]


def _table(rows: list[list[str]], *, totals: Collection[int] = ()) -> Table:
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    style: list[_Command] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 8),
        ("FONT", (0, 0), (-1, 0), BOLD, 8),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eaf6")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f5f5")]),
    ]
    for row in totals:
        style += [
            ("FONT", (0, row), (-1, row), BOLD, 8),
            ("LINEABOVE", (0, row), (-1, row), 0.6, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _line_table(first: str, line: Line, months: list[str], lang: str) -> Table:
    header = [first, *(tr(f"column.{column}", lang) for column in COLUMNS)]
    rows = [header]
    rows += [
        [_month(month), *_cells(line.months[month])] for month in months if month in line.months
    ]
    rows.append([tr("report.total", lang), *_cells(line.total)])
    return _table(rows, totals={len(rows) - 1})


def _month(month: str) -> str:
    return f"{month[5:]}/{month[:4]}"


def _chart(report: FleetReport, lang: str) -> Drawing:
    months = report.months
    figures = [report.province.months.get(month) for month in months]
    drawing = Drawing(250 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = round(15 * mm), round(10 * mm)
    chart.width, chart.height = round(225 * mm), round(42 * mm)
    chart.data = [
        [f.answered if f else 0 for f in figures],
        [(f.lookups - f.answered) if f else 0 for f in figures],
    ]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [_month(month) for month in months]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.valueMin = 0
    if not any(map(any, chart.data)):
        chart.valueAxis.valueMax = 1  # an empty period: an axis from 0 to 1, not to 0.01
    chart.bars[0].fillColor = colors.HexColor("#2e7d32")
    chart.bars[1].fillColor = colors.HexColor("#9e9e9e")
    drawing.add(chart)
    drawing.add(
        String(
            15 * mm,
            55 * mm,
            f"{tr('column.lookups', lang)}: {tr('column.answered', lang)} / "
            f"{tr('column.unanswered', lang)}",
            fontName=REGULAR,
            fontSize=8,
        )
    )
    return drawing


def report_pdf(report: FleetReport, lang: str = "vi", *, now: dt.datetime | None = None) -> bytes:
    _fonts()
    now = now or dt.datetime.now(ICT)
    period = report.period
    story: list[Flowable] = [
        Paragraph(tr("report.title", lang), _style(16, bold=True, space=2)),
        Paragraph(
            tr("report.period", lang, start=format_date(period.start), end=format_date(period.end)),
            _style(10, space=10),
        ),
        Paragraph(tr("report.by_month", lang), _style(11, bold=True)),
        _line_table(tr("report.month", lang), report.province, report.months, lang),
        Spacer(1, 4 * mm),
        _chart(report, lang),
    ]
    statuses = report.province.total.status_counts()
    if statuses:
        rows = [[tr("report.statuses", lang), ""]]
        rows += [
            [status.label(Language(lang)), f"{count:,}".replace(",", ".")]
            for status, count in statuses
        ]
        story += [Spacer(1, 4 * mm), KeepTogether(_table(rows))]
    story.append(Paragraph(tr("report.by_channel", lang), _style(11, bold=True)))
    for channel, line in report.channels.items():
        story += [
            Paragraph(channel_name(channel, lang), _style(9, bold=True, space=2)),
            _line_table(tr("report.month", lang), line, report.months, lang),
            Spacer(1, 3 * mm),
        ]
    story.append(Paragraph(tr("report.by_office", lang), _style(11, bold=True)))
    for office, line in report.offices.items():
        story += [
            Paragraph(office or "-", _style(9, bold=True, space=2)),
            _line_table(tr("report.month", lang), line, report.months, lang),
            Spacer(1, 3 * mm),
        ]
    story.append(Paragraph(tr("report.by_unit", lang), _style(11, bold=True)))
    header = [
        tr("col.name", lang),
        tr("col.office", lang),
        *(tr(f"column.{c}", lang) for c in COLUMNS),
    ]
    rows = [header] + [
        [unit.name, unit.office[:40], *_cells(figures)] for unit, figures in report.units.items()
    ]
    story.append(_table(rows))

    def footer(canvas: object, document: SimpleDocTemplate) -> None:
        canvas.setFont(REGULAR, 7)  # type: ignore[attr-defined]
        canvas.drawString(  # type: ignore[attr-defined]
            15 * mm, 8 * mm, f"onestop-appliance · {now:%d/%m/%Y %H:%M} · {document.page}"
        )

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=tr("report.title", lang),
        author="onestop-appliance",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
