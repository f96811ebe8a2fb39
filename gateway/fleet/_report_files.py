"""The usage report as files: CSV for a spreadsheet, aligned text for a terminal.

The CSV has one flat table with stable English column names: every row says its level
(province, channel, office, unit), what it is about and its month (``total`` for the whole
period), then the figures and the count of each status told, so a spreadsheet can filter
and pivot it without knowing the page's layout. The text is what ``onestop-usage-report
--fleet`` prints.
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from dossier import Language, Status, format_date
from gateway.fleet._report import (
    COLUMNS,
    Figures,
    FleetReport,
    Line,
    Period,
    build_report,
    unit_months,
)
from gateway.fleet._words import channel_name, tr

HEADER = (
    "level",
    "office",
    "unit",
    "kind",
    "channel",
    "month",
    *COLUMNS,
    *(f"status_{status.value}" for status in Status),
)


def _figures(figures: Figures) -> list[str]:
    values = [figures.value(column) for column in COLUMNS]
    cells = ["" if value is None else str(value) for value in values]
    return cells + [str(figures.statuses[status.value]) for status in Status]


def _line_rows(level: str, prefix: list[str], line: Line, months: list[str]) -> list[list[str]]:
    rows = [
        [level, *prefix, month, *_figures(line.months[month])]
        for month in months
        if month in line.months
    ]
    rows.append([level, *prefix, "total", *_figures(line.total)])
    return rows


def report_csv(engine: sa.Engine, period: Period) -> str:
    report = build_report(engine, period)
    months = report.months
    rows: list[list[str]] = [list(HEADER)]
    rows += _line_rows("province", ["", "", "", ""], report.province, months)
    for channel, line in report.channels.items():
        rows += _line_rows("channel", ["", "", "", channel], line, months)
    for office, line in report.offices.items():
        rows += _line_rows("office", [office, "", "", ""], line, months)
    for cell in unit_months(engine, period):
        unit = cell.unit
        rows.append(
            [
                "unit",
                unit.office,
                unit.name,
                unit.role,
                cell.channel,
                cell.month,
                *_figures(cell.figures),
            ]
        )
    for unit, figures in report.units.items():
        rows.append(["unit", unit.office, unit.name, unit.role, "", "total", *_figures(figures)])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def aligned(rows: list[list[str]]) -> list[str]:
    """Rows as lines of columns, the first left-aligned and the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _cells(figures: Figures) -> list[str]:
    values = [figures.value(column) for column in COLUMNS]
    return ["-" if value is None else str(value) for value in values]


def report_text(report: FleetReport, lang: str = "vi") -> str:
    period = report.period
    header = [tr(f"column.{column}", lang) for column in COLUMNS]
    out = [
        tr("report.title", lang),
        tr("report.period", lang, start=format_date(period.start), end=format_date(period.end)),
        "",
        tr("report.by_month", lang) + ":",
    ]
    months = [[tr("report.month", lang), *header]]
    months += [
        [month, *_cells(report.province.months[month])]
        for month in report.months
        if month in report.province.months
    ]
    months.append([tr("report.total", lang), *_cells(report.province.total)])
    out += aligned(months)
    named = (
        (
            "report.by_channel",
            {channel_name(key, lang): line for key, line in report.channels.items()},
        ),
        ("report.by_office", {key or "-": line for key, line in report.offices.items()}),
    )
    for title, lines in named:
        out += ["", tr(title, lang) + ":"]
        table = [["", *header]] + [[name, *_cells(line.total)] for name, line in lines.items()]
        out += aligned(table)
    statuses = report.province.total.status_counts()
    if statuses:
        out += ["", tr("report.statuses", lang) + ":"]
        out += [f"  {status.label(Language(lang))}: {count}" for status, count in statuses]
    return "\n".join(out) + "\n"
