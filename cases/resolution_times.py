"""How long resolved cases took, counted in buckets per agency and day, and the exact median and
p90 of a range read from those counts and a few index entries.

A case's resolution time is `resolved_at - created_at` in seconds as each database computes
it: PostgreSQL to the microsecond (`date_part('epoch', ...)`), SQLite in whole seconds (its
`strftime('%s', ...)` rounds each time to the millisecond, then drops the fraction). `seconds`
computes in Python the value the database's expression gives, so that the bucket a case is
counted in is the bucket the database finds it in.

The statistics take the cases resolved (or resolved then closed) in a range that an agency
holds. The rows of `agency_day_durations` count them per agency, day of `resolved_at` and
bucket: bucket 0 holds times under BOUNDS[0] seconds, bucket i those from BOUNDS[i-1] up to
BOUNDS[i], the last those from BOUNDS[-1] on; each bound is about a quarter above the one
before, from a minute to a year. `agency_month_durations` holds the same counts per calendar
month, so that a range adds up its whole months' rows and the days' rows of the months it cuts.

The percentiles are exact, the values percentile_cont gives over every case's time: with n
cases, percentile p interpolates linearly between the values of ranks floor((n-1)p) and
ceil((n-1)p) (0-based, ascending). The bucket counts of the range say which bucket holds each
of those ranks and where inside it; the value is then read from that bucket's cases alone
(ORDER BY time OFFSET the place in the bucket), through an expression index of the resolved
cases' times, per agency and for all agencies together (migration f059e33b6de3). A read walks
at most one bucket's cases of all time instead of every case of the range.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

import sqlalchemy as sa
from sqlmodel import Session

from cases.enums import CaseStatus
from cases.models import (
    RESOLUTION_BUCKET_COLUMNS,
    RESOLUTION_BUCKETS,
    Case,
    agency_day_durations,
    agency_month_durations,
)

log = logging.getLogger(__name__)

RESOLVED_STATUSES = frozenset({CaseStatus.resolved, CaseStatus.closed})
# the indexes' condition, as constants in the query too, so that a generic plan (PostgreSQL)
# and SQLite's planner can prove the partial indexes apply
RESOLVED_CASES_SQL = "status IN ({})".format(
    ", ".join(f"'{status}'" for status in sorted(RESOLVED_STATUSES))
)
# the expressions the indexes hold; a query must spell them alike to use them
SECONDS_SQL = {
    "postgresql": "date_part('epoch', resolved_at - created_at)",
    "sqlite": "strftime('%s', resolved_at) - strftime('%s', created_at)",
}
BOUNDS: tuple[int, ...] = tuple(round(60 * 1.237**i) for i in range(RESOLUTION_BUCKETS - 1))
FRACTIONS = (0.5, 0.9)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def seconds(created_at: datetime, resolved_at: datetime, dialect: str) -> float:
    """The resolution time the database `dialect` computes with SECONDS_SQL."""
    if dialect == "sqlite":
        return float(_sqlite_epoch_seconds(resolved_at) - _sqlite_epoch_seconds(created_at))
    return (resolved_at - created_at).total_seconds()


def _sqlite_epoch_seconds(moment: datetime) -> int:
    """strftime('%s', moment) of SQLite: the seconds (with their fraction, as a double) rounded
    to the millisecond, then the Unix time of that, truncated."""
    minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
    millis = int((moment.second + moment.microsecond / 1_000_000) * 1000 + 0.5)
    return (minute - _EPOCH) // _SECOND + millis // 1000


def seconds_column(dialect: str) -> sa.ColumnElement[float]:
    """SECONDS_SQL of `dialect` as a column of a query on `cases`."""
    return sa.literal_column(f"({SECONDS_SQL[dialect]})", sa.Float)


def bucket(value: float) -> int:
    """The bucket a resolution time of `value` seconds is counted in."""
    return bisect_right(BOUNDS, value)


def bucket_column(value: float) -> str:
    """The column of `agency_day_durations` that counts a resolution time of `value` seconds."""
    return RESOLUTION_BUCKET_COLUMNS[bucket(value)]


def interpolated(value_at: Callable[[int], float], count: int, fraction: float) -> float:
    """Linear interpolation between the ranks around `fraction`, as percentile_cont does;
    `value_at(rank)` is the value of that 0-based rank in ascending order."""
    position = (count - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    first, second = value_at(low), value_at(high)
    return first + (second - first) * (position - low)


def ranks(count: int) -> set[int]:
    """The ranks the percentiles of `count` values are interpolated from (none of none)."""
    if not count:
        return set()
    return {
        rank
        for fraction in FRACTIONS
        for rank in (math.floor((count - 1) * fraction), math.ceil((count - 1) * fraction))
    }


# an agency's id, or None for all agencies together
AgencyKey = int | None
Hours = tuple[float | None, float | None]


@dataclass(frozen=True)
class _Read:
    """`limit` cases of one bucket from its `offset`-th on, of one agency (None: all)."""

    agency_id: AgencyKey
    bucket: int
    offset: int
    limit: int


def _bucket_counts(session: Session, first: date, last: date) -> dict[AgencyKey, list[int]]:
    """Each agency's cases resolved in the days `first`..`last`, per bucket; key None: all.
    The calendar months the range holds whole are read from their month's row, the rest from
    the days' rows."""
    # the first of the whole months, and the first day after them (none: months_from is later)
    months_from = first if first.day == 1 else (first.replace(day=1) + timedelta(days=31))
    months_from = months_from.replace(day=1)
    months_until = (last + timedelta(days=1)).replace(day=1)
    days, months = agency_day_durations.c, agency_month_durations.c
    rows = sa.union_all(
        sa.select(days.agency_id, *(days[name] for name in RESOLUTION_BUCKET_COLUMNS)).where(
            days.day >= first,
            days.day <= last,
            sa.or_(days.day < months_from, days.day >= months_until),
        ),
        sa.select(months.agency_id, *(months[name] for name in RESOLUTION_BUCKET_COLUMNS)).where(
            months.day >= months_from, months.day < months_until
        ),
    ).subquery()
    query = sa.select(
        rows.c.agency_id, *(sa.func.sum(rows.c[name]) for name in RESOLUTION_BUCKET_COLUMNS)
    ).group_by(rows.c.agency_id)
    counts: dict[AgencyKey, list[int]] = {}
    everyone = [0] * RESOLUTION_BUCKETS
    for agency_id, *sums in session.execute(query):
        counts[agency_id] = [int(value) for value in sums]
        everyone = [a + b for a, b in zip(everyone, counts[agency_id], strict=True)]
    counts[None] = everyone
    return counts


