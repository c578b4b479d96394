"""SLA time on the working-day calendar: weekends, national and joint holidays, the city's list,
and the clock standing still while a case waits on the citizen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient

from cases.calendar import CalendarError, WorkingCalendar, national_holidays
from core.db import get_engine
from core.settings import Settings
from core.versions import forget_all
from tests.helpers import create_staff, file_complaint, login

WIB = ZoneInfo("Asia/Jakarta")


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB)


def calendar(city_days: dict[date, bool] | None = None) -> WorkingCalendar:
    return WorkingCalendar("Asia/Jakarta", "ID", city_days or {})


def test_three_working_days_from_friday_evening_end_on_wednesday() -> None:
    assert calendar().add_hours(wib(2026, 11, 27, 19, 0), 72) == wib(2026, 12, 2, 19, 0)


def test_filed_on_a_weekend_the_clock_starts_on_monday() -> None:
    assert calendar().add_hours(wib(2026, 11, 28, 15, 0), 24) == wib(2026, 12, 1, 0, 0)


def test_christmas_and_its_joint_leave_day_do_not_count() -> None:
    """24 Dec 2026 is cuti bersama, 25 Dec is Christmas: Tue 10:00 + 72 h is the next Tuesday."""
    assert national_holidays("ID", 2026)[date(2026, 12, 24)]
    assert calendar().add_hours(wib(2026, 12, 22, 10, 0), 72) == wib(2026, 12, 29, 10, 0)


def test_nyepi_and_lebaran_week_are_skipped_whole() -> None:
    """In 2026 Nyepi (18-19 March, with its joint day) runs into Idul Fitri and its joint leave
    days (20-24 March): nothing counts from Wednesday 18 to Tuesday 24."""
    assert calendar().add_hours(wib(2026, 3, 19, 12, 0), 24) == wib(2026, 3, 26, 0, 0)
    assert calendar().add_hours(wib(2026, 3, 17, 12, 0), 24) == wib(2026, 3, 25, 12, 0)


def test_the_citys_own_day_off_and_working_saturday() -> None:
    days = {date(2026, 12, 1): True, date(2026, 11, 28): False}
    # Saturday 28 Nov is worked, Tuesday 1 Dec is a regional holiday
    assert calendar(days).add_hours(wib(2026, 11, 28, 12, 0), 12) == wib(2026, 11, 29, 0, 0)
    assert calendar(days).add_hours(wib(2026, 11, 30, 12, 0), 24) == wib(2026, 12, 2, 12, 0)


def test_hours_between_counts_working_time_only() -> None:
    cal = calendar()
    assert cal.hours_between(wib(2026, 11, 27, 19, 0), wib(2026, 12, 2, 19, 0)) == 72
    assert cal.hours_between(wib(2026, 11, 28, 0, 0), wib(2026, 11, 30, 0, 0)) == 0
    assert cal.hours_between(wib(2026, 12, 2, 0, 0), wib(2026, 12, 1, 0, 0)) == 0


def test_a_calendar_without_working_days_says_so() -> None:
    everything_off = {date(2026, 1, 1).fromordinal(n): True for n in range(739600, 743400)}
    with pytest.raises(CalendarError):
        calendar(everything_off).add_hours(wib(2026, 1, 5, 9, 0), 8)


# --- through the service -------------------------------------------------------------------


def _sla(settings: Settings, category: str, hours: int | None = None) -> int:
    with get_engine(settings.database_url).begin() as connection:
        if hours is not None:
            # stamped as the console stamps it: routing's catalogue snapshot notices the change
            connection.execute(
                sa.text("UPDATE categories SET sla_hours = :h, updated_at = :t WHERE code = :c"),
                {"h": hours, "c": category, "t": datetime.now(UTC)},
            )
        sla_hours = connection.execute(
            sa.text("SELECT sla_hours FROM categories WHERE code = :c"), {"c": category}
        ).scalar_one()
    forget_all()  # as if written by another process, which this one would see a second later
    return sla_hours


@pytest.fixture
def set_sla(settings: Settings) -> Iterator[Callable[[str, int], int]]:
    """Changes a category's SLA for one test; the catalogue is shared by the whole session."""
    before: dict[str, int] = {}

    def change(category: str, hours: int) -> int:
        before.setdefault(category, _sla(settings, category))
        return _sla(settings, category, hours)

    yield change
    for category, hours in before.items():
        _sla(settings, category, hours)


