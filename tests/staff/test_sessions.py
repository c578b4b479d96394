"""Staff sessions kept on the server: signing out, "sign out everywhere", deactivation and a new
password end console cookies and API tokens for good, copies included."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from console.session import COOKIE_NAME, serializer
from core.db import get_engine, utcnow
from core.settings import Settings
from staff.models import StaffSession
from tests.console.helpers import csrf_of, history, post, signed_in
from tests.helpers import create_staff, file_complaint, login

CASES = "/api/v1/cases"


@pytest.fixture
def dpu(settings: Settings) -> str:
    create_staff(settings, "dpu", "officer", "DPU")
    return "dpu"


def another_browser(web: TestClient) -> TestClient:
    """Another browser on the same app, with cookies of its own."""
    return TestClient(web.app, base_url="https://testserver")


def sessions(settings: Settings) -> list[StaffSession]:
    with Session(get_engine(settings.database_url)) as db:
        return list(db.exec(select(StaffSession).order_by(StaffSession.created_at)))


def test_a_copied_cookie_is_worthless_after_logout(
    web: TestClient, settings: Settings, dpu: str
) -> None:
    """The cookie copied before signing out opens no page and posts no note after it."""
    code = file_complaint(web)["tracking_code"]
    csrf = signed_in(web, dpu)
    copied = web.cookies[COOKIE_NAME]
    assert post(web, "/console/logout", csrf).status_code == 303

    thief = another_browser(web)
    thief.cookies.set(COOKIE_NAME, copied, domain="testserver.local", path="/")
    page = thief.get(f"/console/cases/{code}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/console/login?next=/console/cases/{code}"
    thief.cookies.set(COOKIE_NAME, copied, domain="testserver.local", path="/")
    note = post(thief, f"/console/cases/{code}/notes", csrf, text="disusupkan", public="1")
    assert note.status_code == 303 and note.headers["location"].startswith("/console/login")
    assert [e.kind for e in history(settings, code)] == ["created"]


def test_a_token_is_refused_after_api_logout(client: TestClient, dpu: str) -> None:
    """POST /api/v1/auth/logout ends the bearer's own token (401 after), no other one."""
    first, second = login(client, dpu), login(client, dpu)
    assert client.get(CASES, headers=first).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    refused = client.get(CASES, headers=first)
    assert refused.status_code == 401
    assert "signed out" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 401
    assert client.get(CASES, headers=second).status_code == 200


def test_sign_out_everywhere_from_the_console(
    web: TestClient, settings: Settings, dpu: str
) -> None:
    """The account page's button ends this browser, another browser and every API token."""
    other = another_browser(web)
    signed_in(other, dpu)
    bearer = login(web, dpu)
    signed_in(web, dpu)
    page = web.get("/console/account")
    assert page.status_code == 200
    assert page.text.count("<td>konsol (peramban)") == 2
    assert page.text.count("<td>token API</td>") == 1
    assert "(sesi ini)" in page.text
    response = post(web, "/console/account/logout-everywhere", csrf_of(page.text))
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert "Anda sudah keluar dari semua perangkat" in web.get("/console/login").text
    assert web.get("/console", follow_redirects=False).status_code == 303
    assert other.get("/console", follow_redirects=False).status_code == 303
    assert web.get(CASES, headers=bearer).status_code == 401
    assert all(s.revoked_at is not None for s in sessions(settings))


def test_sign_out_everywhere_needs_the_csrf_token(web: TestClient, dpu: str) -> None:
    """A forged post to the button ends nothing (403)."""
    signed_in(web, dpu)
    assert post(web, "/console/account/logout-everywhere", "forged").status_code == 403
    assert web.get("/console", follow_redirects=False).status_code == 200


