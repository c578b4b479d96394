"""The demo accounts of `aduan demo users` and their published password never work in production."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from aduan.app import create_app
from core.db import get_engine, session_scope
from core.settings import Settings
from routing.models import Agency
from staff.auth import passwords
from staff.demo import DEMO_PASSWORD
from staff.models import User
from tests.cli import run_aduan
from tests.helpers import PASSWORD, create_staff

TOKEN = "/api/v1/auth/token"


def demo_users_command() -> None:
    """`aduan demo users` as `make run` runs it, in development, on the test database."""
    result = run_aduan("demo", "users", env={"APP_ENV": "development"})
    assert result.returncode == 0, result.stderr
    assert DEMO_PASSWORD in result.stdout


def accounts(settings: Settings) -> dict[str, bool]:
    """Whether each account is active, by username."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return {u.username: u.active for u in session.exec(select(User))}


def token(client: TestClient, username: str, password: str) -> int:
    return client.post(TOKEN, data={"username": username, "password": password}).status_code


def test_production_start_deactivates_the_demo_accounts(
    settings: Settings, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Started in production, the web app deactivates and signs out each demo account that still
    has the demo password, naming them in an error line; one given its own password stays."""
    demo_users_command()
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
        supervisor.password_hash = passwords().hasher.hash(PASSWORD)
    demo_token = client.post(TOKEN, data={"username": "officer.dpu", "password": DEMO_PASSWORD})
    bearer = {"Authorization": f"Bearer {demo_token.json()['access_token']}"}
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200

    production = settings.model_copy(update={"app_env": "production"})
    with caplog.at_level(logging.ERROR, logger="staff.demo"), TestClient(create_app(production)):
        pass
    [line] = [m for m in caplog.messages if m.startswith("deactivated the demo accounts")]
    # an officer of every city agency in the catalogue, as `aduan demo users` made them; a
    # referral body outside the city has none
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        city = select(Agency.code).where(Agency.kind == "city")
        officers = {f"officer.{code.lower()}" for code in session.exec(city)}
    assert {"officer.dpu", "officer.dlh", "officer.pdam"} <= officers
    assert line.startswith(
        f"deactivated the demo accounts {', '.join(sorted({'admin', *officers}))}:"
    )
    assert "supervisor" not in line and DEMO_PASSWORD not in line
    assert accounts(settings) == {
        "admin": False,
        **dict.fromkeys(officers, False),
        "supervisor": True,
    }
    assert client.get("/api/v1/cases", headers=bearer).status_code == 401
    assert token(client, "officer.dpu", DEMO_PASSWORD) == 401
    assert token(client, "supervisor", PASSWORD) == 200


def test_production_refuses_the_demo_password_for_any_account(
    settings: Settings, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """An account of any name whose password is the demo one cannot sign in in production (it
    can in development), and the refusal is logged without the password."""
    create_staff(settings, "budi", "officer", "DPU")
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        budi = session.exec(select(User).where(User.username == "budi")).one()
        budi.password_hash = passwords().hasher.hash(DEMO_PASSWORD)
    assert token(client, "budi", DEMO_PASSWORD) == 200

    production = settings.model_copy(update={"app_env": "production"})
    with (
        caplog.at_level(logging.WARNING, logger="staff.signin"),
        TestClient(create_app(production)) as live,
    ):
        assert token(live, "budi", DEMO_PASSWORD) == 401
    assert "sign-in failed for 'budi'" in caplog.text
    assert "demo password refused in production" in caplog.text
    assert DEMO_PASSWORD not in caplog.text
    assert accounts(settings) == {"budi": True}
