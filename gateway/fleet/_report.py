"""The province's usage report (Decision 09/2013, Art. 13): lookups by office, unit and
channel, month by month, for any period.

Whole months are read from the monthly totals kept at ingest (``usage_counts`` and the answer
time histograms of ``usage_latency``), the days of a month the period covers only in part from
the single events; both give rows of the same shape, so one query serves any period. The
database does the grouping (by channel, by office, by unit) and Python only walks the grouped
rows, so half a year of ten million events is a few hundred thousand rows to read.

A median is taken from the histograms: the first bucket of answer times (exact below 20 ms,
10 % wide above, see ``latency_bucket``) by which half of the lookups were answered; so it is
within 5 % of the median of the times themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dossier import Status
from gateway.fleet._database import transaction
from gateway.fleet._schema import units, usage_counts, usage_events, usage_latency
from onestop.fleet import LOOKUPS, Outcome

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

_ANSWERED = tuple(outcome.value for outcome in Outcome if outcome.answered)
_WRONG_CODE = (Outcome.INVALID_CODE.value, Outcome.REJECTED.value)
_HELP = (Outcome.HELP.value, Outcome.UNKNOWN.value)
_LOOKUPS = tuple(outcome.value for outcome in LOOKUPS)


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
        first, last = _month_days(month)
        return self.start <= first and last <= self.end

    def days_of(self, month: str) -> tuple[dt.date, dt.date]:
        """The first and last day of ``month`` that the period covers."""
        first, last = _month_days(month)
        return max(first, self.start), min(last, self.end)


def _month_days(month: str) -> tuple[dt.date, dt.date]:
    year, number = int(month[:4]), int(month[5:])
    first = dt.date(year, number, 1)
    return first, dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)


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
        return sum(n for outcome, n in self.outcomes.items() if outcome in _LOOKUPS)

    @property
    def answered(self) -> int:
        return sum(self.outcomes[outcome] for outcome in _ANSWERED)

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

_COUNTED = ("outcome", "status")
_TIMED = ("bucket",)
_CELL = ("unit_id", "channel", "month")


def _partial(name: str, tail: Sequence[str]) -> sa.Table:
    """A temporary table of the events of the days a period covers of a month it covers only
    in part, grouped as the monthly totals are."""
    columns = [
        sa.Column(column, sa.Integer if column in ("unit_id", "bucket") else sa.String)
        for column in (*_CELL, *tail)
    ]
    return sa.Table(
        name, sa.MetaData(), *columns, sa.Column("n", sa.BigInteger), prefixes=["TEMPORARY"]
    )


Sources = list[tuple[sa.FromClause, sa.FromClause]]
"""Pairs of (counts, answer times), each row of the same shape as the monthly totals."""


def _sources(db: sa.Connection, period: Period) -> Sources:
    """Where the period's counts and answer times are: the monthly totals of the months it
    covers whole (all of them, for the usual half-year), and for the months it covers in
    part, their events of those days, grouped once into two temporary tables."""
    whole = [month for month in period.months if period.whole(month)]
    part = [month for month in period.months if not period.whole(month)]
    found: Sources = []
    if whole:
        found.append(
            (
                sa.select(usage_counts).where(usage_counts.c.month.in_(whole)).subquery("c"),
                sa.select(usage_latency).where(usage_latency.c.month.in_(whole)).subquery("l"),
            )
        )
    if part:
        # One day range per month (not the period's): the index on day then reads only the
        # days of those months, not every event of the period.
        within = sa.or_(
            *(
                sa.and_(
                    usage_events.c.day >= first.isoformat(), usage_events.c.day <= last.isoformat()
                )
                for first, last in (period.days_of(month) for month in part)
            )
        )
        lookups = usage_events.c.outcome.in_(_LOOKUPS)
        made = []
        for name, tail, where in (
            ("report_counts", _COUNTED, within),
            ("report_latency", _TIMED, sa.and_(within, lookups)),
        ):
            table = _partial(name, tail)
            table.drop(db, checkfirst=True)
            table.create(db)
            keys = [usage_events.c[column] for column in (*_CELL, *tail)]
            db.execute(
                sa.insert(table).from_select(
                    [*_CELL, *tail, "n"],
                    sa.select(*keys, sa.func.count()).where(where).group_by(*keys),
                )
            )
            made.append(table)
        found.append((made[0], made[1]))
    return found


def _sums(
    db: sa.Connection, sources: Sources, which: int, keys: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """``SUM(n)`` of the counts (``which`` 0) or answer times (1) grouped by ``keys``
    (``office`` is the unit's office), from each source in turn."""
    for pair in sources:
        source = pair[which]
        columns = [units.c.office if key == "office" else source.c[key] for key in keys]
        query = sa.select(*columns, sa.func.sum(source.c.n)).group_by(*columns)
        if "office" in keys:
            query = query.select_from(source.join(units, units.c.id == source.c.unit_id))
        for row in db.execute(query):
            yield tuple(row)


def _count(figures: Figures, outcome: str, status: str, n: int) -> None:
    figures.outcomes[outcome] += n
    if status and outcome in _ANSWERED:
        figures.statuses[status] += n


def _unit_names(db: sa.Connection) -> dict[int, UnitKey]:
    rows = db.execute(sa.select(units.c.id, units.c.client, units.c.role, units.c.office))
    return {row.id: UnitKey(row.client, row.role, row.office) for row in rows}


COUNTS, TIMES = 0, 1


@contextlib.contextmanager
def _reading(engine: sa.Engine, period: Period) -> Iterator[tuple[sa.Connection, Sources]]:
    with transaction(engine) as db:
        sources = _sources(db, period)
        try:
            yield db, sources
        finally:
            for pair in sources:
                for source in pair:
                    if isinstance(source, sa.Table):
                        source.drop(db, checkfirst=True)


def build_report(engine: sa.Engine, period: Period) -> FleetReport:
    """The report over ``period``: province, channels and offices month by month, units over
    the whole period."""
    channels: dict[str, Line] = defaultdict(Line)
    offices: dict[str, Line] = defaultdict(Line)
    by_unit: dict[int, Figures] = defaultdict(Figures)
    with _reading(engine, period) as (db, sources):
        names = _unit_names(db)
        by_office = ("office", "channel", "month")
        for office, channel, month, outcome, status, n in _sums(
            db, sources, COUNTS, (*by_office, *_COUNTED)
        ):
            _count(channels[channel].month(month), outcome, status, int(n))
            _count(offices[office].month(month), outcome, status, int(n))
        for office, channel, month, bucket, n in _sums(db, sources, TIMES, (*by_office, *_TIMED)):
            channels[channel].month(month).histogram[bucket] += int(n)
            offices[office].month(month).histogram[bucket] += int(n)
        for unit_id, outcome, status, n in _sums(db, sources, COUNTS, ("unit_id", *_COUNTED)):
            _count(by_unit[unit_id], outcome, status, int(n))
        for unit_id, bucket, n in _sums(db, sources, TIMES, ("unit_id", *_TIMED)):
            by_unit[unit_id].histogram[bucket] += int(n)
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
    with _reading(engine, period) as (db, sources):
        names = _unit_names(db)
        for *cell, outcome, status, n in _sums(db, sources, COUNTS, (*_CELL, *_COUNTED)):
            _count(cells[tuple(cell)], outcome, status, int(n))
        for *cell, bucket, n in _sums(db, sources, TIMES, (*_CELL, *_TIMED)):
            cells[tuple(cell)].histogram[bucket] += int(n)
    found = [
        Cell(names[unit_id], channel, month, figures)
        for (unit_id, channel, month), figures in cells.items()
    ]
    return sorted(
        found, key=lambda cell: (cell.unit.office, cell.unit.name, cell.channel, cell.month)
    )
