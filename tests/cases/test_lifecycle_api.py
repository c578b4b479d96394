"""The case lifecycle through the staff API: allowed moves, refusals, forwards and notes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.helpers import RUBBISH, create_staff, file_complaint, login, run_jobs


@pytest.fixture
def officer(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "officer.dpu", "officer", "DPU")
    return login(client, "officer.dpu")


@pytest.fixture
def supervisor(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "kepala", "supervisor")
    return login(client, "kepala")


WIB = ZoneInfo("Asia/Jakarta")


def move(client: TestClient, headers: dict, code: str, status: str, **extra: str):
    return client.post(
        f"/api/v1/cases/{code}/transitions", json={"status": status, **extra}, headers=headers
    )


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_due_at_follows_the_category_sla_in_working_time(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """A 168-hour SLA filed on a Monday morning (no holidays that week) is due 9 days later:
    seven working days, with the weekend between not counted."""
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=WIB), tick=False):
        code = file_complaint(client)["tracking_code"]
    detail = client.get(f"/api/v1/cases/{code}", headers=officer).json()
    with get_engine(settings.database_url).connect() as connection:
        sla = connection.execute(
            sa.text("SELECT sla_hours FROM categories WHERE code = :c"),
            {"c": detail["category"]["code"]},
        ).scalar_one()
    assert sla == 168
    assert ts(detail["due_at"]) == datetime(2026, 11, 11, 9, 0, tzinfo=WIB)


def test_full_path_stamps_each_status_and_records_history(
    client: TestClient, officer: dict
) -> None:
    """assigned -> in_progress -> resolved -> closed stamps each time and logs who did it."""
    code = file_complaint(client)["tracking_code"]
    for status in ("in_progress", "resolved", "closed"):
        assert move(client, officer, code, status).status_code == 200
    detail = client.get(f"/api/v1/cases/{code}", headers=officer).json()
    assert detail["status"] == "closed"
    assert detail["in_progress_at"] and detail["resolved_at"] and detail["closed_at"]
    assert [(e["kind"], e["to_status"], e["actor"]) for e in detail["history"]] == [
        ("created", "assigned", "citizen"),
        ("status_changed", "in_progress", "officer.dpu"),
        ("status_changed", "resolved", "officer.dpu"),
        ("status_changed", "closed", "officer.dpu"),
    ]


@pytest.mark.parametrize(
    ("path", "refused", "allowed"),
    [
        ([], "closed", "in_progress, rejected, resolved"),
        ([], "triage", "in_progress, rejected, resolved"),
        (["in_progress"], "assigned", "rejected, resolved"),
        (["resolved"], "rejected", "closed, in_progress"),
        (["rejected"], "in_progress", "none"),
        (["resolved", "closed"], "in_progress", "none"),
    ],
)
def test_disallowed_moves_are_409_naming_the_allowed_ones(
    client: TestClient, officer: dict, path: list[str], refused: str, allowed: str
) -> None:
    """A move the lifecycle forbids is refused with the moves that are possible."""
    code = file_complaint(client)["tracking_code"]
    for status in path:
        assert move(client, officer, code, status).status_code == 200
    response = move(client, officer, code, refused)
    assert response.status_code == 409
    assert allowed in response.json()["detail"]


def test_unknown_status_is_422(client: TestClient, officer: dict) -> None:
    """A status that does not exist is a validation error."""
    code = file_complaint(client)["tracking_code"]
    assert move(client, officer, code, "done").status_code == 422


def test_reopen_clears_the_resolution(client: TestClient, officer: dict) -> None:
    """resolved -> in_progress is a reopen: resolution time will be measured to the final fix."""
    code = file_complaint(client)["tracking_code"]
    move(client, officer, code, "resolved")
    response = move(client, officer, code, "in_progress", note="Warga melapor belum beres")
    assert response.status_code == 200
    assert response.json()["resolved_at"] is None


def test_triage_case_is_assigned_by_forwarding(
    client: TestClient, settings: Settings, supervisor: dict
) -> None:
    """A triage case cannot just be 'assigned'; forwarding gives it an agency and an SLA."""
    code = file_complaint(client, text="Mohon bantuannya pak, ini sudah lama sekali")[
        "tracking_code"
    ]
    assert move(client, supervisor, code, "assigned").status_code == 400
    response = client.post(
        f"/api/v1/cases/{code}/forward",
        json={
            "agency": "DPU",
            "note": "Jalan rusak menurut telepon warga",
            "category": "road_damage",
        },
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "assigned"
    assert body["agency"]["code"] == "DPU"
    assert body["category"]["code"] == "road_damage"
    assert ts(body["due_at"]) > ts(body["created_at"])


def test_forward_moves_the_case_and_tells_the_citizen(
    client: TestClient, settings: Settings, officer: dict, smtp
) -> None:
    """A forward changes agency, keeps the reason internal, and tells the citizen where it went."""
    code = file_complaint(client, email="warga@example.com")["tracking_code"]
    response = client.post(
        f"/api/v1/cases/{code}/forward",
        json={"agency": "BPBD", "note": "Ini banjir, bukan jalan rusak"},
        headers=officer,
    )
    assert response.status_code == 200
    event = response.json()["history"][-1]
    assert (event["kind"], event["from_agency"], event["to_agency"]) == ("forwarded", "DPU", "BPBD")
    assert event["internal_note"] == "Ini banjir, bukan jalan rusak"
    # the officer no longer sees it; the public view does not show the reason
    assert client.get(f"/api/v1/cases/{code}", headers=officer).status_code == 404
    public = client.get(f"/api/v1/complaints/{code}").json()
    assert public["agency"]["code"] == "BPBD"
    assert "bukan jalan rusak" not in str(public)
    run_jobs(settings)
    mails = smtp.wait_for(lambda: len(smtp.messages) >= 2 and smtp.messages)
    assert "dialihkan" in mails[1].body and code in mails[1].body


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"agency": "NOPE", "note": "x"}, 422, "unknown agency"),
        ({"agency": "DPU", "note": "sama saja"}, 400, "already with DPU"),
        ({"agency": "BPBD", "note": "   "}, 422, "needs a reason"),
        ({"agency": "BPBD"}, 422, "Field required"),
        ({"agency": "BPBD", "note": "x", "category": "road_damage"}, 422, "does not belong"),
    ],
)
def test_bad_forwards_are_refused(
    client: TestClient, officer: dict, body: dict, status: int, reason: str
) -> None:
    """Forwarding to nowhere, to itself, or without a reason is refused and changes nothing."""
    code = file_complaint(client)["tracking_code"]
    response = client.post(f"/api/v1/cases/{code}/forward", json=body, headers=officer)
    assert response.status_code == status
    assert reason in response.text
    assert client.get(f"/api/v1/cases/{code}", headers=officer).json()["agency"]["code"] == "DPU"


def test_closed_case_cannot_be_forwarded(client: TestClient, officer: dict) -> None:
    """Only open cases move between agencies."""
    code = file_complaint(client)["tracking_code"]
    move(client, officer, code, "resolved")
    response = client.post(
        f"/api/v1/cases/{code}/forward", json={"agency": "DLH", "note": "salah"}, headers=officer
    )
    assert response.status_code == 409


def test_public_note_reaches_citizen_internal_note_does_not(
    client: TestClient, settings: Settings, officer: dict, smtp
) -> None:
    """Public notes are sent and shown on the status page; internal ones stay inside."""
    code = file_complaint(client, text=RUBBISH, email="w@example.com")["tracking_code"]
    create_staff(settings, "officer.dlh", "officer", "DLH")
    dlh = login(client, "officer.dlh")
    for text, public in (("Truk dijadwalkan Senin", True), ("Sopir sedang cuti", False)):
        response = client.post(
            f"/api/v1/cases/{code}/notes", json={"text": text, "public": public}, headers=dlh
        )
        assert response.status_code == 201
    public_view = client.get(f"/api/v1/complaints/{code}").json()
    assert [e["note"] for e in public_view["history"] if e["note"]] == ["Truk dijadwalkan Senin"]
    run_jobs(settings)
    mails = smtp.wait_for(lambda: len(smtp.messages) >= 2 and smtp.messages)
    assert len(mails) == 2
    assert "Truk dijadwalkan Senin" in mails[1].body
    assert all("cuti" not in m.body for m in mails)
