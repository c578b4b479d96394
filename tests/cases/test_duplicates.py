"""Duplicate complaints: spotted at intake, merged by an officer, followers kept informed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cases.duplicates import distance_m, text_similarity
from cases.models import Case
from core.db import get_engine
from core.settings import Settings
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import RUBBISH, create_staff, file_complaint, login, run_jobs
from tests.query_plans import assert_reads_through, fill, statements_sent

FLOOD_A = "Gorong-gorong mampet di Jl. Majapahit depan Indomaret, air meluber ke jalan tiap hujan"
FLOOD_B = "gorong2 mampet jl majapahit dpn indomaret, airnya meluber ke jalan kalau hujan"
HERE = {"lat": -6.99321, "lon": 110.44210}
NEAR = {"lat": -6.99380, "lon": 110.44250}  # about 80 m away
FAR = {"lat": -6.98000, "lon": 110.44210}  # about 1.5 km away


@pytest.fixture
def officer(settings: Settings, client: TestClient) -> dict[str, str]:
    create_staff(settings, "dpu", "officer", "DPU")
    return login(client, "dpu")


def detail(client: TestClient, headers: dict, code: str) -> dict:
    response = client.get(f"/api/v1/cases/{code}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_similarity_and_distance_measures() -> None:
    """Two spellings of one report are similar; different problems are not; metres are metres."""
    assert text_similarity(FLOOD_A, FLOOD_B) > 0.5
    assert text_similarity(FLOOD_A, RUBBISH) < 0.3
    assert 60 < distance_m(HERE["lat"], HERE["lon"], NEAR["lat"], NEAR["lon"]) < 100
    assert 1400 < distance_m(HERE["lat"], HERE["lon"], FAR["lat"], FAR["lon"]) < 1700


def test_close_similar_complaint_is_marked_as_duplicate(client: TestClient, officer: dict) -> None:
    """Same agency, 80 m apart, same problem in other words: the second points to the first."""
    first = file_complaint(client, text=FLOOD_A, **HERE)["tracking_code"]
    second = file_complaint(client, text=FLOOD_B, **NEAR)["tracking_code"]
    body = detail(client, officer, second)
    assert body["duplicate_of"]["tracking_code"] == first
    assert body["duplicate_of"]["similarity"] > 0.5
    assert "possible duplicate of " + first in body["history"][-1]["internal_note"]
    listed = client.get("/api/v1/cases", headers=officer).json()["items"]
    assert {c["tracking_code"]: c["duplicate_of"] for c in listed} == {second: first, first: None}


@pytest.mark.parametrize(
    ("text", "where"),
    [(FLOOD_B, FAR), (RUBBISH, NEAR), (FLOOD_B, None)],
    ids=["too-far", "other-problem", "no-location"],
)
def test_not_a_duplicate(
    client: TestClient, settings: Settings, text: str, where: dict | None
) -> None:
    """Far away, a different problem, or no location: no duplicate link."""
    create_staff(settings, "sup", "supervisor")
    file_complaint(client, text=FLOOD_A, **HERE)
    second = file_complaint(client, text=text, **(where or {}))["tracking_code"]
    assert detail(client, login(client, "sup"), second)["duplicate_of"] is None


def test_merge_closes_the_duplicate_and_its_reporter_follows_the_original(
    client: TestClient, settings: Settings, officer: dict, smtp: SmtpSink
) -> None:
    """One action merges; both reporters then hear every update of the original."""
    first = file_complaint(client, text=FLOOD_A, email="pertama@example.com", **HERE)
    second = file_complaint(client, text=FLOOD_B, email="kedua@example.com", **NEAR)
    response = client.post(
        f"/api/v1/cases/{second['tracking_code']}/merge", json={}, headers=officer
    )
    assert response.status_code == 200, response.text
    assert response.json()["tracking_code"] == first["tracking_code"]
    assert response.json()["followers"] == 1
    merged = detail(client, officer, second["tracking_code"])
    assert merged["status"] == "closed"
    assert merged["merged_into"] == first["tracking_code"]
    public = client.get(f"/api/v1/complaints/{second['tracking_code']}").json()
    assert public["merged_into"] == first["tracking_code"]

    client.post(
        f"/api/v1/cases/{first['tracking_code']}/transitions",
        json={"status": "in_progress", "note": "Tim pembersih saluran berangkat"},
        headers=officer,
    )
    run_jobs(settings)
    by_person: dict[str, list[str]] = {}
    for mail in smtp.messages:
        by_person.setdefault(mail.to, []).append(mail.body)
    assert len(by_person["pertama@example.com"]) == 2  # acknowledgement, in progress
    second_mails = by_person["kedua@example.com"]
    assert len(second_mails) == 3  # acknowledgement, merged, in progress of the original
    assert f"Digabung dengan aduan {first['tracking_code']}" in second_mails[1]
    assert first["tracking_code"] in second_mails[2]
    assert "Tim pembersih saluran berangkat" in second_mails[2]


def test_merge_into_a_named_case_and_refusals(client: TestClient, officer: dict) -> None:
    """Merging needs an original, both open and in the officer's queue; repeats are refused."""
    a = file_complaint(client, text=FLOOD_A)["tracking_code"]
    b = file_complaint(client, text=FLOOD_B)["tracking_code"]  # no location: no link
    dlh = file_complaint(client, text=RUBBISH)["tracking_code"]
    assert client.post(f"/api/v1/cases/{b}/merge", json={}, headers=officer).status_code == 422
    assert (
        client.post(f"/api/v1/cases/{b}/merge", json={"into": b}, headers=officer).status_code
        == 400
    )
    assert (
        client.post(f"/api/v1/cases/{b}/merge", json={"into": dlh}, headers=officer).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/cases/{b}/merge", json={"into": a}, headers=officer).status_code
        == 200
    )
    again = client.post(f"/api/v1/cases/{b}/merge", json={"into": a}, headers=officer)
    assert again.status_code == 409
    assert "only an open case" in again.json()["detail"]


def test_the_search_reads_only_cases_near_the_complaint(
    client: TestClient, settings: Settings, officer: dict
) -> None:
    """Thousands of the agency's open cases elsewhere in the city are not read for a new
    complaint: the search takes the box around its point from an index."""
    first = file_complaint(client, text=FLOOD_A, **HERE)["tracking_code"]
    engine = get_engine(settings.database_url)
    elsewhere = [
        {"tracking_code": f"X{index:07d}", "intake_key": None,
         "latitude": -7.05 + (index % 60) * 0.001, "longitude": 110.35 + index // 60 * 0.001}
        for index in range(3000)
    ]  # fmt: skip
    fill(engine, Case.__table__, Case.__table__.c.tracking_code == first, elsewhere)

    with statements_sent(engine, "longitude BETWEEN") as searches:
        second = file_complaint(client, text=FLOOD_B, **NEAR)["tracking_code"]
    assert detail(client, officer, second)["duplicate_of"]["tracking_code"] == first
    [search] = searches
    assert_reads_through(engine, search, "ix_cases_agency_location", most_rows=2)
