"""Security headers on every page, and pages the Content-Security-Policy does not break."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from tests.console.helpers import sign_in
from tests.helpers import POTHOLE, create_staff, file_complaint

PAGE_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https://tile.openstreetmap.org",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
}


def policy(response) -> set[str]:
    return {part.strip() for part in response.headers["content-security-policy"].split(";")}


def assert_page_headers(response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert policy(response) == PAGE_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "geolocation=(self)" in response.headers["permissions-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    # PUBLIC_BASE_URL is https in the test environment
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def assert_no_inline_code(page: str) -> None:
    """Nothing the policy would refuse: inline scripts, style elements or attributes, handlers."""
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert re.search(r'\ssrc="/', tag), tag
    assert not re.search(r"<style\b", page)
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_public_pages_carry_the_headers_and_no_inline_code(client: TestClient) -> None:
    """The form (also with errors), the status page, a missing code and the rating page."""
    code = file_complaint(client, lat=-6.99, lon=110.42)["tracking_code"]
    responses = [
        client.get("/"),
        client.get("/?lang=en"),
        client.post("/complaints", data={"text": "ok"}),
        client.get(f"/track/{code}"),
        client.get("/track/ZZZZ-ZZZZ"),
        client.get(f"/track/{code}/rate", params={"t": "not-a-token"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 422, 200, 404, 403]
    for response in responses:
        assert_page_headers(response)
        assert_no_inline_code(response.text)


def test_the_form_script_is_a_file_of_our_own(client: TestClient) -> None:
    """The location button's code comes from /static, which the policy allows."""
    page = client.get("/").text
    assert '<script src="/static/form.js" defer></script>' in page
    script = client.get("/static/form.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "navigator.geolocation" in script.text
    assert script.headers["x-content-type-options"] == "nosniff"


def test_console_pages_carry_the_same_policy(client: TestClient, settings: Settings) -> None:
    """Sign-in, queue, triage and a case page with its map: the map tiles' origin is allowed."""
    client.base_url = "https://testserver"  # the session cookie is Secure
    code = file_complaint(client, text=POTHOLE, lat=-6.9932, lon=110.4203)["tracking_code"]
    create_staff(settings, "kepala", "supervisor")
    login_page = client.get("/console/login")
    assert sign_in(client, "kepala").status_code == 303
    responses = [
        login_page,
        client.get("/console"),
        client.get("/console/triage"),
        client.get(f"/console/cases/{code}"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    for response in responses:
        assert_page_headers(response)
        assert_no_inline_code(response.text)
    assert 'id="case-map"' in responses[-1].text


def test_json_answers_get_nosniff_but_no_page_policy(client: TestClient) -> None:
    response = client.get("/api/v1/complaints/ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("tile_url", "images"),
    [
        (
            "https://{s}.tile.example.org/{z}/{x}/{y}.png",
            "img-src 'self' data: https://*.tile.example.org",
        ),
        (
            "http://tiles.example.go.id:8080/{z}/{x}/{y}.png",
            "img-src 'self' data: http://tiles.example.go.id:8080",
        ),
        ("/tiles/{z}/{x}/{y}.png", "img-src 'self' data:"),
    ],
    ids=["subdomains", "port", "our-own"],
)
def test_images_are_allowed_from_the_configured_tile_server(
    settings: Settings, tile_url: str, images: str
) -> None:
    client = TestClient(create_app(settings.model_copy(update={"map_tile_url": tile_url})))
    assert images in policy(client.get("/"))


def test_no_strict_transport_security_without_https(settings: Settings) -> None:
    """HSTS on a plain-http set-up would lock browsers out of it."""
    plain = settings.model_copy(update={"public_base_url": "http://localhost:8000"})
    response = TestClient(create_app(plain)).get("/")
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"
