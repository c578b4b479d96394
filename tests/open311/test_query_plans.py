"""What the Open311 reads cost: a page of requests reads the partial index of cases that may
be public (as the public listing does), a page of updates the partial index of public history
entries, however many other cases and entries there are."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cases.models import Case, CaseEvent
from core.db import get_engine, utcnow
from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login
from tests.open311.helpers import BASE
from tests.query_plans import assert_reads_through, fill, statements_sent


def test_a_page_of_requests_reads_only_its_rows(client: TestClient, settings: Settings) -> None:
    """3,000 cases of this week, one in ten public: on PostgreSQL a page of five comes from
    ix_cases_public in id order, reading the page and one more; SQLite (the small city's
    database) reads the window's cases by ix_cases_created_at and sorts them."""
    code = file_complaint(client)["tracking_code"]
    engine = get_engine(settings.database_url)
    now = utcnow()
    others = [
        {
            "tracking_code": f"P{n:07d}",
            "intake_key": None,
            "confidential": n % 10 != 0,
            "reviewed_at": now,
        }
        for n in range(3000)
    ]
    fill(engine, Case.__table__, Case.__table__.c.tracking_code == code, others)
    with statements_sent(engine, "ORDER BY cases.id DESC") as pages:
        page = client.get(f"{BASE}/requests.json", params={"page_size": 5})
    assert page.status_code == 200, page.text
    assert len(page.json()) == 5
    [statement] = pages
    if engine.dialect.name == "postgresql":
        assert_reads_through(engine, statement, "ix_cases_public", most_rows=6)
    else:
        assert_reads_through(engine, statement, "ix_cases_created_at")


def test_a_page_of_updates_reads_only_public_entries(
    client: TestClient, settings: Settings
) -> None:
    """3,000 history entries of which one in ten is a status change: a page of five updates
    comes from ix_case_events_public_updates in time order, reading a few more rows than it
    returns (on PostgreSQL), never the whole history."""
    create_staff(settings, "dpu", "officer", "DPU")
    code = file_complaint(client)["tracking_code"]
    moved = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "in_progress"},
        headers=login(client, "dpu"),
    )
    assert moved.status_code == 200, moved.text
    engine = get_engine(settings.database_url)
    table = CaseEvent.__table__
    entries = [
        {"kind": "status_changed" if n % 10 == 0 else "assignee_changed", "created_at": utcnow()}
        for n in range(3000)
    ]
    fill(engine, table, table.c.kind == "status_changed", entries)
    with statements_sent(engine, "ORDER BY case_events.created_at") as pages:
        page = client.get(f"{BASE}/servicerequestupdates.json", params={"page_size": 5})
    assert page.status_code == 200, page.text
    assert len(page.json()) == 5
    [statement] = pages
    assert_reads_through(engine, statement, "ix_case_events_public_updates", most_rows=20)
