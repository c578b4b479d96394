"""The daily summary rows the statistics read: per agency and day of the city's calendar, kept
with the cases in the same transaction as each change, so they are never stale.

What a case counts for is a function of its standing (`Standing`: agency, status and the
timestamps the statistics look at), so every change is counted the same way: what the case
counted for before is taken off and what it counts for now is added (`count_change`). A row's
columns, each on the day of the timestamp named:

- filed (and filed_public, not Rahasia): cases filed that day (`created_at`), under the agency
  holding them now; a forward moves the count from the old agency's row to the new one's.
- resolved (and resolved_public): cases resolved or closed after a resolution, on the day of
  `resolved_at`; a reopened case leaves it.
- sla_on_time, sla_late, sla_running: cases due that day (`due_at`). On time: resolved by the
  due time. Late: resolved after it, or waiting on the citizen after a pause that began when it
  was already late. Running: the SLA clock still runs; such a case is late once the due time has
  passed, which the statistics decide at reading time (cases/stats.py).
- referred: cases referred that day (`referred_at`) to the referral body of the row.
- rating_count, rating_sum: the citizens' ratings given that day (`rated_at`), and their sum.
- d00 .. d63, in rows of their own (`agency_day_durations`, city agencies only): the cases
  counted as resolved that day, by the bucket of their resolution time (cases/resolution_times.py);
  `agency_month_durations` adds them up per calendar month of the city's days.
- forwarded, received: history entries that passed a case on that day (`created_at` of a
  `created` or `forwarded` entry): forwarded counts those out of the agency, received those into
  it (filings included). These follow the history, which is only ever appended to.

`rebuild` computes every row of both tables again from the cases and their history, with the
same functions: for the migrations that bring the tables, after a change of CITY_TIMEZONE, and
after cases were changed behind the app's back (`aduan stats rebuild`).

Concurrent transactions add to a row with one upsert each (`INSERT ... ON CONFLICT DO UPDATE
SET n = n + excluded.n`), so neither increment is lost: the second waits for the first's row
lock and adds to what it committed. Rows are written in key order, so two transactions touching
the same rows take their locks in the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from cases.enums import CLOCK_STATUSES, CaseStatus, EventKind
from cases.models import (
    PASSING_ON_SQL,
    RESOLUTION_BUCKET_COLUMNS,
    AgencyDay,
    Case,
    CaseEvent,
    agency_day_durations,
    agency_month_durations,
)
from cases.resolution_times import RESOLVED_STATUSES, bucket_column, seconds
from core.db import insert_on_conflict

# the agency_id of the rows of cases no agency holds (the triage desk)
NO_AGENCY = 0
COUNTS = tuple(
    column.name for column in AgencyDay.__table__.columns if column.name not in ("agency_id", "day")
)


def _same_day(day: date) -> date:
    return day


def _month_of(day: date) -> date:
    return day.replace(day=1)


# the tables of the summary rows, the columns each counts, and the day of a row a day's counts
# go to (its own, or its month's first)
TABLES: tuple[tuple[sa.Table, tuple[str, ...], Callable[[date], date]], ...] = (
    (AgencyDay.__table__, COUNTS, _same_day),
    (agency_day_durations, RESOLUTION_BUCKET_COLUMNS, _same_day),
    (agency_month_durations, RESOLUTION_BUCKET_COLUMNS, _month_of),
)
# an agency key, a city day and a column of COUNTS or RESOLUTION_BUCKET_COLUMNS
Key = tuple[int, date, str]


@dataclass(frozen=True)
class Standing:
    """What of a case the summary rows count."""

    agency_id: int | None
    status: str
    confidential: bool
    created_at: datetime
    resolved_at: datetime | None
    due_at: datetime | None
    paused_at: datetime | None
    referred_at: datetime | None
    rating: int | None
    rated_at: datetime | None


STANDING_COLUMNS = tuple(Standing.__dataclass_fields__)


def standing(case: Case) -> Standing:
    """`case` as it stands now (its attributes, flushed or not)."""
    return Standing(*(getattr(case, name) for name in STANDING_COLUMNS))


def tallies(case: Standing, zone: ZoneInfo, dialect: str) -> Counter[Key]:
    """What `case` counts for, by agency, day and column (see the module docstring); its
    resolution time as the database `dialect` computes it."""
    agency = NO_AGENCY if case.agency_id is None else case.agency_id
    counts: Counter[Key] = Counter()

    def add(moment: datetime, *columns: str) -> None:
        day = moment.astimezone(zone).date()
        for column in columns:
            counts[agency, day, column] += 1

    add(case.created_at, "filed", *(() if case.confidential else ("filed_public",)))
    finished = case.status in RESOLVED_STATUSES and case.resolved_at is not None
    if finished:
        add(case.resolved_at, "resolved", *(() if case.confidential else ("resolved_public",)))
        if case.agency_id is not None:
            taken = seconds(case.created_at, case.resolved_at, dialect)
            add(case.resolved_at, bucket_column(taken))
    if case.due_at is not None:
        if finished:
            add(case.due_at, "sla_on_time" if case.resolved_at <= case.due_at else "sla_late")
        elif case.status in CLOCK_STATUSES:
            add(case.due_at, "sla_running")
        elif (
            case.status == CaseStatus.waiting
            and case.paused_at is not None
            and case.due_at <= case.paused_at
        ):
            add(case.due_at, "sla_late")
    if case.status == CaseStatus.referred and case.referred_at is not None:
        add(case.referred_at, "referred")
    if case.rating is not None and case.rated_at is not None:
        add(case.rated_at, "rating_count")
        counts[agency, case.rated_at.astimezone(zone).date(), "rating_sum"] += case.rating
    return counts


def passing_on(
    kind: str, from_agency_id: int | None, to_agency_id: int | None, at: datetime, zone: ZoneInfo
) -> Counter[Key]:
    """What one history entry counts for: a filing or forward into `to_agency_id`, a forward out
    of `from_agency_id`; other entries count for nothing."""
    counts: Counter[Key] = Counter()
    if kind not in (EventKind.created, EventKind.forwarded):
        return counts
    day = at.astimezone(zone).date()
    if kind == EventKind.forwarded and from_agency_id is not None:
        counts[from_agency_id, day, "forwarded"] += 1
    if to_agency_id is not None:
        counts[to_agency_id, day, "received"] += 1
    return counts


def count_change(
    session: Session,
    zone: ZoneInfo,
    before: Standing | None,
    after: Standing,
    passed_on: Counter[Key] | None = None,
) -> None:
    """Count a case's change from `before` (None: it is new) to `after`, and what its history
    entry `passed_on` (from `passing_on`), on the days of the city's time `zone`, in the
    caller's transaction."""
    connection = session.connection()
    dialect = connection.dialect.name
    counts = tallies(after, zone, dialect)
    if before is not None:
        counts.subtract(tallies(before, zone, dialect))
    if passed_on:
        counts.update(passed_on)
    add(connection, counts)