def _plan(counts: Sequence[int]) -> tuple[list[tuple[int, int, int]], dict[int, tuple[int, int]]]:
    """The reads (bucket, offset, limit) that fetch the percentiles' ranks of buckets with
    `counts`, and where each rank comes back (the read's index, the place in its rows)."""
    starts = [0, *accumulate(counts)]
    wanted: dict[int, list[int]] = {}
    for rank in ranks(starts[-1]):
        where = bisect_right(starts, rank) - 1
        wanted.setdefault(where, []).append(rank - starts[where])
    reads, places = [], {}
    for where, offsets in sorted(wanted.items()):
        first = min(offsets)
        for offset in offsets:
            places[starts[where] + offset] = (len(reads), offset - first)
        reads.append((where, first, max(offsets) - first + 1))
    return reads, places


def _fetch(
    session: Session, reads: Sequence[_Read], start: datetime, end: datetime
) -> list[list[float]]:
    """The resolution times each read asks for, in ascending order; one statement."""
    dialect = session.get_bind().dialect.name
    time = seconds_column(dialect)
    cases = Case.__table__
    parts = []
    for index, read in enumerate(reads):
        agency = (
            cases.c.agency_id.is_not(None)
            if read.agency_id is None
            else cases.c.agency_id == read.agency_id
        )
        low = BOUNDS[read.bucket - 1] if read.bucket > 0 else None
        high = BOUNDS[read.bucket] if read.bucket < len(BOUNDS) else None
        query = (
            sa.select(sa.literal(index).label("read"), time.label("seconds"))
            .select_from(cases)
            .where(sa.text(RESOLVED_CASES_SQL), agency)
            .where(cases.c.resolved_at >= start, cases.c.resolved_at < end)
            .where(*(() if low is None else (time >= low,)))
            .where(*(() if high is None else (time < high,)))
            .order_by(time)
            .offset(read.offset)
            .limit(read.limit)
        )
        parts.append(sa.select(query.subquery()))
    values: list[list[float]] = [[] for _ in reads]
    if parts:
        for index, value in session.execute(sa.union_all(*parts)):
            values[index].append(float(value))
    return [sorted(found) for found in values]


def resolution_hours(
    session: Session, first: date, last: date, start: datetime, end: datetime
) -> dict[AgencyKey, Hours] | None:
    """Median and p90 hours to resolution per agency of the cases resolved in the city days
    `first`..`last` (the moments `start` up to `end`); key None: all agencies together. None
    when a bucket holds fewer of the range's cases than it counts (cases changed behind the
    app's back: `aduan stats rebuild` counts them again)."""
    counts = _bucket_counts(session, first, last)
    plans = {agency_id: _plan(buckets) for agency_id, buckets in counts.items()}
    reads: list[_Read] = []
    first_read: dict[AgencyKey, int] = {}
    for agency_id, (planned, _) in plans.items():
        first_read[agency_id] = len(reads)
        reads += [_Read(agency_id, *read) for read in planned]
    values = _fetch(session, reads, start, end)
    if any(len(found) != read.limit for found, read in zip(values, reads, strict=True)):
        log.warning("resolution-time buckets disagree with the cases: run `aduan stats rebuild`")
        return None
    hours: dict[AgencyKey, Hours] = {}
    for agency_id, buckets in counts.items():
        total, places = sum(buckets), plans[agency_id][1]
        if not total:
            hours[agency_id] = (None, None)
            continue

        def value_at(rank: int, base: int = first_read[agency_id], at: Mapping = places) -> float:
            read, place = at[rank]
            return values[base + read][place] / 3600.0

        median, p90 = (interpolated(value_at, total, fraction) for fraction in FRACTIONS)
        hours[agency_id] = (median, p90)
    return hours
