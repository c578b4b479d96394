"""Password guessing against the API's token endpoint and the console's sign-in form: one brake
for both, counted in Redis, that slows an attacker without letting them lock the owner out."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.settings import Settings
from staff.signin import LoginThrottle
from tests.console.helpers import sign_in as console_sign_in
from tests.helpers import PASSWORD, create_staff

TOKEN = "/api/v1/auth/token"
WRONG = "wrong-guess-123"


@pytest.fixture
def app(settings: Settings, client: TestClient) -> FastAPI:
    """The app under test, running (`client` started it), with the officer dpu."""
    create_staff(settings, "dpu", "officer", "DPU")
    return client.app


def from_address(app: FastAPI, address: str) -> TestClient:
    """A client of `app` whose requests come from `address`."""
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def token(client: TestClient, password: str, username: str = "dpu") -> httpx.Response:
    return client.post(TOKEN, data={"username": username, "password": password})


def test_api_guessing_is_locked_and_the_lock_logged(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Five wrong passwords lock the username from that address: the sixth try, even the right
    password, is a 429 with Retry-After and a reason; the lock is logged without a password."""
    attacker = from_address(app, "203.0.113.7")
    with caplog.at_level(logging.INFO, logger="staff.signin"):
        for _ in range(5):
            assert token(attacker, WRONG).status_code == 401
        locked = token(attacker, PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert locked.json()["detail"] == (
        "too many failed sign-ins for this username or from this address; try again in 15 minutes"
    )
    assert "access_token" not in locked.text
    assert "sign-in locked" in caplog.text and "'dpu' from '203.0.113.7'" in caplog.text
    assert "api sign-in failed for 'dpu' from 203.0.113.7" in caplog.text
    assert WRONG not in caplog.text and PASSWORD not in caplog.text


def test_one_brake_for_the_console_and_the_api(app: FastAPI) -> None:
    """Failures at the console lock the API for that username and address, and the other way."""
    browser = from_address(app, "203.0.113.8")
    for _ in range(5):
        assert console_sign_in(browser, "dpu", WRONG).status_code == 401
    assert token(browser, PASSWORD).status_code == 429

    create_staff(app.state.settings, "dlh", "officer", "DLH")
    script = from_address(app, "203.0.113.9")
    for _ in range(5):
        assert token(script, WRONG, "dlh").status_code == 401
    page = console_sign_in(script, "dlh")
    assert page.status_code == 429 and "Terlalu banyak percobaan" in page.text


def test_guessing_elsewhere_does_not_lock_the_owner_out(app: FastAPI) -> None:
    """An attacker locked out at their address leaves the owner free to sign in at theirs."""
    attacker = from_address(app, "198.51.100.1")
    for _ in range(6):
        token(attacker, WRONG)
    assert token(attacker, PASSWORD).status_code == 429
    owner = from_address(app, "192.0.2.10")
    assert token(owner, PASSWORD).status_code == 200
    assert console_sign_in(owner, "dpu").status_code == 303


def test_guessing_from_many_addresses_brakes_the_username(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Fifty failures in an hour from ten addresses lock the username everywhere for a while."""
    with caplog.at_level(logging.WARNING, logger="staff.signin"):
        for number in range(10):
            attacker = from_address(app, f"198.51.100.{number + 20}")
            for _ in range(5):
                assert token(attacker, WRONG).status_code == 401
    owner = from_address(app, "192.0.2.10")
    locked = token(owner, PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 60 * 60
    assert "50 failures in 60 minutes for username 'dpu'" in caplog.text
    # another account is not braked by it
    create_staff(app.state.settings, "dlh", "officer", "DLH")
    assert token(owner, PASSWORD, "dlh").status_code == 200


def test_trying_many_usernames_from_one_address_is_braked(app: FastAPI) -> None:
    """Thirty failures from one address, whatever the usernames, lock that address."""
    sprayer = from_address(app, "203.0.113.50")
    for number in range(30):
        assert token(sprayer, WRONG, f"staff{number}").status_code == 401
    assert token(sprayer, PASSWORD).status_code == 429
    assert token(from_address(app, "192.0.2.10"), PASSWORD).status_code == 200


def test_memory_throttle_without_redis(settings: Settings) -> None:
    """Without Redis the counts live in the process: 5 failures lock the username from that
    address, however cased; a success there clears that count."""
    throttle = LoginThrottle(settings.model_copy(update={"redis_url": None}))
    assert throttle.retry_after("budi", "10.0.0.1") == 0
    for _ in range(4):
        throttle.failed("Budi ", "10.0.0.1")
    assert throttle.retry_after("budi", "10.0.0.1") == 0
    throttle.failed("budi", "10.0.0.1")
    assert 0 < throttle.retry_after("BUDI", "10.0.0.1") <= 15 * 60
    assert throttle.retry_after("budi", "10.0.0.2") == 0
    throttle.succeeded("budi", "10.0.0.1")
    assert throttle.retry_after("budi", "10.0.0.1") == 0


def test_with_redis_down_api_sign_in_is_checked_not_locked(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis outage must not lock staff out of the API: every try is checked, with a warning."""
    create_staff(settings, "dpu", "officer", "DPU")
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with (
        TestClient(create_app(down)) as client,
        caplog.at_level(logging.WARNING, logger="staff.signin"),
    ):
        for _ in range(6):
            assert token(client, WRONG).status_code == 401
        assert token(client, PASSWORD).status_code == 200
    assert "login throttle unavailable" in caplog.text
