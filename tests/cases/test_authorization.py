"""Who may do what: every role against every staff endpoint, and other agencies' cases."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine, utcnow
from core.settings import Settings, get_settings
from tests.helpers import create_staff, file_complaint, login

ROLES = {
    "officer_own": ("officer", "DPU"),
    "officer_other": ("officer", "DLH"),
    "supervisor": ("supervisor", None),
    "admin": ("admin", None),
}

# expected status per endpoint for a DPU case; None = anonymous
MATRIX = {
    ("GET", "/api/v1/cases/{code}", None): {
        None: 401,
        "officer_own": 200,
        "officer_other": 404,
        "supervisor": 200,
        "admin": 403,
    },
    ("POST", "/api/v1/cases/{code}/transitions", '{"status": "in_progress"}'): {
        None: 401,
        "officer_own": 200,
        "officer_other": 404,
        "supervisor": 200,
        "admin": 403,
    },
    ("POST", "/api/v1/cases/{code}/notes", '{"text": "dicek besok"}'): {
        None: 401,
        "officer_own": 201,
        "officer_other": 404,
        "supervisor": 201,
        "admin": 403,
    },
    ("POST", "/api/v1/cases/{code}/forward", '{"agency": "BPBD", "note": "banjir, bukan jalan"}'): {
        None: 401,
        "officer_own": 200,
        "officer_other": 404,
        "supervisor": 200,
        "admin": 403,
    },
    ("GET", "/api/v1/stats/agencies", None): {
        None: 401,
        "officer_own": 403,
        "officer_other": 403,
        "supervisor": 200,
        "admin": 403,
    },
    ("GET", "/api/v1/cases", None): {
        None: 401,
        "officer_own": 200,
        "officer_other": 200,
        "supervisor": 200,
        "admin": 403,
    },
}


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str | None, dict[str, str]]:
    headers: dict[str | None, dict[str, str]] = {None: {}}
    for name, (role, agency) in ROLES.items():
        create_staff(settings, name, role, agency)
        headers[name] = login(client, name)
    return headers


@pytest.mark.parametrize("endpoint", list(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_role_matrix(client: TestClient, staff: dict, endpoint: tuple) -> None:
    """Each role gets exactly the answer the access rules promise, on a fresh DPU case."""
    method, path, body = endpoint
    answers = {}
    for who in [None, *ROLES]:
        code = file_complaint(client)["tracking_code"]
        response = client.request(
            method,
            path.format(code=code),
            content=body,
            headers={**staff[who], "Content-Type": "application/json"},
        )
        answers[who] = response.status_code
    assert answers == MATRIX[endpoint]


def test_officer_list_shows_only_own_agency(client: TestClient, staff: dict) -> None:
    """An officer's queue holds their agency's cases and nobody else's, even when asked."""
    own = file_complaint(client)["tracking_code"]
    other = file_complaint(client, text="Sampah menumpuk di pasar, tidak diangkut seminggu")[
        "tracking_code"
    ]
    listed = client.get("/api/v1/cases", headers=staff["officer_own"]).json()["items"]
    assert [c["tracking_code"] for c in listed] == [own]
    asked = client.get("/api/v1/cases", params={"agency": "DLH"}, headers=staff["officer_own"])
    assert asked.json()["items"] == []
    everything = client.get("/api/v1/cases", headers=staff["supervisor"]).json()["items"]
    assert {c["tracking_code"] for c in everything} == {own, other}


