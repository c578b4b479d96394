"""Request bodies over MAX_REQUEST_BYTES are refused with 413, with or without Content-Length."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import get_engine
from core.settings import Settings
from tests.helpers import POTHOLE

LIMIT = 64 * 1024
REASON = "the request body is larger than the limit of 65,536 bytes"


@pytest.fixture
def small(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"max_request_bytes": LIMIT}))) as client:
        yield client


def big_complaint() -> bytes:
    return json.dumps({"text": POTHOLE, "address": "x" * LIMIT}).encode()


def chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    """A body sent chunked: httpx gives a generator no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def no_cases(settings: Settings) -> bool:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 0


def test_the_default_limit_leaves_room_for_the_largest_upload(settings: Settings) -> None:
    assert settings.max_request_bytes == settings.media_max_bytes + 1024 * 1024


def test_a_declared_length_over_the_limit_is_refused_unread(
    small: TestClient, settings: Settings
) -> None:
    response = small.post(
        "/api/v1/complaints",
        content=big_complaint(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": REASON}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    assert no_cases(settings)


def test_a_chunked_body_is_stopped_when_it_passes_the_limit(
    small: TestClient, settings: Settings
) -> None:
    request = small.build_request(
        "POST",
        "/api/v1/complaints",
        content=chunks(big_complaint()),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    response = small.send(request)
    assert response.status_code == 413
    assert response.json() == {"detail": REASON}
    assert no_cases(settings)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_web_form_and_webhooks_have_the_same_limit(
    small: TestClient, settings: Settings, chunked: bool
) -> None:
    form = b"text=" + b"a" * LIMIT
    for path in ("/complaints", "/webhooks/twilio"):
        response = small.post(
            path,
            content=chunks(form) if chunked else form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert (response.status_code, response.json()) == (413, {"detail": REASON}), path
    assert no_cases(settings)


def test_a_body_under_the_limit_goes_through(small: TestClient) -> None:
    body = json.dumps({"text": POTHOLE, "address": "Jl. Pemuda " * 40}).encode()
    response = small.post(
        "/api/v1/complaints",
        content=chunks(body, 256),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_browser_sending_too_large_a_form_gets_a_page(
    small: TestClient, settings: Settings, chunked: bool
) -> None:
    """The web form with photos over the limit together, from a browser: a 413 page in the
    form's language saying what to do, under the site's CSP; nothing is stored."""
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * LIMIT
    body = (
        b'--B\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        + POTHOLE.encode()
        + b'\r\n--B\r\nContent-Disposition: form-data; name="photos"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + photo + b"\r\n--B--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=B", "Accept": "text/html"}
    response = small.post(
        "/complaints?lang=en", content=chunks(body) if chunked else body, headers=headers
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert (
        "Your complaint was not sent: all the photos together are larger than the limit of "
        "0.1 MB." in response.text
    )
    assert "send fewer or smaller photos" in response.text
    assert no_cases(settings)
