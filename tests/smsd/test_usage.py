"""The usage report, from events the daemon's own store wrote."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest

from dossier import ICT, Language
from hardware.modem import Incoming
from smsd import Note, Origin, Outcome, Store, UsageEvent
from smsd._store import read_events
from smsd._usage import COLUMN_OF, COLUMNS, build_report, render_table
from smsd.usage_cli import main


def answer(store: Store, when: dt.datetime, events: list[UsageEvent]) -> None:
    """One SMS received and answered at ``when``, leaving ``events``."""
    sender = f"+849123{int(when.timestamp()) % 100000:05d}"
    store.receive(Incoming("00", sender, "HS", when, None), now=when.timestamp())
    (message,) = store.due_messages(now=when.timestamp())
    store.answer(message, "reply", events, note=Note.LOOKUP, now=when.timestamp())


def on(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ICT)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "smsd.sqlite3"
    store = Store(path)
    # 31 March 23:30 in Vietnam is still March there, though already 16:30 UTC.
    answer(store, on(3, 31, 23, 30), [UsageEvent(Outcome.FOUND, "processing", 40)])
    answer(store, on(4, 1), [
        UsageEvent(Outcome.FOUND, "result_ready", 20),
        UsageEvent(Outcome.NOT_FOUND, None, 30),
    ])  # fmt: skip
    answer(store, on(4, 2), [UsageEvent(Outcome.INVALID_CODE, None, 1)])
    answer(store, on(4, 3), [UsageEvent(Outcome.REJECTED, None, 9)])
    answer(store, on(4, 4), [UsageEvent(Outcome.HELP, None, 1)])
    answer(store, on(4, 5), [UsageEvent(Outcome.UNKNOWN, None, 1)])
    answer(store, on(4, 6), [UsageEvent(Outcome.LAST_KNOWN, "processing", 600_000)])
    answer(store, on(4, 7), [UsageEvent(Outcome.UNAVAILABLE, None, 5)])
    answer(store, on(9, 1), [UsageEvent(Outcome.FOUND, "delivered", 8)])
    store.close()
    return path


def test_months_and_columns(database: Path) -> None:
    rows = Store(database).events()
    report = build_report(rows, dt.date(2026, 3, 1), dt.date(2026, 8, 31))
    assert list(report.months) == ["2026-03", "2026-04"]
    april = report.months["2026-04"].counts
    assert dict(april) == {
        "lookups": 6,
        "found": 1,
        "not_found": 1,
        "invalid_code": 2,
        "last_known": 1,
        "unavailable": 1,
        "help": 2,
    }
    assert report.total.counts["lookups"] == 7
    assert report.total.median_ms == 20
    assert {status.value: n for status, n in report.statuses.items()} == {
        "processing": 2,
        "result_ready": 1,
    }


def test_table_in_both_languages(database: Path) -> None:
    report = build_report(Store(database).events(), dt.date(2026, 3, 1), dt.date(2026, 9, 30))
    vi = render_table(report, Language.VI)
    assert vi.startswith("Tra cứu hồ sơ qua tin nhắn: số liệu từ 01/03/2026 đến 30/09/2026\n")
    assert "Cộng" in vi and "Đang xử lý: 2" in vi and "Đã trả kết quả: 1" in vi
    en = render_table(report, Language.EN)
    assert "Total" in en and "In progress: 2" in en
    total = next(line for line in en.splitlines() if line.startswith("Total"))
    assert total.split() == ["Total", "8", "3", "1", "1", "2", "1", "0", "2", "0", "0", "14"]


def test_command(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(f"[smsd]\ndatabase = {database}\n")
    argv = ["--config", str(config), "--from", "2026-04-01", "--to", "2026-04-30", "--csv"]
    assert main(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["month", "lookups", "found"]
    assert rows[1][:3] == ["2026-04", "6", "1"]
    assert rows[-1][0] == "2026-04"


def test_command_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(f"[smsd]\ndatabase = {tmp_path / 'absent.sqlite3'}\n")
    assert main(["--config", str(config)]) == 2
    assert "no SMS database" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--config", str(config), "--from", "31/01/2026"])
    assert "not a date like 2026-01-31" in capsys.readouterr().err


def test_every_outcome_is_counted_in_its_own_place() -> None:
    assert set(COLUMN_OF) == set(Outcome)
    assert set(COLUMN_OF.values()) <= set(COLUMNS)


def test_send_events_and_unknown_outcomes_are_no_lookups(tmp_path: Path) -> None:
    path = tmp_path / "smsd.sqlite3"
    store = Store(path)
    answer(store, on(5, 2), [UsageEvent(Outcome.FOUND, "processing", 10)])
    store.close()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO events (at, channel, outcome, status, latency_ms)"
            " VALUES (?, 'sms', ?, NULL, 0)",
            [
                ("2026-05-02T02:00:00+00:00", "resent"),
                ("2026-05-02T02:00:00+00:00", "unsent"),
                ("2026-05-02T02:00:00+00:00", "fonud"),  # a typo, or a newer release's outcome
            ],
        )
    report = build_report(read_events(sqlite3.connect(path)), on(5, 1).date(), on(5, 31).date())
    may = report.months["2026-05"].counts
    assert (may["lookups"], may["found"], may["resent"], may["unsent"]) == (1, 1, 1, 1)
    assert report.unrecognised == 1
    assert "Events of an unknown kind (left out): 1" in render_table(report, Language.EN)


def test_figures_split_by_transport_and_sim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "smsd.sqlite3"
    store = Store(path)
    ways = [
        (Origin("modem-pool", "sim1"), Outcome.FOUND, on(5, 2)),
        (Origin("modem-pool", "sim1"), Outcome.NOT_FOUND, on(5, 3)),
        (Origin("modem-pool", "sim2"), Outcome.FOUND, on(5, 4)),
        (Origin("smpp", "8077", acknowledged_later=True), Outcome.FOUND, on(6, 1)),
    ]
    for index, (origin, outcome, when) in enumerate(ways):
        sender = f"+8491234{index:04d}"
        store.receive(Incoming("00", sender, "HS", when, None), now=when.timestamp(), origin=origin)
        (message,) = store.due_messages(now=when.timestamp())
        event = UsageEvent(outcome, "processing" if outcome is Outcome.FOUND else None, 10)
        store.answer(message, "reply", [event], note=Note.LOOKUP, now=when.timestamp())
    store.close()
    report = build_report(read_events(sqlite3.connect(path)), on(5, 1).date(), on(6, 30).date())
    assert report.split
    assert {key: month.counts["lookups"] for key, month in report.routes.items()} == {
        ("modem-pool", "sim1"): 2,
        ("modem-pool", "sim2"): 1,
        ("smpp", "8077"): 1,
    }
    table = render_table(report, Language.EN)
    assert "By transport and SIM:" in table
    sim1 = next(line for line in table.splitlines() if line.startswith("modem-pool sim1"))
    assert sim1.split()[2:5] == ["2", "1", "0"]  # lookups, found, last known
    config = tmp_path / "onestop.conf"
    config.write_text(f"[smsd]\ndatabase = {path}\n")
    argv = ["--config", str(config), "--from", "2026-05-01", "--to", "2026-06-30"]
    assert main([*argv, "--csv", "--by-route"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:5] == ["month", "transport", "sim", "lookups", "found"]
    assert [row[:5] for row in rows[1:]] == [
        ["2026-05", "modem-pool", "sim1", "2", "1"],
        ["2026-05", "modem-pool", "sim2", "1", "1"],
        ["2026-06", "smpp", "8077", "1", "1"],
    ]


def test_a_single_modem_report_has_no_split(database: Path) -> None:
    report = build_report(Store(database).events(), dt.date(2026, 3, 1), dt.date(2026, 9, 30))
    assert not report.split
    assert "By transport and SIM" not in render_table(report, Language.EN)
