"""Version queries asked at most once a second: this process's changes at once, others' later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from cases.calendar import load_calendar
from cases.models import Holiday
from core import versions
from core.db import get_engine
from core.settings import Settings

CITY_DAY = date(2031, 3, 4)  # a Tuesday, no national holiday


def _city_day_off(settings: Settings, url: str | None = None) -> bool:
    with Session(get_engine(url or settings.database_url)) as session:
        return not load_calendar(session, settings).is_working_day(CITY_DAY)


def _insert_behind_the_orm(url: str) -> None:
    """What another process (or a hand-written SQL fix) does: nothing this process's ORM sees."""
    with get_engine(url).begin() as connection:
        connection.execute(
            sa.text("INSERT INTO holidays (day, name, off, created_at) VALUES (:d, 'x', :o, :t)"),
            {"d": CITY_DAY, "o": True, "t": datetime.now(UTC)},
        )


@pytest.fixture
def long_max_age(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cached version stays for the whole test unless something forgets it."""
    versions.forget_all()
    monkeypatch.setattr(versions, "MAX_AGE", 3600.0)
    yield
    versions.forget_all()


def test_a_change_committed_here_is_seen_at_once(settings: Settings, long_max_age: None) -> None:
    assert not _city_day_off(settings)
    with Session(get_engine(settings.database_url)) as session:
        session.add(Holiday(day=CITY_DAY, name="Hari jadi kota", off=True))
        session.commit()
    assert _city_day_off(settings)


def test_another_process_change_is_seen_once_the_version_is_old(
    settings: Settings, long_max_age: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not _city_day_off(settings)
    _insert_behind_the_orm(settings.database_url)
    assert not _city_day_off(settings)  # still the version read a moment ago
    monkeypatch.setattr(versions, "MAX_AGE", 0.05)
    time.sleep(0.1)
    assert _city_day_off(settings)


def test_each_database_has_its_own_version(
    settings: Settings, sqlite_url: str, postgresql_url: str, long_max_age: None
) -> None:
    """One process may reach two databases (the test suite does): one's version is not the
    other's, even while both are cached."""
    other = sqlite_url if settings.database_url == postgresql_url else postgresql_url
    with get_engine(other).begin() as connection:  # its tests leave their rows until the next
        connection.execute(sa.delete(Holiday).where(Holiday.day == CITY_DAY))
    _insert_behind_the_orm(settings.database_url)
    assert _city_day_off(settings)
    assert not _city_day_off(settings, other)
    assert _city_day_off(settings)
