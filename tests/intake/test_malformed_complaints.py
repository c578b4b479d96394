"""POST /api/v1/complaints with what no client should send: each is a 4xx naming the field and
the reason, never a 500, and stores nothing, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.helpers import POTHOLE

TEXT = '"jalan rusak parah sekali di depan pasar"'
UNSTORABLE = "holds a character that cannot be stored (NUL or an unpaired surrogate)"
# raw JSON bodies, as a client writes them: "\\ud800" is JSON's escape of a lone surrogate
MALFORMED: dict[str, tuple[bytes, list[str], str]] = {
    "text with a lone surrogate": (
        b'{"text": "jalan rusak \\ud800 parah sekali"}',
        ["body", "text"],
        UNSTORABLE,
    ),
    "text with a lone low surrogate": (
        b'{"text": "jalan rusak \\udc00 parah sekali"}',
        ["body", "text"],
        UNSTORABLE,
    ),
    "text with NUL": (
        b'{"text": "jalan rusak \\u0000 parah sekali"}',
        ["body", "text"],
        UNSTORABLE,
    ),
    "name with a lone surrogate": (
        b'{"text": ' + TEXT.encode() + b', "name": "Siti \\ud83d"}',
        ["body", "name"],
        UNSTORABLE,
    ),
    "address with NUL": (
        b'{"text": ' + TEXT.encode() + b', "address": "Jl. Pemuda\\u0000"}',
        ["body", "address"],
        UNSTORABLE,
    ),
    "phone with NUL": (
        b'{"text": ' + TEXT.encode() + b', "phone": "0812\\u00003456789"}',
        ["body", "phone"],
        UNSTORABLE,
    ),
    "email with a lone surrogate": (
        b'{"text": ' + TEXT.encode() + b', "email": "siti\\ud800@example.com"}',
        ["body", "email"],
        UNSTORABLE,
    ),
    "text a number": (b'{"text": 12345}', ["body", "text"], "Input should be a valid string"),
    "text a list": (b'{"text": ["a"]}', ["body", "text"], "Input should be a valid string"),
    "text null": (b'{"text": null}', ["body", "text"], "Input should be a valid string"),
    "text of 5,000 letters": (
        b'{"text": "' + b"a" * 5000 + b'"}',
        ["body", "text"],
        "the description must have at most 4000 characters",
    ),
    "lat past any float": (
        b'{"text": ' + TEXT.encode() + b', "lat": 1e309, "lon": 1}',
        ["body", "lat"],
        "Input should be less than or equal to 90",
    ),
    "lat NaN": (
        b'{"text": ' + TEXT.encode() + b', "lat": NaN, "lon": 1}',
        ["body", "lat"],
        "Input should be less than or equal to 90",
    ),
    "lat a word": (
        b'{"text": ' + TEXT.encode() + b', "lat": "utara", "lon": 1}',
        ["body", "lat"],
        "Input should be a valid number, unable to parse string as a number",
    ),
    "lat without lon": (
        b'{"text": ' + TEXT.encode() + b', "lat": -6.99}',
        ["body"],
        "give both lat and lon, or neither",
    ),
    "language with a lone surrogate": (
        b'{"text": ' + TEXT.encode() + b', "language": "\\ud800"}',
        ["body", "language"],
        "Input should be a valid string, unable to parse raw data as a unicode string",
    ),
    "notify_via a list": (
        b'{"text": ' + TEXT.encode() + b', "notify_via": ["sms"]}',
        ["body", "notify_via"],
        "Input should be 'sms', 'whatsapp', 'email' or 'none'",
    ),
}


def stored(settings: Settings) -> dict[str, int]:
    with get_engine(settings.database_url).connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("cases", "contacts", "notifications")
        }


def post_raw(client: TestClient, body: bytes, **headers: str):
    headers = {"Content-Type": "application/json", **headers}
    return client.post("/api/v1/complaints", content=body, headers=headers)


def test_malformed_fields_are_422_with_the_field_and_reason(
    client: TestClient, settings: Settings
) -> None:
    """Each malformed body: 422 naming the field and why; nothing stored on either database."""
    for name, (body, loc, reason) in MALFORMED.items():
        response = post_raw(client, body)
        assert response.status_code == 422, (name, response.text)
        [error] = response.json()["detail"]
        assert (error["loc"], error["msg"]) == (loc, reason), name
        assert stored(settings) == {"cases": 0, "contacts": 0, "notifications": 0}, name


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"text": "jalan rusak", ', 422),  # cut short
        (b'{"text": 1' + b"0" * 5000 + b"}", 400),  # past Python's 4,300 digits
        (b"[" * 100_000, 400),
        (b"\xff\xfe", 422),
    ],
    ids=["cut-short", "5000-digits", "deep", "not-utf8"],
)
def test_bodies_that_are_no_json_object_are_4xx(
    client: TestClient, settings: Settings, body: bytes, status: int
) -> None:
    """Broken JSON is refused with a reason and stores nothing."""
    response = post_raw(client, body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored(settings)["cases"] == 0


def test_an_idempotency_key_with_control_characters_is_refused(
    client: TestClient, settings: Settings
) -> None:
    """A key with NUL or a newline is a 422 on both databases (PostgreSQL cannot store NUL);
    a printable one files the complaint once."""
    for key in ("abc\x00", "abc\ndef", "k" * 129):
        response = post_raw(
            client, b'{"text": "' + POTHOLE.encode() + b'"}', **{"Idempotency-Key": key}
        )
        assert response.status_code == 422, key
        [error] = response.json()["detail"]
        assert error["loc"] == ["header", "idempotency-key"], key
    assert stored(settings)["cases"] == 0
    for _ in range(2):
        filed = client.post(
            "/api/v1/complaints", json={"text": POTHOLE}, headers={"Idempotency-Key": "a b-1"}
        )
        assert filed.status_code in (200, 201)
    assert stored(settings)["cases"] == 1


def test_a_surrogate_pair_is_one_character_and_is_filed(client: TestClient) -> None:
    """JSON's escaped pair for an emoji (\\ud83d\\ude21) is a character like any other."""
    response = post_raw(client, b'{"text": "jalan rusak parah sekali \\ud83d\\ude21"}')
    assert response.status_code == 201, response.text
