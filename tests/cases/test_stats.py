"""Supervisor statistics per agency."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cases.day_stats import rebuild
from core.db import get_engine, utcnow
from core.settings import Settings
from tests.helpers import RUBBISH, create_staff, file_complaint, login


def set_times(settings: Settings, code: str, **columns) -> None:
    """Change a case's times behind the app's back, and rebuild the daily summaries as an
    operator would after such a change (`aduan stats rebuild`)."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text(f"UPDATE cases SET {assignments} WHERE tracking_code = :code"),
            {**columns, "code": code},
        )
        rebuild(connection, settings.city_timezone)


def test_counts_overdue_and_resolution_percentiles(client: TestClient, settings: Settings) -> None:
    """Totals, open, overdue, resolved and median/p90 resolution hours are computed per agency."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    codes = [file_complaint(client)["tracking_code"] for _ in range(5)]
    file_complaint(client, text=RUBBISH)
    now = utcnow()
    # three DPU cases resolved after 10, 20 and 40 hours; one open and overdue; one open on time
    for code, hours in zip(codes[:3], (10, 20, 40), strict=True):
        response = client.post(
            f"/api/v1/cases/{code}/transitions", json={"status": "resolved"}, headers=sup
        )
        assert response.status_code == 200
        created = now - timedelta(hours=100)
        set_times(settings, code, created_at=created, resolved_at=created + timedelta(hours=hours))
    set_times(settings, codes[3], due_at=now - timedelta(hours=1))

    response = client.get("/api/v1/stats/agencies", headers=sup)
    assert response.status_code == 200
    rows = {row["agency"]: row for row in response.json()}
    assert len(rows) == 19  # the city agencies; referral bodies have no row
    dpu = rows["DPU"]
    assert (dpu["total"], dpu["open"], dpu["overdue"], dpu["resolved"]) == (5, 2, 1, 3)
    assert dpu["median_resolution_hours"] == 20.0
    assert dpu["p90_resolution_hours"] == 36.0  # 20 + 0.8 * (40 - 20), as percentile_cont
    dlh = rows["DLH"]
    assert (dlh["total"], dlh["open"], dlh["resolved"]) == (1, 1, 0)
    assert dlh["median_resolution_hours"] is None
    assert rows["DISDIK"]["total"] == 0


def test_closed_cases_count_as_resolved_and_rejected_do_not(
    client: TestClient, settings: Settings
) -> None:
    """A closed case is still a resolution; a rejected one is neither open nor resolved."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    closed, rejected = (file_complaint(client)["tracking_code"] for _ in range(2))
    for status in ("resolved", "closed"):
        client.post(f"/api/v1/cases/{closed}/transitions", json={"status": status}, headers=sup)
    client.post(f"/api/v1/cases/{rejected}/transitions", json={"status": "rejected"}, headers=sup)
    dpu = {r["agency"]: r for r in client.get("/api/v1/stats/agencies", headers=sup).json()}["DPU"]
    assert (dpu["total"], dpu["open"], dpu["resolved"]) == (2, 0, 1)
    assert dpu["median_resolution_hours"] is not None
