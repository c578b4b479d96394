"""Paging an agency's queue: a deep page reads what it shows, as the first page does."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cases.models import Case
from core.db import get_engine
from core.settings import Settings
from tests.helpers import create_staff, file_complaint, login
from tests.query_plans import assert_reads_through, fill, statements_sent


def test_a_deep_page_of_one_status_reads_only_its_rows(
    client: TestClient, settings: Settings
) -> None:
    """An officer pages through the agency's cases in progress, one in a hundred of 3,000: the
    page below a cursor a third of the way down comes from the index in id order, not from
    reading every older case, or every older case in progress to sort them."""
    code = file_complaint(client)["tracking_code"]
    engine = get_engine(settings.database_url)
    older = [
        {
            "tracking_code": f"X{n:07d}",
            "intake_key": None,
            "status": "in_progress" if n % 100 == 0 else "resolved",
        }
        for n in range(3000)
    ]
    fill(engine, Case.__table__, Case.__table__.c.tracking_code == code, older)
    newest_first = sa.select(Case.id).where(Case.status == "in_progress").order_by(Case.id.desc())
    with engine.connect() as connection:
        in_progress = connection.scalars(newest_first).all()
    create_staff(settings, "officer.dpu", "officer", "DPU")
    officer = login(client, "officer.dpu")
    cursor = in_progress[10]

    params = {"status": "in_progress", "limit": 5, "cursor": cursor}
    with statements_sent(engine, "ORDER BY cases.id DESC") as pages:
        page = client.get("/api/v1/cases", params=params, headers=officer)
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == 5
    [statement] = pages
    assert_reads_through(engine, statement, "ix_cases_agency_status", most_rows=6)
