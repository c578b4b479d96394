"""Routing learns from people: forwards and triage assignments become examples; misrouting shows."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.helpers import POTHOLE, create_staff, file_complaint, login
from tests.query_plans import statements_sent

UNCLEAR = "Mohon bantuannya pak, ini sudah lama sekali"


def examples(settings: Settings) -> list[tuple]:
    with get_engine(settings.database_url).connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT text, agency_code, category_code, source FROM routing_examples")
            )
        )


def test_forward_and_triage_assignment_become_training_examples(
    client: TestClient, settings: Settings
) -> None:
    """Each correction is stored with the complaint text and where it really belongs."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    misrouted = file_complaint(client)["tracking_code"]
    unclear = file_complaint(client, text=UNCLEAR)
    assert unclear["status"] == "triage"
    client.post(
        f"/api/v1/cases/{misrouted}/forward",
        json={"agency": "BPBD", "note": "ini longsor, bukan jalan"},
        headers=sup,
    )
    client.post(
        f"/api/v1/cases/{unclear['tracking_code']}/forward",
        json={"agency": "DINSOS", "note": "warga lansia minta bantuan"},
        headers=sup,
    )
    stored = sorted(examples(settings), key=lambda row: row[3])
    assert [(row[0], row[1], row[3]) for row in stored] == [
        (POTHOLE, "BPBD", "forward"),
        (UNCLEAR, "DINSOS", "triage"),
    ]
    assert all(row[2] for row in stored)  # the category assigned is kept too


def test_triage_list_shows_the_top_suggestions(client: TestClient, settings: Settings) -> None:
    """A supervisor sees routing's guesses on triage cases, best first, to assign in one action."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    file_complaint(client, text=UNCLEAR)
    [case] = client.get("/api/v1/cases", params={"status": "triage"}, headers=sup).json()["items"]
    scores = [s["score"] for s in case["suggestions"]]
    assert 1 <= len(scores) <= 3
    assert scores == sorted(scores, reverse=True)
    assert len({s["agency"] for s in case["suggestions"]}) == len(scores)


def test_stats_show_forwards_per_agency(client: TestClient, settings: Settings) -> None:
    """The agency a case was forwarded away from counts it, with the misrouting rate."""
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    codes = [file_complaint(client)["tracking_code"] for _ in range(4)]
    client.post(
        f"/api/v1/cases/{codes[0]}/forward",
        json={"agency": "BPBD", "note": "longsor"},
        headers=sup,
    )
    engine = get_engine(settings.database_url)
    with statements_sent(engine, "FROM case_events") as counts:
        rows = {r["agency"]: r for r in client.get("/api/v1/stats/agencies", headers=sup).json()}
    assert (rows["DPU"]["forwarded"], rows["DPU"]["total"]) == (1, 3)
    assert rows["DPU"]["misrouting_rate"] == 0.25
    assert (rows["BPBD"]["forwarded"], rows["BPBD"]["misrouting_rate"]) == (0, 0.0)
    assert rows["DISDIK"]["misrouting_rate"] is None
    # counted from the daily summaries kept with each forward, not from the history
    assert counts == []
