"""The numbers of the public statistics page: per agency over the city's last 90 days, cached.

They are the dashboard's numbers (`cases.stats.overview`), so a number means the same for the
public as for the supervisors: received is the cases filed in the range that the agency holds
now; resolved and the median time count the cases resolved in the range, in calendar time from
filing to resolution; the on-time share is over the cases due in the range, where a case still
open past its due time counts as late. Rahasia cases count in those per-agency numbers and
nowhere finer: the weekly trend leaves them out (`cases.stats.public_weeks`).

The page is public and anyone may reload it, so the numbers are kept in this process for
CACHE_SECONDS and computed again sooner when a case changes status. Every status change is a
move of `cases.lifecycle.transition()`, which writes one history row with its new status in the
same transaction; the newest such row is the version the cache is checked against. Read from
the database, it sees a change committed by any process (another web worker, the follow-up
pass closing cases in the worker, the command line) and never one rolled back; this process's
own changes are seen at once, another's within `core.versions.MAX_AGE`. The time limit is for
what changes with no status change: a case passing its due time, the 90 days moving on.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases import stats
from cases.models import Case, CaseEvent
from cases.schemas import AgencyStats
from core.db import utcnow
from core.versions import CachedVersion
from routing.models import Agency

PUBLIC_DAYS = 90
CACHE_SECONDS = 60.0

# the newest history row that set a status: it moves with every committed status change
_STATUS_CHANGES = CachedVersion(
    sa.select(sa.func.max(CaseEvent.id)).where(col(CaseEvent.to_status).is_not(None)), Case
)


@dataclass(frozen=True)
class AgencyFigures:
    """One agency's public numbers (or, with code "", every agency's together)."""

    code: str
    name: str
    name_en: str
    received: int
    resolved: int
    median_days: float | None
    on_time: int
    late: int

    @property
    def on_time_share(self) -> float | None:
        """On time / (on time + late), None when no case was due."""
        due = self.on_time + self.late
        return self.on_time / due if due else None

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" else self.name


@dataclass(frozen=True)
class PublicStatistics:
    """The page's numbers: a row per active agency, their totals, and the weekly trend per
    agency code (key None: every case, the triage desk's too), all without Rahasia cases."""

    period: stats.Period
    agencies: list[AgencyFigures]
    totals: AgencyFigures
    weeks: dict[str | None, list[stats.WeekCount]]
    computed_at: datetime


def _figures(row: AgencyStats, name: str, name_en: str) -> AgencyFigures:
    median = row.median_resolution_hours
    return AgencyFigures(
        code=row.agency,
        name=name,
        name_en=name_en,
        received=row.total,
        resolved=row.resolved,
        median_days=None if median is None else median / 24,
        on_time=row.sla_on_time,
        late=row.sla_late,
    )


def compute(session: Session, period: stats.Period) -> PublicStatistics:
    """The numbers of `period`, uncached."""
    overview = stats.overview(session, period)
    names = {a.code: (a.name, a.name_en) for a in session.exec(select(Agency))}
    return PublicStatistics(
        period=period,
        agencies=[_figures(row, *names[row.agency]) for row in overview.agencies],
        totals=_figures(overview.totals, "", ""),
        weeks=stats.public_weeks(session, period),
        computed_at=utcnow(),
    )


def last_days(today: date, timezone: str) -> stats.Period:
    """The PUBLIC_DAYS city days that end with `today`."""
    return stats.period(today - timedelta(days=PUBLIC_DAYS - 1), today, timezone)


_cache: dict[sa.Engine, tuple[tuple, float, PublicStatistics]] = {}
_lock = threading.Lock()


def public_statistics(session: Session, timezone: str) -> PublicStatistics:
    """The last PUBLIC_DAYS days' numbers, from the cache while no case changed status and
    they are younger than CACHE_SECONDS."""
    engine = session.get_bind().engine
    today = datetime.now(ZoneInfo(timezone)).date()
    # read before computing: numbers stored under a version are at least as new as it
    key = (today, timezone, _STATUS_CHANGES(session), _STATUS_CHANGES.generation)
    now = time.monotonic()
    with _lock:
        kept = _cache.get(engine)
    if kept is not None and kept[0] == key and now - kept[1] < CACHE_SECONDS:
        return kept[2]
    numbers = compute(session, last_days(today, timezone))
    with _lock:
        _cache[engine] = (key, now, numbers)
    return numbers
