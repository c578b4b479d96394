"""The daily summary rows the statistics read: kept with the cases through the real lifecycle,
they answer as the cases themselves do, on both databases, at the city's day boundaries."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import Session, select
from typer.testing import CliRunner

from aduan.cli import app
from cases import stats
from cases.day_stats import rebuild
from cases.enums import CLOCK_STATUSES, OPEN_STATUSES, CaseStatus, EventKind
from cases.lifecycle import move_to
from cases.models import (
    AgencyDay,
    Case,
    CaseEvent,
    agency_day_durations,
    agency_month_durations,
)
from cases.resolution_times import BOUNDS
from cases.schemas import AgencyStats
from core.db import get_engine, utcnow
from core.settings import Settings, get_settings
from intake.demo import seed_demo_cases
from intake.messages import InboundMessage
from intake.service import receive
from routing.catalogue import REFERRAL
from routing.models import Agency
from staff.models import User
from tests.helpers import RUBBISH

# not the default zone: nothing may lean on Jakarta's offset
ZONE = "Asia/Jayapura"
DEMO_CASES = 160
# the city day whose midnights the boundary cases straddle, counted back from today
EDGE_DAYS_AGO = 9
PAVEMENT = "Jalan berlubang besar di depan pasar, mohon segera diperbaiki sebelum ada korban"
# hours to resolution as the statistics have always defined them, each database its own way:
# PostgreSQL to the microsecond, SQLite in whole seconds
SECONDS_SQL = {
    "postgresql": "date_part('epoch', resolved_at - created_at)",
    "sqlite": "strftime('%s', resolved_at) - strftime('%s', created_at)",
}


@pytest.fixture
def city(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CITY_TIMEZONE", ZONE)
    get_settings.cache_clear()
    return get_settings()


def summary_rows(settings: Settings) -> set[tuple]:
    """The rows of both summary tables that count anything (a move can leave a row of zeros
    behind)."""
    with get_engine(settings.database_url).connect() as connection:
        return {
            (table.name, *row)
            for table in (AgencyDay.__table__, agency_day_durations, agency_month_durations)
            for row in connection.execute(sa.select(table))
            if any(row[2:])
        }


def hours_taken(session: Session) -> dict[int, float]:
    """Each resolved case's hours to resolution, as the database computes them."""
    dialect = session.get_bind().dialect.name
    query = f"SELECT id, {SECONDS_SQL[dialect]} FROM cases WHERE resolved_at IS NOT NULL"
    return {case_id: float(taken) / 3600.0 for case_id, taken in session.execute(sa.text(query))}


def file_at(session: Session, settings: Settings, moment: datetime, text: str = PAVEMENT) -> Case:
    with time_machine.travel(moment, tick=False):
        case = receive(
            session, settings, InboundMessage(channel="web", text=text, received_at=moment)
        ).case
        session.commit()
    return case


def move_at(session: Session, settings: Settings, case: Case, status: str, moment: datetime):
    actor = session.exec(select(User).where(User.username == "supervisor")).one()
    with time_machine.travel(moment, tick=False):
        move_to(session, settings, case, CaseStatus(status), actor=actor)
        session.commit()


def file_on_the_edges(session: Session, settings: Settings) -> None:
    """Cases filed a microsecond before and at a city midnight, resolved at the next one."""
    zone = ZoneInfo(settings.city_timezone)
    today = datetime.now(zone).date()
    midnight = datetime.combine(today - timedelta(days=EDGE_DAYS_AGO), datetime.min.time(), zone)
    before, at = midnight - timedelta(microseconds=1), midnight
    early, late = file_at(session, settings, before), file_at(session, settings, at)
    for case in (early, late):
        move_at(session, settings, case, "in_progress", at + timedelta(hours=1))
    next_midnight = midnight + timedelta(days=1)
    move_at(session, settings, early, "resolved", next_midnight - timedelta(microseconds=1))
    move_at(session, settings, late, "resolved", next_midnight)


@dataclass
class Expected:
    """The numbers worked out case by case, as the module docstring of cases/stats.py says."""

    rows: dict[int | None, Counter]
    hours: dict[int | None, list[float]]
    filed: Counter
    resolved: Counter