def test_sign_out_everywhere_from_the_api(web: TestClient, dpu: str) -> None:
    """POST /api/v1/auth/logout-everywhere ends the bearer's tokens and console sessions."""
    signed_in(web, dpu)
    first, second = login(web, dpu), login(web, dpu)
    assert web.post("/api/v1/auth/logout-everywhere", headers=first).status_code == 204
    assert web.get(CASES, headers=first).status_code == 401
    assert web.get(CASES, headers=second).status_code == 401
    ended = web.get("/console", follow_redirects=False)
    assert ended.status_code == 303
    assert "Sesi Anda sudah berakhir" in web.get(ended.headers["location"]).text


def test_only_a_hash_of_the_secret_is_stored(web: TestClient, settings: Settings, dpu: str) -> None:
    """The table holds the SHA-256 of the secret in the cookie and the token, never the secret."""
    signed_in(web, dpu)
    bearer = login(web, dpu)["Authorization"].removeprefix("Bearer ")
    cookie_secret = serializer(settings).loads(web.cookies[COOKIE_NAME])["s"]
    token_secret = jwt.decode(bearer, settings.secret_key, algorithms=["HS256"])["sid"]
    stored = {(s.id, s.kind) for s in sessions(settings)}
    assert stored == {
        (hashlib.sha256(cookie_secret.encode()).hexdigest(), "console"),
        (hashlib.sha256(token_secret.encode()).hexdigest(), "api"),
    }
    with get_engine(settings.database_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM staff_sessions")).all()
    assert not any(cookie_secret in str(r) or token_secret in str(r) for r in rows)


def test_a_console_cookie_is_no_bearer_token(web: TestClient, settings: Settings, dpu: str) -> None:
    """A console session's secret in a token signed with our key is still refused: the kinds
    stay apart."""
    signed_in(web, dpu)
    secret = serializer(settings).loads(web.cookies[COOKIE_NAME])["s"]
    token = jwt.encode(
        {"sub": "1", "sid": secret, "exp": utcnow() + timedelta(hours=1)},
        settings.secret_key,
        algorithm="HS256",
    )
    assert web.get(CASES, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_expired_sessions_are_deleted_at_the_next_sign_in(
    client: TestClient, settings: Settings, dpu: str
) -> None:
    """Sessions past their end, revoked or not, leave the table when anyone signs in."""
    create_staff(settings, "dlh", "officer", "DLH")
    kept_out = login(client, dpu)
    client.post("/api/v1/auth/logout", headers=kept_out)
    login(client, dpu)
    assert len(sessions(settings)) == 2
    later = utcnow() + timedelta(minutes=settings.access_token_minutes, seconds=5)
    with time_machine.travel(later, tick=False):
        fresh = login(client, "dlh")
        assert client.get(CASES, headers=fresh).status_code == 200
    [left] = sessions(settings)
    assert left.expires_at > later


def test_last_seen_moves_at_most_once_a_minute(
    client: TestClient, settings: Settings, dpu: str
) -> None:
    """Using a session marks it seen, without a write on every request."""
    bearer = login(client, dpu)
    [started] = sessions(settings)
    client.get(CASES, headers=bearer)
    assert sessions(settings)[0].last_seen_at == started.last_seen_at
    with time_machine.travel(started.last_seen_at + timedelta(minutes=2), tick=False):
        client.get(CASES, headers=bearer)
    assert sessions(settings)[0].last_seen_at == started.last_seen_at + timedelta(minutes=2)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_account_page_reads_well_in_both_languages(
    web: TestClient, dpu: str, lang: str
) -> None:
    """Every staff member reaches their account page from the header; nothing leaks on it."""
    signed_in(web, dpu)
    queue = web.get(f"/console?lang={lang}").text
    assert 'href="/console/account"' in queue
    page = web.get("/console/account")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    for leak in ("<bound method", "None", "SessionKind", ">console<", ">api<"):
        assert leak not in page.text
    if lang == "en":
        assert "My account" in page.text and "Sign out everywhere" in page.text
        assert "Keluar dari semua perangkat" not in page.text
    else:
        assert "Akun saya" in page.text and "Keluar dari semua perangkat" in page.text


def test_the_account_page_asks_a_visitor_to_sign_in(web: TestClient) -> None:
    """Signed out, the account page sends one to sign in first."""
    response = web.get("/console/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/account"
