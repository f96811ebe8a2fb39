"""The province's usage report (Decision 09/2013, Art. 13): lookups by office, unit and
channel, month by month, for any period.

Whole months are read from the monthly totals kept at ingest (``usage_counts`` and the answer
time histograms of ``usage_latency``), the days of a month the period covers only in part from
the single events; both give rows of the same shape, so one query serves any period. The
database does the grouping (by channel, by office, by unit) and Python only walks the grouped
rows, so half a year of ten million events is a few hundred thousand rows to read.

A median is taken from the histograms: the first answer time (to two significant digits)
at which half of the lookups were answered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dossier import Status
from gateway.fleet._database import transaction
from gateway.fleet._schema import units, usage_counts, usage_events, usage_latency
from onestop.fleet import Outcome

COLUMNS = (
    "lookups",
    "answered",
    "last_known",
    "not_found",
    "wrong_code",
    "unavailable",
    "help",
    "median_ms",
)
"""The report's figures, in the order every table shows them."""

_ANSWERED = (Outcome.FOUND.value, Outcome.LAST_KNOWN.value)
_WRONG_CODE = (Outcome.INVALID_CODE.value, Outcome.REJECTED.value)
_HELP = (Outcome.HELP.value, Outcome.UNKNOWN.value)
_NOT_LOOKUPS = _HELP


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` to ``end``, both days included (Vietnam dates)."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_full_half_year(cls, today: dt.date) -> Period:
        """January to June, or July to December: the last one that has ended by ``today``."""
        if today.month > 6:
            return cls(dt.date(today.year, 1, 1), dt.date(today.year, 6, 30))
        return cls(dt.date(today.year - 1, 7, 1), dt.date(today.year - 1, 12, 31))

    @property
    def months(self) -> list[str]:
        found = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def whole(self, month: str) -> bool:
        """Whether the period covers every day of ``month``."""
        year, number = int(month[:4]), int(month[5:])
        first = dt.date(year, number, 1)
        last = (dt.date(year + number // 12, number % 12 + 1, 1)) - dt.timedelta(days=1)
        return self.start <= first and last <= self.end


@dataclass
class Figures:
    """The counts of one row of the report: by outcome, answer times, statuses told."""

    outcomes: Counter[str] = field(default_factory=Counter)
    histogram: Counter[int] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        self.outcomes.update(other.outcomes)
        self.histogram.update(other.histogram)
        self.statuses.update(other.statuses)

    @property
    def lookups(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome not in _NOT_LOOKUPS)

    @property
    def answered(self) -> int:
        return self.outcomes[Outcome.FOUND] + self.outcomes[Outcome.LAST_KNOWN]

    @property
    def last_known(self) -> int:
        return self.outcomes[Outcome.LAST_KNOWN]

    @property
    def not_found(self) -> int:
        return self.outcomes[Outcome.NOT_FOUND]

    @property
    def wrong_code(self) -> int:
        return sum(self.outcomes[outcome] for outcome in _WRONG_CODE)

    @property
    def unavailable(self) -> int:
        return self.outcomes[Outcome.UNAVAILABLE]

    @property
    def help(self) -> int:
        return sum(self.outcomes[outcome] for outcome in _HELP)

    @property
    def median_ms(self) -> int | None:
        return median(self.histogram.items())

    def value(self, column: str) -> int | None:
        value: int | None = getattr(self, column)
        return value

    def status_counts(self) -> list[tuple[Status, int]]:
        """The statuses citizens were told, in the portal's order."""
        return sorted(
            ((Status(key), n) for key, n in self.statuses.items() if key in _STATUS_KEYS),
            key=lambda pair: pair[0].number,
        )


_STATUS_KEYS = frozenset(status.value for status in Status)


def median(histogram: Iterable[tuple[int, int]]) -> int | None:
    """The lower median of a histogram of (value, count)."""
    ordered = sorted(histogram)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    running = 0
    for value, n in ordered:
        running += n
        if 2 * running >= total:
            return value
    return ordered[-1][0]


@dataclass
class Line:
    """A row of the report month by month, with its total over the period."""

    months: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    total: Figures = field(default_factory=Figures)

    def month(self, month: str) -> Figures:
        return self.months[month]


@dataclass(frozen=True, slots=True)
class UnitKey:
    name: str
    role: str
    office: str


@dataclass
class FleetReport:
    period: Period
    months: list[str]
    province: Line
    channels: dict[str, Line]
    offices: dict[str, Line]
    units: dict[UnitKey, Figures]
    """Each unit over the whole period (the CSV has them month by month)."""


# -- reading ---------------------------------------------------------------------------------


def _counts_source(period: Period) -> sa.Subquery:
    """Rows (unit_id, channel, month, outcome, status, n) over the period."""
    whole = [month for month in period.months if period.whole(month)]
    part = [month for month in period.months if not period.whole(month)]
    parts: list[sa.Select[tuple[int, str, str, str, str, int]]] = [
        sa.select(
            usage_counts.c.unit_id,
            usage_counts.c.channel,
            usage_counts.c.month,
            usage_counts.c.outcome,
            usage_counts.c.status,
            usage_counts.c.n,
        ).where(usage_counts.c.month.in_(whole))
    ]
    if part:
        parts.append(
            sa.select(
                usage_events.c.unit_id,
                usage_events.c.channel,
                usage_events.c.month,
                usage_events.c.outcome,
                usage_events.c.status,
                sa.func.count().label("n"),
            )
            .where(_within(period, part))
            .group_by(
                usage_events.c.unit_id,
                usage_events.c.channel,
                usage_events.c.month,
                usage_events.c.outcome,
                usage_events.c.status,
            )
        )
    return sa.union_all(*parts).subquery("counts")


def _latency_source(period: Period) -> sa.Subquery:
    """Rows (unit_id, channel, month, bucket, n) of answer times over the period."""
    whole = [month for month in period.months if period.whole(month)]
    part = [month for month in period.months if not period.whole(month)]
    parts: list[sa.Select[tuple[int, str, str, int, int]]] = [
        sa.select(
            usage_latency.c.unit_id,
            usage_latency.c.channel,
            usage_latency.c.month,
            usage_latency.c.bucket,
            usage_latency.c.n,
        ).where(usage_latency.c.month.in_(whole))
    ]
    if part:
        parts.append(
            sa.select(
                usage_events.c.unit_id,
                usage_events.c.channel,
                usage_events.c.month,
                usage_events.c.bucket,
                sa.func.count().label("n"),
            )
            .where(_within(period, part), usage_events.c.outcome.not_in(_NOT_LOOKUPS))
            .group_by(
                usage_events.c.unit_id,
                usage_events.c.channel,
                usage_events.c.month,
                usage_events.c.bucket,
            )
        )
    return sa.union_all(*parts).subquery("latency")


def _within(period: Period, months: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.and_(
        usage_events.c.month.in_(months),
        usage_events.c.day >= period.start.isoformat(),
        usage_events.c.day <= period.end.isoformat(),
    )


Sources = tuple[sa.Subquery, sa.Subquery]
By = Callable[[sa.Subquery], list[sa.ColumnElement[Any]]]


def _grouped(
    db: sa.Connection, source: sa.Subquery, keys: list[sa.ColumnElement[Any]], tail: list[str]
) -> Iterator[tuple[Any, ...]]:
    """``SUM(n)`` of ``source`` by ``keys`` and the source's ``tail`` columns."""
    columns = [*keys, *(source.c[name] for name in tail)]
    query = sa.select(*columns, sa.func.sum(source.c.n)).group_by(*columns)
    if any(key is units.c.office for key in keys):
        query = query.select_from(source.join(units, units.c.id == source.c.unit_id))
    for row in db.execute(query):
        yield tuple(row)


def _collect(
    db: sa.Connection, sources: Sources, by: By, pick: Callable[..., Figures], *, monthly: bool
) -> None:
    """Add the grouped counts and answer times to the figures ``pick(*keys)`` names."""
    counts, latency = sources
    tail = ["month"] if monthly else []
    for *keys, outcome, status, n in _grouped(db, counts, by(counts), [*tail, "outcome", "status"]):
        figures = pick(*keys)
        figures.outcomes[outcome] += int(n)
        if status and outcome in _ANSWERED:
            figures.statuses[status] += int(n)
    for *keys, bucket, n in _grouped(db, latency, by(latency), [*tail, "bucket"]):
        pick(*keys).histogram[int(bucket)] += int(n)


def _unit_names(db: sa.Connection) -> dict[int, UnitKey]:
    rows = db.execute(sa.select(units.c.id, units.c.client, units.c.role, units.c.office))
    return {row.id: UnitKey(row.client, row.role, row.office) for row in rows}


def build_report(engine: sa.Engine, period: Period) -> FleetReport:
    """The report over ``period``: province, channels and offices month by month, units over
    the whole period."""
    channels: dict[str, Line] = defaultdict(Line)
    offices: dict[str, Line] = defaultdict(Line)
    by_unit: dict[int, Figures] = defaultdict(Figures)
    with transaction(engine) as db:
        names = _unit_names(db)
        sources = (_counts_source(period), _latency_source(period))
        _collect(
            db,
            sources,
            lambda source: [source.c.channel],
            lambda channel, month: channels[channel].month(month),
            monthly=True,
        )
        _collect(
            db,
            sources,
            lambda _source: [units.c.office],
            lambda office, month: offices[office].month(month),
            monthly=True,
        )
        _collect(db, sources, lambda source: [source.c.unit_id], by_unit.__getitem__, monthly=False)
    province = Line()
    for line in [*channels.values(), *offices.values()]:
        for figures in line.months.values():
            line.total.add(figures)
    for line in channels.values():
        for month, figures in line.months.items():
            province.month(month).add(figures)
        province.total.add(line.total)
    ordered = sorted(by_unit, key=lambda unit_id: (names[unit_id].office, names[unit_id].name))
    return FleetReport(
        period=period,
        months=period.months,
        province=province,
        channels=dict(sorted(channels.items())),
        offices=dict(sorted(offices.items())),
        units={names[unit_id]: by_unit[unit_id] for unit_id in ordered},
    )


@dataclass(frozen=True, slots=True)
class Cell:
    """One unit, one channel, one month: the finest row of the CSV."""

    unit: UnitKey
    channel: str
    month: str
    figures: Figures


def unit_months(engine: sa.Engine, period: Period) -> list[Cell]:
    """Every unit and channel month by month, for the CSV."""
    cells: dict[tuple[int, str, str], Figures] = defaultdict(Figures)
    with transaction(engine) as db:
        names = _unit_names(db)
        _collect(
            db,
            (_counts_source(period), _latency_source(period)),
            lambda source: [source.c.unit_id, source.c.channel],
            lambda unit_id, channel, month: cells[unit_id, channel, month],
            monthly=True,
        )
    found = [
        Cell(names[unit_id], channel, month, figures)
        for (unit_id, channel, month), figures in cells.items()
    ]
    return sorted(
        found, key=lambda cell: (cell.unit.office, cell.unit.name, cell.channel, cell.month)
    )