def expected(
    cases: list[Case],
    events: list[CaseEvent],
    taken: dict[int, float],
    period: stats.Period,
    now: datetime,
) -> Expected:
    start, end, zone = period.start, period.end, ZoneInfo(period.timezone)

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    rows: defaultdict[int | None, Counter] = defaultdict(Counter)
    hours: defaultdict[int | None, list[float]] = defaultdict(list)
    filed, resolved = Counter(), Counter()
    for case in cases:
        row = rows[case.agency_id]
        finished = case.status in ("resolved", "closed") and case.resolved_at is not None
        row["open"] += case.status in OPEN_STATUSES
        row["overdue"] += case.status in CLOCK_STATUSES and case.due_at < now
        if within(case.created_at):
            row["total"] += 1
            filed[case.agency_id, case.created_at.astimezone(zone).date()] += 1
        if finished and within(case.resolved_at):
            row["resolved"] += 1
            resolved[case.agency_id, case.resolved_at.astimezone(zone).date()] += 1
            if case.agency_id is not None:
                hours[case.agency_id].append(taken[case.id])
                hours[None].append(taken[case.id])
        if within(case.due_at):
            row["sla_on_time"] += finished and case.resolved_at <= case.due_at
            row["sla_late"] += (
                (finished and case.resolved_at > case.due_at)
                or (case.status in CLOCK_STATUSES and case.due_at < now)
                or (
                    case.status == "waiting"
                    and case.paused_at is not None
                    and case.due_at <= case.paused_at
                )
            )
        if case.rating is not None and within(case.rated_at):
            row["rating_count"] += 1
            row["rating_sum"] += case.rating
        if case.status == "referred" and within(case.referred_at):
            row["referred"] += 1
    for event in events:
        if event.kind in (EventKind.created, EventKind.forwarded) and within(event.created_at):
            if event.kind == EventKind.forwarded and event.from_agency_id is not None:
                rows[event.from_agency_id]["forwarded"] += 1
            if event.to_agency_id is not None:
                rows[event.to_agency_id]["received"] += 1
    return Expected(rows, hours, filed, resolved)


COUNTED = (
    "total",
    "open",
    "overdue",
    "resolved",
    "sla_on_time",
    "sla_late",
    "rating_count",
    "forwarded",
    "received",
)


def compare(session: Session, period: stats.Period, now: datetime) -> None:
    cases = list(session.exec(select(Case)))
    events = list(session.exec(select(CaseEvent)))
    agencies = list(session.exec(select(Agency)))
    want = expected(cases, events, hours_taken(session), period, now)
    got = stats.overview(session, period)
    city = [a for a in agencies if a.active and a.kind != REFERRAL]
    by_code = {row.agency: row for row in got.agencies}
    for agency in city:
        row, counts = by_code[agency.code], want.rows[agency.id]
        assert {name: getattr(row, name) for name in COUNTED} == {
            name: counts[name] for name in COUNTED
        }, (period, agency.code)
        ratings = counts["rating_count"]
        assert row.rating_mean == (round(counts["rating_sum"] / ratings, 2) if ratings else None)
        assert hours_of(row) == percentiles(want.hours[agency.id]), (period, agency.code)
    assert hours_of(got.totals) == percentiles(want.hours[None]), period
    assert got.totals.total == sum(want.rows[a.id]["total"] for a in city)
    assert got.triage_open == want.rows[None]["open"]
    codes = {agency.id: agency.code for agency in agencies}
    assert got.filed == {(codes.get(a), day): n for (a, day), n in want.filed.items()}
    assert got.resolved == {(codes.get(a), day): n for (a, day), n in want.resolved.items()}
    bodies = {a.id: a.code for a in agencies if a.kind == REFERRAL}
    assert {row.code: row.count for row in got.referred} == {
        bodies[agency_id]: row["referred"]
        for agency_id, row in want.rows.items()
        if agency_id in bodies and row["referred"]
    }


def hours_of(row: AgencyStats) -> tuple[float | None, float | None]:
    return row.median_resolution_hours, row.p90_resolution_hours


def percentiles(hours: list[float]) -> tuple[float | None, float | None]:
    """Median and p90 of `hours` interpolated as percentile_cont does, to the hundredth."""
    if not hours:
        return None, None
    ordered = sorted(hours)

    def at(fraction: float) -> float:
        position = (len(ordered) - 1) * fraction
        low, high = math.floor(position), math.ceil(position)
        return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)

    return at(0.5), at(0.9)