def test_case_detail_masks_the_citizen_contact(client: TestClient, staff: dict) -> None:
    """Officers see how the citizen is reached, but not the full phone number."""
    code = file_complaint(client, phone="081234567890", notify_via="sms")["tracking_code"]
    detail = client.get(f"/api/v1/cases/{code}", headers=staff["officer_own"])
    assert detail.status_code == 200
    assert "81234567890" not in detail.text
    assert detail.json()["contact"]["channel"] == "sms"
    assert detail.json()["contact"]["address_masked"].startswith("+628")


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, staff: dict) -> None:
    """A login failure does not reveal whether the username exists."""
    wrong = client.post(
        "/api/v1/auth/token", data={"username": "supervisor", "password": "nope-nope"}
    )
    unknown = client.post("/api/v1/auth/token", data={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_login_needs_the_form_fields(client: TestClient) -> None:
    """A token request without credentials is a 422, not a crash."""
    assert client.post("/api/v1/auth/token", data={}).status_code == 422


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        jwt.encode({"sub": "1"}, "another-secret", algorithm="HS256"),
        jwt.encode({"sub": "abc", "exp": utcnow() + timedelta(hours=1)}, "x", algorithm="HS256"),
    ],
)
def test_forged_tokens_are_refused(client: TestClient, staff: dict, token: str) -> None:
    """Tokens not signed with our key, or malformed, get 401."""
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_expired_token_is_refused(client: TestClient, settings: Settings, staff: dict) -> None:
    """A token past its expiry no longer works."""
    expired = jwt.encode(
        {"sub": "1", "exp": utcnow() - timedelta(minutes=1)}, settings.secret_key, algorithm="HS256"
    )
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401


def test_deactivated_account_loses_access_at_once(
    client: TestClient, settings: Settings, staff: dict
) -> None:
    """Deactivating a user makes their existing token useless."""
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.text("UPDATE users SET active = false WHERE username = 'supervisor'"))
    response = client.get("/api/v1/cases", headers=staff["supervisor"])
    assert response.status_code == 401


def test_passwords_are_stored_hashed(settings: Settings, staff: dict) -> None:
    """No password is stored in clear; the hash is argon2."""
    with get_engine(settings.database_url).connect() as connection:
        hashes = connection.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_default_cost_is_rfc_9106s_and_a_sign_in_renews_a_cheaper_hash(
    client: TestClient, settings: Settings, staff: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of the box a password costs argon2id 64 MiB and 3 passes; after the cost is raised,
    the next sign-in stores the password at the new cost and the old token still works."""
    fields = Settings.model_fields
    assert fields["password_hash_memory_kib"].default == 65536
    assert fields["password_hash_time_cost"].default == 3
    cheap = _stored_hash(settings, "officer_own")
    assert "$m=1024,t=1," in cheap  # the suite's own cost (tests/conftest.py)
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "2048")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "2")
    get_settings.cache_clear()
    headers = login(client, "officer_own")
    renewed = _stored_hash(settings, "officer_own")
    assert renewed != cheap and "$m=2048,t=2," in renewed
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    login(client, "officer_own")  # the renewed hash checks the same password
    assert _stored_hash(settings, "officer_own") == renewed  # and is not renewed again


def test_production_refuses_a_cheap_password_hash() -> None:
    """Below OWASP's argon2id floor (19 MiB, two passes) production does not start."""
    secret = "s" * 40
    for memory, passes in ((19455, 2), (65536, 1)):
        with pytest.raises(ValueError, match="PASSWORD_HASH_MEMORY_KIB"):
            Settings(
                _env_file=None,
                app_env="production",
                secret_key=secret,
                password_hash_memory_kib=memory,
                password_hash_time_cost=passes,
            )
    Settings(
        _env_file=None, app_env="production", secret_key=secret, password_hash_memory_kib=19456
    )


def _stored_hash(settings: Settings, username: str) -> str:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(
            sa.text("SELECT password_hash FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()


def test_list_filters_and_pages(client: TestClient, staff: dict) -> None:
    """Status and agency filters apply, pages follow next_cursor, bad filters are 422."""
    codes = [file_complaint(client)["tracking_code"] for _ in range(5)]
    sup = staff["supervisor"]
    client.post(f"/api/v1/cases/{codes[0]}/transitions", json={"status": "rejected"}, headers=sup)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "agency": "DPU", "status": "assigned"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/cases", params=params, headers=sup).json()
        seen += [c["tracking_code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(codes[1:]))
    for params in ({"agency": "NOPE"}, {"status": "done"}, {"limit": 0}, {"cursor": "x"}):
        assert client.get("/api/v1/cases", params=params, headers=sup).status_code == 422
