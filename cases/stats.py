"""Supervisor numbers per agency over a range of city days.

The dashboard page and the stats API both read them from here, so a number means the same in
both. The counts of the range come from the daily summary rows (cases/day_stats.py keeps them
with the cases): one GROUP BY over at most an agency's row per day, whatever the number of
cases. What the rows cannot hold is read from the cases through an index that covers it: the
backlog now (the open cases) and cases due today whose due time has passed. The resolution-
time percentiles of the range are exact: the daily rows count the resolution times in buckets,
which say where the median and p90 ranks lie, and only the cases of those buckets are read
(cases/resolution_times.py). Should the buckets disagree with the cases, the percentiles are
computed from every resolved case of the range instead: percentile_cont on PostgreSQL; on SQLite
(which has no percentile function) `percentile` interpolates the durations the same way.

What the numbers mean (the range is whole days `first`..`last` of the city's calendar):

- total: cases filed in the range that the agency holds now.
- open (the backlog) and overdue: now, whatever the range. Overdue means past due with the SLA
  clock running; a case waiting on the citizen has a stopped clock and is never overdue.
- resolved, median and p90 resolution hours: cases resolved (or resolved then closed) in the
  range; hours from filing to resolution.
- SLA compliance: cases *due* in the range. The due date, not the filing date, picks them because
  a case's outcome is settled at its due time: a past range keeps its numbers as work goes on.
  On time: resolved by the due time. Late: resolved after it, still open with the clock running
  past it, or waiting on the citizen after a pause that began when it was already late (waiting
  does not forgive lost time). Cases not yet due, waiting cases paused in time, rejected and
  merged cases are in neither count. An open late case counts, not only closed ones.
- misrouting rate: forwards out of the agency in the range / cases it received in the range
  (filed there or forwarded to it), from the case history.
- rating: the citizens' 1-5 ratings given in the range, their count and mean.
- referred: cases referred in the range (at filing or by staff) to each referral body outside
  the city government. They are neither resolved nor rejected, and the bodies have no row of
  the agency table: a referral is not the city's work, nor its failure.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import groupby
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from cases.day_stats import NO_AGENCY
from cases.enums import CLOCK_STATUSES, OPEN_STATUSES
from cases.models import AgencyDay, Case
from cases.resolution_times import (
    FRACTIONS,
    RESOLVED_STATUSES,
    interpolated,
    resolution_hours,
    seconds_column,
)
from cases.schemas import AgencyStats
from core.db import open_session, utcnow
from routing.catalogue import REFERRAL
from routing.models import Agency

T = TypeVar("T")

DEFAULT_DAYS = 12 * 7
# one chart bar pair per week: two years is already a hundred of them
MAX_DAYS = 2 * 366
# dates outside these are typing mistakes, and far enough from year 1 and 9999 for arithmetic
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between ranks, as PostgreSQL's percentile_cont does."""
    if not sorted_values:
        return None
    return interpolated(sorted_values.__getitem__, len(sorted_values), fraction)


