"""The RQ dashboard at /console/queues: admins only, changes only from our own pages, its
relaxed Content-Security-Policy kept to its own pages, and nothing without Redis."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue

from aduan.app import create_app
from core.settings import Settings, get_settings
from tests.console.helpers import add_staff, signed_in
from tests.helpers import file_complaint

QUEUES = "/console/queues/queues"
OWN_ORIGIN = "https://aduan.example.go.id"  # PUBLIC_BASE_URL of the tests' environment


def test_an_admin_sees_the_queues_with_the_jobs_intake_queued(
    web: TestClient, settings: Settings
) -> None:
    """The acknowledgement's delivery job is on the app's queue, counted on the dashboard."""
    file_complaint(web, email="warga@example.com")
    add_staff(settings, "root", "admin")
    signed_in(web, "root")
    page = web.get(QUEUES)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "private, no-store"
    assert settings.rq_queue in page.text
    listed = web.get(f"{QUEUES}/json").json()
    [ours] = [q for q in listed if q["queue_name"] == settings.rq_queue]
    assert ours["queued"] == 1


def test_an_officer_or_supervisor_gets_the_consoles_403_and_a_visitor_the_sign_in(
    web: TestClient, settings: Settings
) -> None:
    """Not an admin: the console's own refusal, before the dashboard is reached."""
    anonymous = web.get(QUEUES, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/console/login?next=/console/queues/queues"
    assert web.get(f"{QUEUES}/json", follow_redirects=False).status_code == 303
    for username, role, agency in (("budi", "officer", "DPU"), ("ani", "supervisor", None)):
        add_staff(settings, username, role, agency)
        signed_in(web, username)
        refused = web.get(QUEUES)
        assert refused.status_code == 403
        assert "Halaman admin hanya untuk admin." in refused.text
        assert settings.rq_queue not in refused.text
        web.cookies.clear()


def test_a_change_must_come_from_our_own_pages(
    web: TestClient, settings: Settings, redis_connection: Redis
) -> None:
    """Emptying a queue without an Origin, or from another site, changes nothing (403); from
    the console's origin it empties the queue."""
    file_complaint(web, email="warga@example.com")
    queue = Queue(settings.rq_queue, connection=redis_connection)
    assert queue.count == 1
    add_staff(settings, "root", "admin")
    signed_in(web, "root")
    target = f"{QUEUES}/{settings.rq_queue}"
    for headers in ({}, {"Origin": "https://evil.example"}):
        refused = web.delete(target, headers=headers)
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "a change to the queues must come from the console's own pages"
        }
        assert queue.count == 1
    assert web.delete(target, headers={"Origin": OWN_ORIGIN}).status_code == 200
    assert queue.count == 0


def test_only_the_dashboards_pages_allow_inline_code(web: TestClient, settings: Settings) -> None:
    """Its pages need inline scripts and styles; the console's and the public pages' policy
    stays without them."""
    add_staff(settings, "root", "admin")
    signed_in(web, "root")
    relaxed = web.get(QUEUES).headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in relaxed
    assert "frame-ancestors 'none'" in relaxed
    for path in ("/console/admin/users", "/", "/console/queuesx"):
        policy = web.get(path).headers.get("content-security-policy", "")
        assert "unsafe-inline" not in policy, path
    assert (
        "script-src 'self';" in web.get("/console/admin/users").headers["content-security-policy"]
    )


def test_its_own_api_documentation_is_not_published(web: TestClient, settings: Settings) -> None:
    """The dashboard's FastAPI app would serve /docs and /openapi.json of its own."""
    add_staff(settings, "root", "admin")
    signed_in(web, "root")
    for path in ("/console/queues/docs", "/console/queues/openapi.json"):
        assert web.get(path).status_code == 404


def test_without_redis_there_are_no_queues(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without REDIS_URL the mount answers 404 with the reason, to an admin too."""
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    settings = get_settings()
    add_staff(settings, "root", "admin")
    with TestClient(create_app(settings), base_url="https://testserver") as web:
        signed_in(web, "root")
        response = web.get(QUEUES)
    assert response.status_code == 404
    assert "REDIS_URL is not set" in response.json()["detail"]
