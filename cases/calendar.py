"""The working-day calendar SLA hours are counted on.

A city office does not work weekends, national holidays or the joint leave days (cuti bersama)
the government adds around them, so a 72-hour SLA filed on Friday evening must fall due on
Wednesday evening, not on Monday. Hours on a working day count in full (an agency's SLA is set
in hours so an urgent category can be given 6 of them); days off count for nothing. Days are
cut at midnight in the city's time zone. The city adds its own exceptions (a regional holiday,
a Saturday worked in exchange for a bridge day) as `Holiday` rows, edited in the console.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from threading import Lock
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from sqlmodel import Session, select

from cases.models import Holiday
from core.settings import Settings
from core.versions import CachedVersion

# no city closes for ten years; a longer search means the calendar is broken, not busy
_MAX_DAYS = 3660


class CalendarError(Exception):
    """The calendar has no working day in reach; an operator must fix the city's list."""


@lru_cache(maxsize=64)
def national_holidays(country: str, year: int, language: str = "id") -> dict[date, str]:
    """Public holidays and joint leave days of one year, from the `holidays` library."""
    found = holidays.country_holidays(
        country, years=year, categories=("public", "government"), language=language
    )
    return dict(sorted(found.items()))


class WorkingCalendar:
    def __init__(self, timezone: str, country: str, city_days: dict[date, bool]) -> None:
        """`city_days` maps a date to True (the city is off) or False (the city works)."""
        self.zone = ZoneInfo(timezone)
        self.country = country
        self.city_days = city_days

    def is_working_day(self, day: date) -> bool:
        if day in self.city_days:
            return not self.city_days[day]
        return day.weekday() < 5 and day not in national_holidays(self.country, day.year)

    def _day_end(self, moment: datetime) -> tuple[date, datetime]:
        day = moment.astimezone(self.zone).date()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return day, end.astimezone(UTC)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start`."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(UTC)
        for _ in range(_MAX_DAYS):
            day, day_end = self._day_end(cursor)
            if self.is_working_day(day):
                if remaining <= day_end - cursor:
                    return cursor + remaining
                remaining -= day_end - cursor
            cursor = day_end
        raise CalendarError(f"no working time found within {_MAX_DAYS} days of {start:%Y-%m-%d}")

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 when `end` is not later)."""
        total = timedelta(0)
        cursor, end = start.astimezone(UTC), end.astimezone(UTC)
        while cursor < end:
            day, day_end = self._day_end(cursor)
            if self.is_working_day(day):
                total += min(day_end, end) - cursor
            cursor = day_end
        return total.total_seconds() / 3600


def city_time(settings: Settings, moment: datetime | None) -> str:
    """A moment as residents and officers of the city read it, e.g. "28-11-2026 09:30 WIB"."""
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.city_timezone)).strftime("%d-%m-%Y %H:%M %Z")


# the console only adds and deletes days; a new row has a new created_at even where SQLite
# hands out a deleted row's id again
_city_days_version = CachedVersion(
    sa.select(sa.func.count(Holiday.id), sa.func.max(Holiday.id), sa.func.max(Holiday.created_at)),
    Holiday,
)


@dataclass
class _CityDays:
    version: tuple | None = None
    days: dict[date, bool] = field(default_factory=dict)
    lock: Lock = field(default_factory=Lock)


_city_days = _CityDays()


def load_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """The calendar with the city's current list: per process, read again when it changed
    (seen at once in this process, within a second in the others)."""
    version = _city_days_version(session)
    with _city_days.lock:
        if _city_days.version != version:
            _city_days.days = {row.day: row.off for row in session.exec(select(Holiday))}
            _city_days.version = version
        days = _city_days.days
    return WorkingCalendar(settings.city_timezone, settings.holiday_country, days)


def due_at(session: Session, settings: Settings, start: datetime, sla_hours: float) -> datetime:
    return load_calendar(session, settings).add_hours(start, sla_hours)


class DayTaken(ValueError):
    """The city's list already has an entry for that day."""


def city_days(session: Session, year: int) -> list[Holiday]:
    """The city's own days off and working days of `year`, in date order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    query = select(Holiday).where(Holiday.day >= first, Holiday.day <= last)
    return list(session.exec(query.order_by(Holiday.day)))


def add_city_day(session: Session, day: date, name: str, *, off: bool) -> Holiday:
    """Add a day off (`off`) or a working day that would otherwise be off, in a savepoint of
    the caller's transaction; DayTaken if the day is on the list already."""
    holiday = Holiday(day=day, name=name, off=off)
    try:
        with session.begin_nested():
            session.add(holiday)
    except sa.exc.IntegrityError as exc:  # one entry per day: the unique index says so
        raise DayTaken(day.isoformat()) from exc
    return holiday


def remove_city_day(session: Session, holiday_id: int) -> Holiday | None:
    """Take an entry off the city's list; the removed entry, or None if there was none."""
    holiday = session.get(Holiday, holiday_id)
    if holiday is not None:
        session.delete(holiday)
    return holiday
