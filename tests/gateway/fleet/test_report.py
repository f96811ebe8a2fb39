import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path

import pypdf
import pytest

from dossier import Status
from gateway.fleet._pdf import report_pdf
from gateway.fleet._report import Figures, Period, build_report, median, unit_months
from gateway.fleet._store import FleetStore, channel_key, latency_bucket, vietnam_day
from onestop.fleet import Outcome, Role, UsageEvent
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat, usage

UNITS = [
    ("vithuy-sms", Role.SMS, "UBND huyện Vị Thủy", "modem"),
    ("vithuy-kiosk", Role.KIOSK, "UBND huyện Vị Thủy", ""),
    ("tinh-sms", Role.SMS, "Trung tâm Phục vụ hành chính công", "kannel"),
    ("tinh-kiosk", Role.KIOSK, "Trung tâm Phục vụ hành chính công", ""),
]
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()


def random_events(rng: random.Random, channel: Role, transport: str) -> list[UsageEvent]:
    outcomes = list(Outcome)
    events = []
    for _ in range(300):
        outcome = rng.choice(outcomes)
        events.append(
            usage(
                START + rng.uniform(0, 200 * 86400),
                outcome=outcome,
                status=rng.choice(list(Status)),
                latency_ms=int(rng.lognormvariate(6, 1)),
                channel=channel,
                transport=transport,
            )
        )
    return events


@pytest.fixture
def filled(store: FleetStore) -> dict[str, list[UsageEvent]]:
    rng = random.Random(13)  # noqa: S311 (made-up usage, not secrets)
    sent = {}
    for name, role, office, transport in UNITS:
        beat = sms_beat(office=office) if role is Role.SMS else kiosk_beat(office=office)
        events = random_events(rng, role, transport)
        store.ingest(name, batch(beat, *events[:150]), T0)
        store.ingest(name, batch(*events[150:], start=152, role=role), T0)
        sent[name] = events
    return sent


def expected(events: list[UsageEvent], period: Period) -> Figures:
    """The report's figures computed the slow way, straight from the events."""
    figures = Figures()
    for event in events:
        if period.start <= vietnam_day(event.hour) <= period.end:
            figures.outcomes[event.outcome] += 1
            if event.outcome.is_lookup:
                figures.histogram[latency_bucket(event.latency_ms)] += 1
            if event.outcome.answered and event.status:
                figures.statuses[event.status] += 1
    return figures


def same(left: Figures, right: Figures) -> bool:
    return (+left.outcomes, +left.histogram, +left.statuses) == (
        +right.outcomes,
        +right.histogram,
        +right.statuses,
    )


@pytest.mark.parametrize(
    "period",
    [
        Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)),  # whole months: the monthly totals
        Period(dt.date(2026, 1, 17), dt.date(2026, 5, 3)),  # parts of months: the single events
        Period(dt.date(2026, 3, 5), dt.date(2026, 3, 9)),  # a few days of one month
    ],
)
def test_every_figure_matches_the_events(
    store: FleetStore, filled: dict[str, list[UsageEvent]], period: Period
) -> None:
    report = build_report(store.engine, period)
    everything = [event for events in filled.values() for event in events]
    assert same(report.province.total, expected(everything, period))
    for name, role, office, _ in UNITS:
        [key] = [key for key in report.units if key.name == name]
        assert (key.role, key.office) == (role, office)
        assert same(report.units[key], expected(filled[name], period))
    for channel in {channel_key(role, transport) for _, role, _, transport in UNITS}:
        of_channel = [
            event
            for name, role, _, transport in UNITS
            if channel_key(role, transport) == channel
            for event in filled[name]
        ]
        for month in period.months:
            in_month = [e for e in of_channel if f"{vietnam_day(e.hour):%Y-%m}" == month]
            assert same(report.channels[channel].months[month], expected(in_month, period))
    for office in {office for _, _, office, _ in UNITS}:
        of_office = [e for name, _, o, _ in UNITS if o == office for e in filled[name]]
        assert same(report.offices[office].total, expected(of_office, period))
    cells = unit_months(store.engine, period)
    assert sum(cell.figures.lookups for cell in cells) == report.province.total.lookups


def test_the_columns_count_as_the_sms_report_does() -> None:
    figures = Figures(
        outcomes=Counter(
            {
                "found": 5,
                "last_known": 2,
                "not_found": 3,
                "rejected": 1,
                "invalid_code": 2,
                "unavailable": 1,
                "help": 4,
                "unknown": 1,
            }
        ),
        histogram=Counter({100: 3, 200: 1, 900: 4}),
    )
    assert [
        figures.value(column)
        for column in (
            "lookups",
            "answered",
            "last_known",
            "not_found",
            "wrong_code",
            "unavailable",
            "help",
            "median_ms",
        )
    ] == [14, 7, 2, 3, 3, 1, 5, 200]


@pytest.mark.parametrize(
    ("histogram", "middle"),
    [
        ([], None),
        ([(5, 1)], 5),
        ([(1, 1), (9, 1)], 1),
        ([(1, 1), (5, 1), (9, 1)], 5),
        ([(9, 3), (1, 1)], 9),
    ],
)
def test_median_of_a_histogram(histogram: list[tuple[int, int]], middle: int | None) -> None:
    assert median(histogram) == middle


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (dt.date(2026, 7, 1), dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
        (dt.date(2027, 1, 1), dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
    ],
)
def test_the_default_period_is_the_last_full_half_year(
    today: dt.date, start: dt.date, end: dt.date
) -> None:
    assert Period.last_full_half_year(today) == Period(start, end)
    assert len(Period(start, end).months) == 6


def test_whole_months() -> None:
    period = Period(dt.date(2024, 2, 1), dt.date(2024, 3, 30))
    assert period.whole("2024-02")  # a leap year's February, all 29 days
    assert not period.whole("2024-03")


def test_the_pdf_prints_what_units_say_as_plain_text(tmp_path: Path) -> None:
    """ReportLab reads a paragraph as markup: an office named with ``&`` or ``<`` (its units
    say it) must come out as written, not stop the report."""
    store = FleetStore(f"sqlite:///{tmp_path}/fleet.sqlite3")
    store.upgrade()
    try:
        office = "Sở Tư pháp & UBND <xã> Vị Thủy"
        events = [usage(T0, channel=Role.SMS, transport="sms<gw>")]
        store.ingest("box", batch(sms_beat(office=office), *events), T0)
        report = build_report(store.engine, Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31)))
    finally:
        store.close()
    pdf = pypdf.PdfReader(io.BytesIO(report_pdf(report)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert office in text and "sms<gw>" in text
