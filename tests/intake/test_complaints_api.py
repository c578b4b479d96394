"""POST/GET /api/v1/complaints: what a client may send, what it gets back, what is stored."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import get_engine
from core.settings import Settings, get_settings
from tests.helpers import POTHOLE, RUBBISH, file_complaint

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def count(settings: Settings, table: str) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_complaint_is_routed_and_gets_a_crockford_code(client: TestClient) -> None:
    """A clear complaint is assigned to the right agency with a due date and a valid code."""
    response = client.post("/api/v1/complaints", json={"text": RUBBISH})
    assert response.status_code == 201
    body = response.json()
    assert CODE.match(body["tracking_code"])
    assert body["agency"]["code"] == "DLH"
    assert body["status"] == "assigned"
    assert body["category"]
    assert body["due_at"]
    assert response.headers["location"] == f"/api/v1/complaints/{body['tracking_code']}"


def test_unclear_complaint_goes_to_triage(client: TestClient) -> None:
    """Text that names no known problem is kept, unassigned, for a supervisor to route."""
    body = file_complaint(client, text="Tolong dibantu ya pak, terima kasih banyak")
    assert body["status"] == "triage"
    assert body["agency"] is None
    assert body["due_at"]


def test_a_complaint_of_two_problems_goes_to_triage_with_both(client: TestClient) -> None:
    """Two agencies' problems in one web complaint: triage, with each problem's words kept as
    the suggestion for its agency (the supervisor sees both; tests/intake/test_conversation.py
    has the chat, which also offers to split)."""
    body = file_complaint(client, text="air PDAM mati dan jalan juga banjir")
    assert (body["status"], body["agency"]) == ("triage", None)
    with get_engine(client.app.state.settings.database_url).connect() as connection:
        kept = connection.execute(sa.text("SELECT routing_suggestion FROM cases")).scalar_one()
    kept = kept if isinstance(kept, dict) else json.loads(kept)
    assert [(p["agency"], p["text"]) for p in kept["problems"]] == [
        ("PDAM", "air PDAM mati"),
        ("BPBD", "jalan juga banjir"),
    ]


def test_codes_are_unique_across_many_complaints(client: TestClient) -> None:
    """Fifty complaints get fifty different codes."""
    codes = {
        file_complaint(client, text=f"{POTHOLE} nomor {i}")["tracking_code"] for i in range(50)
    }
    assert len(codes) == 50


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": ""}, "at least 3"),
        ({"text": "   \n  "}, "at least 3"),
        ({"text": "x" * 4001}, "at most 4000"),
        ({"text": POTHOLE, "lat": 91, "lon": 110}, "less than or equal to 90"),
        ({"text": POTHOLE, "lat": -7.0}, "both lat and lon"),
        ({"text": POTHOLE, "lat": "abc", "lon": 110}, "valid number"),
        ({"text": POTHOLE, "notify_via": "pigeon"}, "'sms', 'whatsapp', 'email' or 'none'"),
        ({"text": POTHOLE, "notify_via": "sms"}, "needs a phone number"),
        ({"text": POTHOLE, "notify_via": "whatsapp"}, "needs a phone number"),
        ({"text": POTHOLE, "notify_via": "email"}, "needs an e-mail address"),
        ({"text": POTHOLE, "email": "not-an-email"}, "email"),
        ({"text": POTHOLE, "phone": "12ab"}, "8 to 15 digits"),
        ({"text": POTHOLE, "language": "fr"}, "'id' or 'en'"),
        ({"text": 42}, "valid string"),
        ({}, "Field required"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_stored(
    client: TestClient, settings: Settings, body: dict, reason: str
) -> None:
    """Each kind of bad input gets a 422 naming the problem, and no case is stored."""
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 422
    assert reason in response.text
    assert count(settings, "cases") == 0
    assert count(settings, "contacts") == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"text=hello", "application/x-www-form-urlencoded"),
        (b"[1, 2, 3]", "application/json"),
        (b"", "application/json"),
    ],
)
def test_malformed_bodies_are_4xx_never_5xx(
    client: TestClient, settings: Settings, content: bytes, content_type: str
) -> None:
    """Broken JSON, wrong encodings and wrong shapes are refused cleanly."""
    response = client.post(
        "/api/v1/complaints", content=content, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500
    assert count(settings, "cases") == 0


def test_phone_is_stored_as_e164_and_never_shown_publicly(
    client: TestClient, settings: Settings
) -> None:
    """The contact is kept apart from the case and the public view never carries it."""
    code = file_complaint(client, phone="0812 3456 7890", notify_via="sms", name="Budi")[
        "tracking_code"
    ]
    with get_engine(settings.database_url).connect() as connection:
        address = connection.execute(sa.text("SELECT address FROM contacts")).scalar_one()
    assert address == "+6281234567890"
    public = client.get(f"/api/v1/complaints/{code}")
    assert public.status_code == 200
    assert "3456" not in public.text and "Budi" not in public.text


def test_idempotency_key_files_once(client: TestClient, settings: Settings) -> None:
    """A retried request with the same Idempotency-Key returns the first case."""
    headers = {"Idempotency-Key": "form-abc-123"}
    first = client.post(
        "/api/v1/complaints", json={"text": POTHOLE, "email": "a@example.com"}, headers=headers
    )
    again = client.post(
        "/api/v1/complaints", json={"text": POTHOLE, "email": "a@example.com"}, headers=headers
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert count(settings, "cases") == 1
    assert count(settings, "notifications") == 1


@pytest.mark.parametrize("intake_concurrency", ["1", "4"])
def test_a_burst_of_retries_files_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, intake_concurrency: str
) -> None:
    """Eight copies of one request at once, as a flaky connection retries: one 201, seven 200s
    naming the same case, one case and one acknowledgement stored; whether the copies queue for
    INTAKE_CONCURRENCY or race each other into the database."""
    monkeypatch.setenv("INTAKE_CONCURRENCY", intake_concurrency)
    get_settings.cache_clear()
    app = create_app(get_settings())
    body = {"text": POTHOLE, "email": "a@example.com"}

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aduan") as client:
            return await asyncio.gather(
                *(
                    client.post("/api/v1/complaints", json=body, headers={"Idempotency-Key": "k1"})
                    for _ in range(8)
                )
            )

    answers = asyncio.run(burst())
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["tracking_code"] for a in answers}) == 1
    assert count(settings, "cases") == 1
    assert count(settings, "notifications") == 1


def test_a_tracking_code_drawn_twice_is_drawn_again(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 random bits do repeat now and then: the second complaint gets a fresh code and is
    stored once, with one history entry and one acknowledgement."""
    draws = iter([0, 0, 2**40 - 1])  # the system's random source: the same 40 bits twice
    monkeypatch.setattr("cases.codes.secrets.randbits", lambda bits: next(draws))
    first = client.post("/api/v1/complaints", json={"text": POTHOLE, "email": "a@example.com"})
    second = client.post("/api/v1/complaints", json={"text": RUBBISH, "email": "b@example.com"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["tracking_code"], second.json()["tracking_code"]] == [
        "0000-0000",
        "ZZZZ-ZZZZ",
    ]
    assert count(settings, "cases") == 2
    assert count(settings, "case_events") == 2
    assert count(settings, "notifications") == 2
    assert client.get("/api/v1/complaints/ZZZZ-ZZZZ").json()["agency"]["code"] == "DLH"


def test_tracking_lookup_forgives_case_and_confusable_letters(client: TestClient) -> None:
    """Lower case, a missing hyphen, or O/I typed for 0/1 still find the complaint."""
    code = file_complaint(client)["tracking_code"]
    typed = code.lower().replace("-", "").replace("0", "o").replace("1", "i")
    response = client.get(f"/api/v1/complaints/{typed}")
    assert response.status_code == 200
    assert response.json()["tracking_code"] == code


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "nonsense", "UUUU-UUUU", "%00", "A" * 300])
def test_unknown_or_malformed_codes_are_404(client: TestClient, code: str) -> None:
    """A code that is not ours, or cannot be one, is a plain 404."""
    response = client.get(f"/api/v1/complaints/{code}")
    assert response.status_code == 404


def test_public_view_shows_english_agency_name_when_asked(client: TestClient) -> None:
    """?lang=en names the agency in English."""
    code = file_complaint(client, text=RUBBISH)["tracking_code"]
    body = client.get(f"/api/v1/complaints/{code}", params={"lang": "en"}).json()
    assert body["agency"]["code"] == "DLH"
    assert body["agency"]["name"] == "Environment Agency"
