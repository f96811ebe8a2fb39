"""The six-monthly usage report of the SMS lookup service (Decision 09/2013, Art. 13.2).

Every lookup leaves an anonymous event (hour, outcome, status, latency, and the transport and
SIM it came in on: no number, no code, no text). Office staff turn them into the figures
their report asks for: how many lookups per month, how many were answered, why the others
were not, which statuses citizens saw, and how the lookups split between the ways in (a
modem, each SIM of a pool, Kannel, the short code over SMPP).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from dossier import ICT, Language, Status, format_date
from onestop.fleet import Outcome
from smsd._store import UsageRow

COLUMNS = (
    "lookups",
    "found",
    "last_known",
    "not_found",
    "invalid_code",
    "unavailable",
    "incomplete",
    "help",
    "resent",
    "unsent",
)
"""The report's columns; ``lookups`` adds up the outcomes that are lookups."""

COLUMN_OF: dict[Outcome, str] = {
    Outcome.FOUND: "found",
    Outcome.LAST_KNOWN: "last_known",
    Outcome.NOT_FOUND: "not_found",
    Outcome.REJECTED: "invalid_code",  # the API refused a code the parser let through
    Outcome.INVALID_CODE: "invalid_code",
    Outcome.UNAVAILABLE: "unavailable",
    Outcome.INCOMPLETE: "incomplete",
    Outcome.HELP: "help",
    Outcome.UNKNOWN: "help",  # answered with the instructions too
    Outcome.RESENT: "resent",
    Outcome.UNSENT: "unsent",
}
"""Where each outcome is counted; every outcome has its column (a test checks)."""

HEADINGS = {
    Language.VI: {
        "month": "Tháng",
        "lookups": "Lượt tra cứu",
        "found": "Có kết quả",
        "last_known": "Kết quả cũ",
        "not_found": "Không thấy",
        "invalid_code": "Mã sai",
        "unavailable": "Máy chủ lỗi",
        "incomplete": "Tin thiếu",
        "help": "Hướng dẫn",
        "resent": "Gửi lại",
        "unsent": "Không gửi được",
        "median_ms": "Trung vị ms",
        "total": "Cộng",
        "statuses": "Tình trạng hồ sơ đã trả lời",
        "unrecognised": "Sự kiện không rõ loại (bỏ qua)",
        "title": "Tra cứu hồ sơ qua tin nhắn: số liệu từ {start} đến {end}",
        "route": "Đường nhận / SIM",
        "routes": "Theo đường nhận tin và SIM",
    },
    Language.EN: {
        "month": "Month",
        "lookups": "Lookups",
        "found": "Found",
        "last_known": "Last known",
        "not_found": "Not found",
        "invalid_code": "Bad code",
        "unavailable": "API down",
        "incomplete": "Incomplete",
        "help": "Help",
        "resent": "Resent",
        "unsent": "Unsent",
        "median_ms": "Median ms",
        "total": "Total",
        "statuses": "Statuses answered",
        "unrecognised": "Events of an unknown kind (left out)",
        "title": "Dossier lookups by SMS: figures from {start} to {end}",
        "route": "Transport / SIM",
        "routes": "By transport and SIM",
    },
}


@dataclass
class Month:
    """Counts for one calendar month (in Vietnam's time zone)."""

    counts: Counter[str] = field(default_factory=Counter)
    latencies: list[int] = field(default_factory=list)

    def add(self, outcome: Outcome, latency_ms: int) -> None:
        self.counts[COLUMN_OF[outcome]] += 1
        if outcome.is_lookup:
            self.counts["lookups"] += 1
            self.latencies.append(latency_ms)

    @property
    def median_ms(self) -> int | None:
        return round(statistics.median(self.latencies)) if self.latencies else None


RouteKey = tuple[str, str]
"""A transport and the SIM (pool), Kannel SMSC or short code events came in on."""


