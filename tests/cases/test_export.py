"""GET /api/v1/cases/export.csv: what a supervisor or officer takes to a spreadsheet."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from cases.export import COLUMNS
from core.settings import Settings
from tests.helpers import RUBBISH, create_staff, file_complaint, login


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_export_streams_stable_columns_without_contacts(
    client: TestClient, settings: Settings
) -> None:
    """The supervisor's export has every case, the fixed columns, and no phone or e-mail."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    pothole = file_complaint(client, phone="081234567890", notify_via="sms", lat=-6.99, lon=110.42)
    rubbish = file_complaint(client, text=RUBBISH, email="warga@example.com")
    response = client.get("/api/v1/cases/export.csv", headers=sup)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == ",".join(COLUMNS)
    exported = rows(response)
    assert [r["tracking_code"] for r in exported] == [
        rubbish["tracking_code"],
        pothole["tracking_code"],
    ]
    assert (exported[1]["agency"], exported[1]["latitude"]) == ("DPU", "-6.99")
    assert "081234567890" not in response.text and "6281234567890" not in response.text
    assert "warga@example.com" not in response.text


def test_officer_exports_only_own_agency_with_filters(
    client: TestClient, settings: Settings
) -> None:
    """Officers get their agency's cases; status and agency filters apply; a bad filter is 422."""
    create_staff(settings, "dlh", "officer", "DLH")
    dlh = login(client, "dlh")
    file_complaint(client)
    mine = file_complaint(client, text=RUBBISH)["tracking_code"]
    exported = rows(client.get("/api/v1/cases/export.csv", headers=dlh))
    assert [r["tracking_code"] for r in exported] == [mine]
    resolved = client.get("/api/v1/cases/export.csv", params={"status": "resolved"}, headers=dlh)
    assert rows(resolved) == []
    assert (
        client.get("/api/v1/cases/export.csv", params={"agency": "NOPE"}, headers=dlh).status_code
        == 422
    )
    assert client.get("/api/v1/cases/export.csv").status_code == 401


def test_export_reads_in_batches_without_losing_or_repeating_cases(
    client: TestClient, settings: Settings
) -> None:
    """Batch boundaries neither drop nor repeat a case."""
    from sqlmodel import Session, select

    from cases.export import csv_lines
    from core.db import get_engine
    from staff.models import User

    create_staff(settings, "sup", "supervisor")
    codes = [
        file_complaint(client, text=f"Jalan berlubang nomor {i} di Jl. Pemuda")["tracking_code"]
        for i in range(5)
    ]
    with Session(get_engine(settings.database_url)) as session:
        user = session.exec(select(User)).one()
        lines = list(csv_lines(session, user, batch=2))
    exported = list(csv.DictReader(io.StringIO("".join(lines))))
    assert [r["tracking_code"] for r in exported] == list(reversed(codes))