def add(connection: sa.Connection, counts: Mapping[Key, int]) -> None:
    """Add `counts` to their rows, creating those there are not yet; a statement per table."""
    for table, columns, row_day in TABLES:
        _write(connection, table, columns, _rows(counts, columns, row_day))


def _rows(
    counts: Mapping[Key, int], columns: tuple[str, ...], row_day: Callable[[date], date]
) -> dict[tuple[int, date], dict[str, int]]:
    """The `counts` of `columns` as a row of all of them per agency and `row_day` of their
    day, leaving out rows that add nothing."""
    rows: defaultdict[tuple[int, date], dict[str, int]] = defaultdict(
        dict.fromkeys(columns, 0).copy
    )
    wanted = set(columns)
    for (agency, day, name), count in counts.items():
        if count and name in wanted:
            rows[agency, row_day(day)][name] += count
    return {key: row for key, row in rows.items() if any(row.values())}


def _write(
    connection: sa.Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    rows: Mapping[tuple[int, date], dict[str, int]],
) -> None:
    if not rows:
        return
    connection.execute(
        _upsert(connection.dialect.name, table, columns),
        [{"agency_id": agency, "day": day, **rows[agency, day]} for agency, day in sorted(rows)],
    )


@lru_cache(maxsize=16)
def _upsert(dialect: str, table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """Add a row's counts to the stored row of its key, or store it: built once per table,
    the rows given as parameters. A statement with the rows written into it was compiled
    again for every complaint, which cost intake more than all its other SQL together."""
    insert = insert_on_conflict(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=[table.c.agency_id, table.c.day],
        set_={name: table.c[name] + insert.excluded[name] for name in columns},
    )


# rows of a rebuild go in this many at a time: few statements, none too large for SQLite
REBUILD_BATCH = 500


def rebuild(connection: sa.Connection, timezone: str, *, durations: bool = True) -> int:
    """Compute every summary row again from the cases and their history, in the caller's
    transaction; returns how many rows of agency_day_stats there are. Without `durations`
    the resolution-time tables are left alone (for the migration that came before them)."""
    zone, dialect = ZoneInfo(timezone), connection.dialect.name
    counts: Counter[Key] = Counter()
    cases = Case.__table__
    query = sa.select(*(cases.c[name] for name in STANDING_COLUMNS))
    for row in connection.execute(query.execution_options(yield_per=10_000)):
        counts.update(tallies(Standing(*row), zone, dialect))
    events = CaseEvent.__table__
    history = sa.select(
        events.c.kind, events.c.from_agency_id, events.c.to_agency_id, events.c.created_at
    ).where(sa.text(PASSING_ON_SQL))
    for kind, from_agency, to_agency, at in connection.execute(
        history.execution_options(yield_per=10_000)
    ):
        counts.update(passing_on(kind, from_agency, to_agency, at, zone))
    written = {}
    for table, columns, row_day in TABLES[: None if durations else 1]:
        connection.execute(sa.delete(table))
        rows = _rows(counts, columns, row_day)
        keys = sorted(rows)
        for start in range(0, len(keys), REBUILD_BATCH):
            batch = {key: rows[key] for key in keys[start : start + REBUILD_BATCH]}
            _write(connection, table, columns, batch)
        written[table.name] = len(rows)
    return written[AgencyDay.__tablename__]