@pytest.fixture
def worked(city: Settings) -> Iterator[Session]:
    """A hundred days of a city's cases filed and worked through the real service functions,
    and cases on both sides of two city midnights."""
    with Session(get_engine(city.database_url), expire_on_commit=False) as session:
        seed_demo_cases(session, city, DEMO_CASES)
        file_on_the_edges(session, city)
        yield session


def test_the_summaries_answer_as_the_cases_do(
    worked: Session, city: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Every day of the past hundred alone (each city midnight a boundary), the days around the
    boundary cases, the default range, and two years: each number of the overview is what the
    cases and their history say, the percentiles read from the buckets. The rows kept move by
    move are the rows a rebuild computes."""
    now = utcnow()
    today = datetime.now(ZoneInfo(ZONE)).date()
    edge = today - timedelta(days=EDGE_DAYS_AGO)
    periods = [
        stats.period(None, None, ZONE),
        stats.period(today - timedelta(days=730), today, ZONE),
    ]
    periods += [stats.period(edge - timedelta(days=1), edge, ZONE)]
    periods += [stats.period(edge, edge + timedelta(days=1), ZONE)]
    periods += [stats.period(day, day, ZONE) for day in days_back(today, 101)]
    with (
        time_machine.travel(now, tick=False),
        caplog.at_level(logging.WARNING, logger="cases.resolution_times"),
    ):
        for period in periods:
            compare(worked, period, now)
    assert not caplog.records
    kept = summary_rows(city)
    with get_engine(city.database_url).begin() as connection:
        rebuild(connection, ZONE)
    assert summary_rows(city) == kept


# the bucket bound the boundary cases sit on: about a day
BOUNDARY = next(bound for bound in BOUNDS if bound > 80_000)
# seconds to resolution of one agency's cases, ascending: with ten cases the median lies
# between the 5th and 6th, on both sides of a bucket bound (a microsecond below it, which
# SQLite rounds up to the bound itself, and on it); the p90 between two tied cases, and two
# more ties lower down
BOUNDARY_TIMES = (
    300.0,
    3600.0,
    3600.0,
    BOUNDARY - 0.5,
    BOUNDARY - 0.000001,
    float(BOUNDARY),
    BOUNDARY + 1.0,
    500_000.0,
    2_000_000.25,
    2_000_000.25,
)


def test_percentiles_are_exact_across_bucket_bounds_ties_and_lone_cases(
    city: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Ranks on both sides of a bucket bound, tied cases, an agency with one resolved case and
    agencies with none: the median and p90 of every agency and of all together are what
    percentile_cont gives over each case's time, read from the buckets (no fallback)."""
    zone = ZoneInfo(ZONE)
    start = datetime.combine(
        datetime.now(zone).date() - timedelta(days=40), datetime.min.time(), zone
    )
    with Session(get_engine(city.database_url), expire_on_commit=False) as session:
        seed_demo_cases(session, city, 0)  # the accounts only
        for n, taken in enumerate(BOUNDARY_TIMES):
            filed = start + timedelta(hours=n)
            case = file_at(session, city, filed)
            move_at(session, city, case, "resolved", filed + timedelta(seconds=taken))
        lone = file_at(session, city, start, RUBBISH)
        move_at(session, city, lone, "resolved", start + timedelta(hours=5))
        # an open case counts for nothing
        file_at(session, city, start, RUBBISH)
        assert lone.agency_id not in (None, case.agency_id)
        codes = {agency.id: agency.code for agency in session.exec(select(Agency))}
        today = datetime.now(zone).date()
        everything = stats.period(today - timedelta(days=729), today, ZONE)
        with caplog.at_level(logging.WARNING, logger="cases.resolution_times"):
            # the default range, all of it, and all but the day of the earliest resolutions
            for period in (
                stats.period(None, None, ZONE),
                everything,
                stats.period(start.date() + timedelta(days=1), today, ZONE),
            ):
                compare(session, period, utcnow())
            got = {row.agency: row for row in stats.agency_stats(session, everything)}
        assert not caplog.records
        assert hours_of(got[codes[lone.agency_id]]) == (5.0, 5.0)
        assert [code for code, row in got.items() if row.median_resolution_hours] == sorted(
            {codes[lone.agency_id], codes[case.agency_id]}
        )


def test_buckets_that_disagree_with_the_cases_fall_back_to_every_case(
    worked: Session, city: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Counts changed behind the app's back cannot make a percentile wrong: the statistics
    notice the bucket is short, say so in the log, and compute from every resolved case."""
    with get_engine(city.database_url).begin() as connection:
        for table in (agency_day_durations, agency_month_durations):
            columns = [column.name for column in table.columns][2:]
            moved = {columns[0]: sum((table.c[name] for name in columns), 0)}
            connection.execute(sa.update(table).values(**moved, **dict.fromkeys(columns[1:], 0)))
    with caplog.at_level(logging.WARNING, logger="cases.resolution_times"):
        compare(worked, stats.period(None, None, ZONE), utcnow())
    assert "aduan stats rebuild" in caplog.text


def days_back(today: date, count: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(count)]


def test_the_boundary_cases_count_on_their_own_city_days(city: Settings) -> None:
    """The case filed a microsecond before midnight counts on the day before, the one filed at
    midnight on the day itself; the same for their resolutions a day later."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    edge = today - timedelta(days=EDGE_DAYS_AGO)
    with Session(get_engine(city.database_url), expire_on_commit=False) as session:
        seed_demo_cases(session, city, 0)  # the accounts only
        file_on_the_edges(session, city)
        code = session.exec(select(Agency.code).join(Case, Case.agency_id == Agency.id)).first()
        got = stats.overview(session, stats.period(edge - timedelta(days=1), today, ZONE))
        weeks = stats.public_weeks(session, stats.period(edge - timedelta(days=1), today, ZONE))
    day_before, day_after = edge - timedelta(days=1), edge + timedelta(days=1)
    assert got.filed == {(code, day_before): 1, (code, edge): 1}
    assert got.resolved == {(code, edge): 1, (code, day_after): 1}
    assert sum(w.opened for w in weeks[code]) == 2 and sum(w.resolved for w in weeks[code]) == 2


def test_a_move_changes_the_summary_in_its_own_transaction(settings: Settings) -> None:
    """Resolving a case adds to its day's row in the same transaction: seen there before the
    commit, gone with a rollback."""
    engine = get_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        seed_demo_cases(session, settings, 0)
        case = file_at(session, settings, utcnow())
        before = summary_rows(settings)
        actor = session.exec(select(User).where(User.username == "supervisor")).one()
        move_to(session, settings, case, CaseStatus.resolved, actor=actor)
        session.flush()
        resolved = sa.select(sa.func.sum(AgencyDay.resolved))
        assert session.connection().execute(resolved).scalar_one() == 1
        session.rollback()
    assert summary_rows(settings) == before


def test_two_transactions_adding_to_one_row_lose_nothing(settings: Settings) -> None:
    """The second upsert of the same agency and day waits for the first's commit and adds to
    it (PostgreSQL: it is seen waiting on the row lock)."""
    from cases.day_stats import add

    engine = get_engine(settings.database_url)
    key = (1, date(2026, 1, 5), "filed")
    with engine.begin() as connection:
        add(connection, {key: 3})
    first = engine.connect()
    first.begin()
    add(first, {key: 1})
    second_done = threading.Event()

    def second() -> None:
        with engine.begin() as connection:
            add(connection, {key: 1})
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    if engine.dialect.name == "postgresql":
        assert wait_for_lock_waiter(engine)
    else:
        time.sleep(0.3)
    assert not second_done.is_set()
    first.commit()
    first.close()
    thread.join(timeout=15)
    assert second_done.is_set()
    with engine.connect() as connection:
        assert connection.execute(sa.select(AgencyDay.filed)).scalar_one() == 5


def wait_for_lock_waiter(engine: sa.Engine) -> bool:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    for _ in range(100):
        with engine.connect() as connection:
            if connection.execute(query).scalar_one():
                return True
        time.sleep(0.05)
    return False


def test_rebuild_command_recomputes_rows_changed_behind_the_apps_back(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`aduan stats rebuild` puts back what a summary row lost and says how many rows it wrote."""
    monkeypatch.setattr("aduan.cli.configure_logging", lambda log_format: None)
    engine = get_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        file_at(session, settings, utcnow())
    kept = summary_rows(settings)
    with engine.begin() as connection:
        connection.execute(sa.update(AgencyDay).values(filed=0, received=7))
    result = CliRunner().invoke(app, ["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"rebuilt {len(kept)} daily summary rows in Asia/Jakarta" in result.output
    assert summary_rows(settings) == kept
