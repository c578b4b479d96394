"""The public listing's query reads the partial index of cases that may be public: a deep page
of the JSON feed costs what the first does, however many cases are Rahasia or hidden."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cases.models import Case
from cases.public_listing import encode_cursor
from core.db import get_engine, utcnow
from core.settings import Settings
from tests.helpers import file_complaint
from tests.query_plans import assert_reads_through, fill, statements_sent


def test_a_deep_page_of_the_public_feed_reads_only_its_rows(
    client: TestClient, settings: Settings
) -> None:
    """3,000 cases of which one in ten may be public: the page below a cursor a third of the
    way down comes from ix_cases_public in id order, reading the page and one more."""
    code = file_complaint(client)["tracking_code"]
    engine = get_engine(settings.database_url)
    now = utcnow()
    older = [
        {
            "tracking_code": f"P{n:07d}",
            "intake_key": None,
            "confidential": n % 10 != 0,
            "reviewed_at": now,
        }
        for n in range(3000)
    ]
    fill(engine, Case.__table__, Case.__table__.c.tracking_code == code, older)
    public = client.get("/api/v1/public/cases", params={"limit": 100}).json()["items"]
    assert len(public) == 100 and all(item["tracking_code"][1:].isdigit() for item in public)
    with engine.connect() as connection:
        [cursor] = connection.execute(
            Case.__table__.select()
            .with_only_columns(Case.__table__.c.id)
            .where(Case.__table__.c.tracking_code == public[-1]["tracking_code"])
        ).scalars()
    with statements_sent(engine, "ORDER BY cases.id DESC") as pages:
        page = client.get(
            "/api/v1/public/cases", params={"limit": 5, "cursor": encode_cursor(cursor)}
        )
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == 5
    [statement] = pages
    assert_reads_through(engine, statement, "ix_cases_public", most_rows=6)


def test_a_street_box_reads_only_the_cases_of_its_band(
    client: TestClient, settings: Settings
) -> None:
    """3,000 public cases on a 60 x 50 grid across the city: a box around 20 of them reads
    ix_cases_public_place (the band of latitudes it spans), not every public case newest
    first, and gives those 20."""
    code = file_complaint(client, lat=-6.99, lon=110.42)["tracking_code"]
    engine = get_engine(settings.database_url)
    now = utcnow()
    grid = [
        {
            "tracking_code": f"G{n:07d}",
            "intake_key": None,
            "reviewed_at": now,
            "latitude": -7.05 + (n // 50) * 0.002,
            "longitude": 110.35 + (n % 50) * 0.002,
        }
        for n in range(3000)
    ]
    fill(engine, Case.__table__, Case.__table__.c.tracking_code == code, grid)
    box = "110.3895,-7.0005,110.3975,-6.9915"  # 4 columns by 5 rows of the grid
    with statements_sent(engine, "ORDER BY cases.id DESC") as pages:
        page = client.get("/api/v1/public/cases", params={"bbox": box, "limit": 500})
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == 20
    [statement] = pages
    assert_reads_through(engine, statement, "ix_cases_public_place", most_rows=300)