@dataclass
class UsageReport:
    start: dt.date
    end: dt.date
    months: dict[str, Month]
    statuses: Counter[Status]
    unrecognised: int = 0
    """Events whose outcome this release does not know (written by a newer one)."""
    routes: dict[RouteKey, Month] = field(default_factory=dict)
    """The whole period, by transport and SIM."""
    route_months: dict[tuple[str, RouteKey], Month] = field(default_factory=dict)
    """Month by month, by transport and SIM (``--by-route``)."""

    @property
    def split(self) -> bool:
        """Whether the figures came in more than one way, or another way than one modem."""
        return len(self.routes) > 1 or any(key != ("modem", "") for key in self.routes)

    @property
    def total(self) -> Month:
        total = Month()
        for month in self.months.values():
            total.counts.update(month.counts)
            total.latencies.extend(month.latencies)
        return total


def build_report(rows: Iterable[UsageRow], start: dt.date, end: dt.date) -> UsageReport:
    """Group events from ``start`` to ``end`` (both included, Vietnam dates) by month, and by
    transport and SIM."""
    months: dict[str, Month] = defaultdict(Month)
    routes: dict[RouteKey, Month] = defaultdict(Month)
    route_months: dict[tuple[str, RouteKey], Month] = defaultdict(Month)
    statuses: Counter[Status] = Counter()
    unrecognised = 0
    known = set(Outcome.__members__.values())
    for at, _channel, written, status, latency_ms, transport, sim in rows:
        moment = dt.datetime.fromisoformat(at).astimezone(ICT)
        if not start <= moment.date() <= end:
            continue
        if written not in known:
            unrecognised += 1
            continue
        outcome = Outcome(written)
        month = f"{moment:%Y-%m}"
        months[month].add(outcome, latency_ms)
        routes[transport, sim].add(outcome, latency_ms)
        route_months[month, (transport, sim)].add(outcome, latency_ms)
        if status and outcome.answered and status in Status.__members__.values():
            statuses[Status(status)] += 1
    return UsageReport(
        start,
        end,
        dict(sorted(months.items())),
        statuses,
        unrecognised,
        routes=dict(sorted(routes.items())),
        route_months=dict(sorted(route_months.items())),
    )


def route_name(key: RouteKey) -> str:
    transport, sim = key
    return f"{transport} {sim}" if sim else transport


def _aligned(header: list[str], rows: list[list[str]]) -> list[str]:
    """A header, a rule and the rows, in columns (the first left-aligned, numbers right)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )

    return [line(header), line(["-" * width for width in widths]), *(line(row) for row in rows)]


def render_table(report: UsageReport, lang: Language = Language.VI) -> str:
    """The report as an aligned text table, ready to paste into a document; when the
    lookups came in more than one way, a second table splits them by transport and SIM."""
    words = HEADINGS[lang]
    columns = [*(words[column] for column in COLUMNS), words["median_ms"]]
    lines = [[name, *cells(month)] for name, month in report.months.items()]
    lines.append([words["total"], *cells(report.total)])
    title = words["title"].format(start=format_date(report.start), end=format_date(report.end))
    out = [title, "", *_aligned([words["month"], *columns], lines)]
    if report.split:
        by_route = [[route_name(key), *cells(month)] for key, month in report.routes.items()]
        out += ["", f"{words['routes']}:", *_aligned([words["route"], *columns], by_route)]
    if report.statuses:
        out += ["", f"{words['statuses']}:"]
        out += [
            f"  {status.label(lang)}: {count}"
            for status, count in sorted(report.statuses.items(), key=lambda item: item[0].number)
        ]
    if report.unrecognised:
        out += ["", f"{words['unrecognised']}: {report.unrecognised}"]
    return "\n".join(out) + "\n"


def cells(month: Month) -> list[str]:
    median = month.median_ms
    return [str(month.counts[column]) for column in COLUMNS] + [
        "-" if median is None else str(median)
    ]


def render_csv_rows(report: UsageReport, *, by_route: bool = False) -> list[list[str]]:
    """Month by month, for a spreadsheet: the same columns with stable English names; with
    ``by_route``, one row per month, transport and SIM."""
    if by_route:
        rows = [["month", "transport", "sim", *COLUMNS, "median_ms"]]
        rows += [
            [name, transport, sim, *cells(month)]
            for (name, (transport, sim)), month in report.route_months.items()
        ]
        return rows
    rows = [["month", *COLUMNS, "median_ms"]]
    rows += [[name, *cells(month)] for name, month in report.months.items()]
    return rows