def _add_city_day(settings: Settings, day: date, off: bool) -> None:
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("INSERT INTO holidays (day, name, off, created_at) VALUES (:d, :n, :o, :t)"),
            {"d": day, "n": "Hari jadi kota", "o": off, "t": datetime.now(WIB)},
        )
    forget_all()


@pytest.fixture
def officer(settings: Settings) -> str:
    create_staff(settings, "officer.dpu", "officer", "DPU")
    return "officer.dpu"


def _detail(client: TestClient, officer: str, code: str) -> dict:
    """Signs in at the (travelled) current time: a token from another time is not valid now."""
    return client.get(f"/api/v1/cases/{code}", headers=login(client, officer)).json()


def _move(client: TestClient, officer: str, code: str, status: str) -> None:
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": status},
        headers=login(client, officer),
    )
    assert response.status_code == 200, response.text


def test_complaint_filed_friday_evening_is_due_wednesday(
    client: TestClient, settings: Settings, officer: str, set_sla: Callable
) -> None:
    set_sla("road_damage", 72)
    with time_machine.travel(wib(2026, 11, 27, 19, 0), tick=False):
        code = file_complaint(client)["tracking_code"]
    detail = _detail(client, officer, code)
    assert detail["category"]["code"] == "road_damage"
    assert datetime.fromisoformat(detail["due_at"]) == wib(2026, 12, 2, 19, 0)


def test_the_citys_holiday_list_moves_due_dates(
    client: TestClient, settings: Settings, officer: str, set_sla: Callable
) -> None:
    set_sla("road_damage", 72)
    _add_city_day(settings, date(2026, 12, 1), off=True)
    with time_machine.travel(wib(2026, 11, 27, 19, 0), tick=False):
        code = file_complaint(client)["tracking_code"]
    assert datetime.fromisoformat(_detail(client, officer, code)["due_at"]) == wib(
        2026, 12, 3, 19, 0
    )


def test_waiting_on_the_citizen_pauses_the_clock(
    client: TestClient, settings: Settings, officer: str, set_sla: Callable
) -> None:
    """72 working hours from Monday 09:00; paused Tuesday 09:00 (48 h left) until Monday 09:00:
    due Wednesday 09:00 of the second week, and never overdue while waiting."""
    set_sla("road_damage", 72)
    with time_machine.travel(wib(2026, 11, 2, 9, 0), tick=False):
        code = file_complaint(client)["tracking_code"]
    with time_machine.travel(wib(2026, 11, 3, 9, 0), tick=False):
        _move(client, officer, code, "waiting")
    with time_machine.travel(wib(2026, 11, 6, 12, 0), tick=False):
        detail = _detail(client, officer, code)
        assert detail["status"] == "waiting"
        assert detail["overdue"] is False
        listed = client.get("/api/v1/cases", headers=login(client, officer)).json()["items"]
        assert [(c["tracking_code"], c["overdue"]) for c in listed] == [(code, False)]
    with time_machine.travel(wib(2026, 11, 9, 9, 0), tick=False):
        _move(client, officer, code, "in_progress")
    detail = _detail(client, officer, code)
    assert datetime.fromisoformat(detail["due_at"]) == wib(2026, 11, 11, 9, 0)


def test_a_case_already_late_when_paused_stays_late(
    client: TestClient, settings: Settings, officer: str, set_sla: Callable
) -> None:
    set_sla("road_damage", 6)
    with time_machine.travel(wib(2026, 11, 2, 9, 0), tick=False):
        code = file_complaint(client)["tracking_code"]
    with time_machine.travel(wib(2026, 11, 3, 9, 0), tick=False):
        _move(client, officer, code, "waiting")
    with time_machine.travel(wib(2026, 11, 4, 9, 0), tick=False):
        _move(client, officer, code, "resolved")
        detail = _detail(client, officer, code)
    assert datetime.fromisoformat(detail["due_at"]) == wib(2026, 11, 2, 15, 0)