class PeriodError(ValueError):
    """A date range the numbers are not computed for; `reason` names the console's words."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Period:
    """Whole days `first`..`last` (both included) of the city's calendar."""

    first: date
    last: date
    timezone: str

    @property
    def start(self) -> datetime:
        """The city's midnight starting `first`, in UTC."""
        return datetime.combine(self.first, time(), ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The city's midnight after `last`, in UTC: the first moment outside the range."""
        day_after = self.last + timedelta(days=1)
        return datetime.combine(day_after, time(), ZoneInfo(self.timezone)).astimezone(UTC)

    def holds(self, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
        return sa.and_(column >= self.start, column < self.end)

    def weeks(self) -> list[tuple[date, date]]:
        """The ISO weeks (Monday to Sunday) the range touches, cut to the range at both ends."""
        monday = self.first - timedelta(days=self.first.weekday())
        spans = []
        while monday <= self.last:
            spans.append((max(monday, self.first), min(monday + timedelta(days=6), self.last)))
            monday += timedelta(days=7)
        return spans


def period(first: date | None, last: date | None, timezone: str) -> Period:
    """The range asked for; without `to` it ends today, without `from` it spans 12 weeks."""
    last = last or datetime.now(ZoneInfo(timezone)).date()
    # `last` is checked before the default `first` is counted back from it: from a date near
    # year 1 that count would leave the calendar
    if not EARLIEST <= last <= LATEST:
        raise PeriodError("bad_date", f"dates must lie between {EARLIEST} and {LATEST}")
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if not EARLIEST <= first <= LATEST:
        raise PeriodError("bad_date", f"dates must lie between {EARLIEST} and {LATEST}")
    if first > last:
        raise PeriodError("from_after_to", "'from' must not be after 'to'")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError("range_too_long", f"a range spans at most {MAX_DAYS} days")
    return Period(first, last, timezone)


@dataclass(frozen=True)
class WeekCount:
    """Cases filed and resolved in one ISO week (or the part of it inside the range)."""

    first: date
    last: date
    opened: int
    resolved: int


# an agency's code, or None for the triage desk, and a city day
DayKey = tuple[str | None, date]


@dataclass(frozen=True)
class ReferredCount:
    """Cases referred in the range to one referral body outside the city government."""

    code: str
    name: str
    name_en: str
    count: int


@dataclass(frozen=True)
class Overview:
    """The dashboard: a row per active city agency, their totals, the triage desk's backlog,
    the cases filed and resolved per agency and day for the weekly chart, and the cases
    referred per referral body (those with any, most first)."""

    period: Period
    agencies: list[AgencyStats]
    totals: AgencyStats
    triage_open: int
    triage_overdue: int
    filed: Mapping[DayKey, int]
    resolved: Mapping[DayKey, int]
    referred: list[ReferredCount] = field(default_factory=list)

    @property
    def referred_total(self) -> int:
        return sum(row.count for row in self.referred)

    def weeks(self, agency: str | None = None) -> list[WeekCount]:
        """Per ISO week of the range, of one agency (by code) or of every case."""
        return weeks_of(self.period, self.filed, self.resolved, agency)


def weeks_of(
    period: Period,
    filed: Mapping[DayKey, int],
    resolved: Mapping[DayKey, int],
    agency: str | None = None,
) -> list[WeekCount]:
    """Per ISO week of the range, the day counts of one agency (by code) or of every case."""
    spans = period.weeks()
    first_monday = spans[0][0] - timedelta(days=spans[0][0].weekday())

    def by_week(counts: Mapping[DayKey, int]) -> list[int]:
        sums = [0] * len(spans)
        for (code, day), count in counts.items():
            if agency is None or code == agency:
                week = (day - first_monday).days // 7
                sums[week] += count
        return sums

    return [
        WeekCount(first, last, opened, done)
        for (first, last), opened, done in zip(
            spans, by_week(filed), by_week(resolved), strict=True
        )
    ]


@dataclass
class _Tally:
    """One agency's counts as the queries fill them in; added up for the totals row."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    sla_on_time: int = 0
    sla_late: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    forwarded: int = 0
    received: int = 0

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def stats(self, code: str, name: str, hours: tuple[float | None, float | None]) -> AgencyStats:
        return AgencyStats(
            agency=code,
            name=name,
            total=self.total,
            open=self.open,
            overdue=self.overdue,
            resolved=self.resolved,
            median_resolution_hours=_rounded(hours[0], 2),
            p90_resolution_hours=_rounded(hours[1], 2),
            forwarded=self.forwarded,
            received=self.received,
            misrouting_rate=_share(self.forwarded, self.received),
            sla_on_time=self.sla_on_time,
            sla_late=self.sla_late,
            sla_compliance=_share(self.sla_on_time, self.sla_on_time + self.sla_late),
            rating_count=self.rating_count,
            rating_mean=_rounded(self.rating_sum / self.rating_count, 2)
            if self.rating_count
            else None,
        )


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _backlog(session: Session, now: datetime) -> Iterable[tuple[int | None, int, int]]:
    """Open and overdue cases now, per agency: the numbers the range does not change."""
    status = col(Case.status)
    overdue = sa.and_(status.in_(list(CLOCK_STATUSES)), col(Case.due_at) < now)
    return session.execute(
        sa.select(Case.agency_id, sa.func.count(), sa.func.count().filter(overdue))
        .where(status.in_(list(OPEN_STATUSES)))
        .group_by(Case.agency_id)
    ).all()


def open_breaches(session: Session, now: datetime) -> dict[int | None, int]:
    """Open cases past their due time with the SLA clock running, per agency id (None: the
    cases in triage); read from the backlog index (`ix_cases_open_agency`) alone.

    One condition on the status: PostgreSQL sees that the clock's statuses are open ones (so
    the backlog's partial index serves), while a second one, the open statuses spelled out,
    made it multiply the two shares and take the status index for a fiftieth of the rows it
    then read (bench.metrics: 512 ms instead of 32 ms at a million cases).
    """
    return dict(
        session.execute(
            sa.select(Case.agency_id, sa.func.count())
            .where(col(Case.status).in_(list(CLOCK_STATUSES)), col(Case.due_at) < now)
            .group_by(Case.agency_id)
        ).all()
    )


def _late_today(
    session: Session, period: Period, now: datetime
) -> Iterable[tuple[int | None, int]]:
    """Cases due earlier today (the city's day) whose SLA clock still runs, per agency: late
    now. The summary rows hold such cases by the day they are due; this day is the one where
    only some of them are late yet."""
    day = now.astimezone(ZoneInfo(period.timezone)).date()
    today = Period(day, day, period.timezone)
    since, until = max(today.start, period.start), min(now, period.end)
    if since >= until:
        return []
    due = col(Case.due_at)
    return session.execute(
        sa.select(Case.agency_id, sa.func.count())
        .where(col(Case.status).in_(list(CLOCK_STATUSES)), due >= since, due < until)
        .group_by(Case.agency_id)
    ).all()


def _in_days(period: Period) -> sa.ColumnElement[bool]:
    day = col(AgencyDay.day)
    return sa.and_(day >= period.first, day <= period.last)


def _summed(session: Session, period: Period, today: date) -> Iterable[sa.Row]:
    """The summary rows of the range added up per agency; `late` counts the cases whose clock
    still runs as late on the days before `today`."""
    row = AgencyDay.__table__.c
    counted = (
        "filed",
        "resolved",
        "sla_on_time",
        "forwarded",
        "received",
        "referred",
        "rating_count",
        "rating_sum",
    )
    running_late = sa.case((row.day < today, row.sla_running), else_=0)
    return session.execute(
        sa.select(
            row.agency_id,
            *(sa.func.sum(row[name]).label(name) for name in counted),
            sa.func.sum(row.sla_late + running_late).label("late"),
        )
        .where(_in_days(period))
        .group_by(row.agency_id)
    ).all()


def _per_day(
    session: Session, period: Period, codes: Mapping[int, str], *columns: str
) -> list[dict[DayKey, int]]:
    """For each of `columns` of the summary rows, its counts per agency code and day of the
    range (none for a day without any)."""
    row = AgencyDay.__table__.c
    counts: list[dict[DayKey, int]] = [{} for _ in columns]
    query = sa.select(row.agency_id, row.day, *(row[name] for name in columns)).where(
        _in_days(period), sa.or_(*(row[name] != 0 for name in columns))
    )
    for agency_id, day, *values in session.execute(query):
        for by_day, value in zip(counts, values, strict=True):
            if value:
                by_day[codes.get(agency_id), day] = value
    return counts


def _resolution_hours(
    session: Session, period: Period
) -> dict[int | None, tuple[float | None, float | None]]:
    """Median and p90 hours to resolution per agency; key None is all agencies together."""
    hours = resolution_hours(session, period.first, period.last, period.start, period.end)
    return hours if hours is not None else resolution_hours_of_every_case(session, period)


def resolution_hours_of_every_case(
    session: Session, period: Period
) -> dict[int | None, tuple[float | None, float | None]]:
    """`_resolution_hours` from every resolved case of the range."""
    dialect = session.get_bind().dialect.name
    hours = seconds_column(dialect) / 3600.0
    where = (
        col(Case.status).in_(list(RESOLVED_STATUSES)),
        period.holds(col(Case.resolved_at)),
        col(Case.agency_id).is_not(None),
    )
    if dialect == "postgresql":
        both = sa.func.percentile_cont(postgresql.array(list(FRACTIONS))).within_group(hours)
        query = (
            sa.select(Case.agency_id, sa.type_coerce(both, postgresql.ARRAY(sa.Float)))
            .where(*where)
            .group_by(sa.func.rollup(Case.agency_id))  # the row with agency None: everyone
        )
        # with no resolved case at all, the rollup row is still there, with NULL
        return {
            agency_id: (pair[0], pair[1]) if pair else (None, None)
            for agency_id, pair in session.execute(query)
        }
    rows = session.execute(sa.select(Case.agency_id, hours).where(*where).order_by(Case.agency_id))
    by_agency = {
        agency_id: sorted(value for _, value in group)
        for agency_id, group in groupby(rows, key=lambda row: row[0])
    }
    everyone = sorted(value for values in by_agency.values() for value in values)
    return {
        key: tuple(percentile(values, fraction) for fraction in FRACTIONS)
        for key, values in [*by_agency.items(), (None, everyone)]
    }


def _alongside(session: Session, read: Callable[[Session], T]) -> Future[T]:
    """`read` on a connection of its own while this session runs its queries (PostgreSQL).

    The queries are independent index scans; on two connections the database server runs them
    on two cores at once (bench/stats.py measures it). Each statement already saw its own
    snapshot (READ COMMITTED), so the numbers agree as well as they did; the other connection
    sees only what is committed, which is all the callers (pages and API that only read) have.
    SQLite gains nothing from a second reader of one file: there `read` runs here, first.
    """
    future: Future[T] = Future()
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql":
        future.set_result(read(session))
        return future

    def run() -> None:
        try:
            with open_session(engine, dispatcher=None) as own:
                future.set_result(read(own))
        except BaseException as exc:  # handed to the request thread, which raises it
            future.set_exception(exc)

    threading.Thread(target=run, name="aduan-stats", daemon=True).start()
    return future


@dataclass(frozen=True)
class _Numbers:
    """The agencies' rows, their totals and the referral bodies' counts of a range."""

    agencies: list[Agency]
    tally: Mapping[int | None, _Tally]
    hours: Mapping[int | None, tuple[float | None, float | None]]
    referred: list[ReferredCount]

    @property
    def codes(self) -> dict[int | None, str]:
        return {agency.id: agency.code for agency in self.agencies}

    def rows(self) -> tuple[list[AgencyStats], AgencyStats]:
        """Every active city agency's numbers, and their totals (agency and name empty)."""
        active = [a for a in self.agencies if a.active and a.kind != REFERRAL]
        no_hours = (None, None)
        return (
            [
                self.tally[a.id].stats(a.code, a.name, self.hours.get(a.id, no_hours))
                for a in active
            ],
            sum((self.tally[a.id] for a in active), _Tally()).stats(
                "", "", self.hours.get(None, no_hours)
            ),
        )


def _numbers(session: Session, period: Period) -> _Numbers:
    now = utcnow()
    hours = _alongside(session, partial(_resolution_hours, period=period))
    tally: defaultdict[int | None, _Tally] = defaultdict(_Tally)
    for agency_id, open_now, overdue in _backlog(session, now):
        tally[agency_id].open, tally[agency_id].overdue = open_now, overdue
    today = now.astimezone(ZoneInfo(period.timezone)).date()
    referred_ids: dict[int, int] = {}
    for row in _summed(session, period, today):
        agency_id = None if row.agency_id == NO_AGENCY else row.agency_id
        counts = tally[agency_id]
        counts.total, counts.resolved = row.filed, row.resolved
        counts.sla_on_time, counts.sla_late = row.sla_on_time, row.late
        counts.forwarded, counts.received = row.forwarded, row.received
        counts.rating_count, counts.rating_sum = row.rating_count, row.rating_sum
        if row.referred and agency_id is not None:
            referred_ids[agency_id] = row.referred
    for agency_id, late in _late_today(session, period, now):
        tally[agency_id].sla_late += late
    agencies = list(session.exec(select(Agency).order_by(Agency.code)))
    bodies = {agency.id: agency for agency in agencies if agency.kind == REFERRAL}
    referred = [
        ReferredCount(bodies[i].code, bodies[i].name, bodies[i].name_en, count)
        for i, count in referred_ids.items()
        if i in bodies
    ]
    return _Numbers(
        agencies, tally, hours.result(), sorted(referred, key=lambda r: (-r.count, r.code))
    )


def overview(session: Session, period: Period) -> Overview:
    """Every active city agency's numbers for the range, their totals (agency and name
    empty), and the cases referred to bodies outside the city."""
    numbers = _numbers(session, period)
    agencies, totals = numbers.rows()
    filed, resolved = _per_day(session, period, numbers.codes, "filed", "resolved")
    return Overview(
        period=period,
        agencies=agencies,
        totals=totals,
        triage_open=numbers.tally[None].open,
        triage_overdue=numbers.tally[None].overdue,
        filed=filed,
        resolved=resolved,
        referred=numbers.referred,
    )


def agency_stats(session: Session, period: Period) -> list[AgencyStats]:
    return _numbers(session, period).rows()[0]


def public_weeks(session: Session, period: Period) -> dict[str | None, list[WeekCount]]:
    """Cases filed and resolved per ISO week of the range, per agency code and (key None) for
    every case, leaving out Rahasia cases: cases/publishing.py lets them count in an agency's
    totals only, and a week is finer than that."""
    codes = {agency.id: agency.code for agency in session.exec(select(Agency))}
    by_day = _per_day(session, period, codes, "filed_public", "resolved_public")
    return {code: weeks_of(period, *by_day, code) for code in (None, *codes.values())}
