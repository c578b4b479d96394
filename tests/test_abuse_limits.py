"""Per-sender intake limits, through every channel's real interface, counted in the real Redis.

The other test modules switch the limit off (they file many complaints from one test client);
here it has its shipped default of 10 new complaints an hour.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from redis import Redis

from aduan.app import create_app
from core.db import get_engine
from core.settings import Settings, get_settings
from intake.limits import SenderLimit, client_sender
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, twiml_texts
from tests.channels import telegram_post as post
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, RUBBISH

LIMIT = 10
OTHER_CHAT = 5_550_999_888
OTHER_PHONE = "+6281177772222"
OTHER_CLIENT = ("203.0.113.7", 50000)


@pytest.fixture
def settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment with the limit at its default: INTAKE_LIMIT_PER_HOUR unset."""
    monkeypatch.delenv("INTAKE_LIMIT_PER_HOUR")
    get_settings.cache_clear()
    return get_settings()


def case_count(settings: Settings) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()


def complaint(n: int) -> str:
    # each a new complaint: no "belum diperbaiki", which from a resident with an open case of
    # the same agency reads as asking after it
    return f"Jalan berlubang besar di depan SD Negeri 2 Jl. Pemuda, laporan ke-{n}"


def limit_keys(redis: Redis, settings: Settings) -> list[bytes]:
    return list(redis.scan_iter(f"{settings.rq_queue}:intake-limit/*"))


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Runs a second app on changed settings (another limit, Redis, or none)."""
    clients: list[TestClient] = []

    def start(**changes: object) -> TestClient:
        test_client = TestClient(create_app(settings.model_copy(update=changes)))
        clients.append(test_client.__enter__())
        return test_client

    yield start
    for test_client in clients:
        test_client.__exit__(None, None, None)


def test_the_11th_telegram_complaint_in_an_hour_is_refused_politely(
    client: TestClient, settings: Settings, telegram: FakeTelegram, redis_connection: Redis
) -> None:
    """Ten complaints from a chat are filed; the eleventh gets a polite Indonesian reply and no
    case. Status requests, help and locations in between are not counted, and still answered
    after the limit; another chat is not affected."""
    for n in range(LIMIT):
        assert post(client, tg.text(complaint(n))).status_code == 200
        if n == 0:
            post(client, tg.location(-6.9932, 110.4203))
            post(client, tg.text("/status"))
            post(client, tg.text("/help"))
    assert case_count(settings) == LIMIT
    before = len(telegram.messages)

    assert post(client, tg.text(complaint(LIMIT))).status_code == 200
    assert case_count(settings) == LIMIT
    [refusal] = telegram.messages[before:]
    assert refusal.chat_id == tg.CHAT_ID
    assert refusal.text.startswith("Mohon maaf")
    assert f"{LIMIT} aduan dalam satu jam" in refusal.text
    assert "/status KODE" in refusal.text
    assert re.search(r"sekitar \d+ menit lagi", refusal.text)

    post(client, tg.text("/status"))
    assert telegram.messages[-1].text.startswith("Aduan terbuka Anda:")
    assert post(client, tg.text(RUBBISH, chat_id=OTHER_CHAT)).status_code == 200
    assert case_count(settings) == LIMIT + 1
    [key_a, key_b] = limit_keys(redis_connection, settings)
    assert str(tg.CHAT_ID).encode() not in key_a + key_b


def test_the_refusal_is_in_english_for_an_english_conversation(
    app_with, telegram: FakeTelegram, settings: Settings
) -> None:
    """The reply follows the conversation's language; the limit is configurable."""
    client = app_with(intake_limit_per_hour=1)
    post(client, tg.text("/lang en"))
    post(client, tg.text(POTHOLE))
    post(client, tg.text(RUBBISH))
    assert case_count(settings) == 1
    refusal = telegram.messages[-1].text
    assert refusal.startswith("Sorry, this account has sent 1 complaints within the last hour")
    assert "/status CODE" in refusal


def test_the_11th_sms_from_a_number_is_refused_and_whatsapp_shares_the_count(
    client: TestClient, settings: Settings, redis_connection: Redis
) -> None:
    """SMS and WhatsApp from one phone number count together; the refusal comes in TwiML; the
    count lives in Redis under a hashed key with an hour's expiry; other numbers go through."""
    for n in range(LIMIT - 1):
        assert twiml_texts(signed_post(client, settings, inbound(complaint(n)))) == []
    signed_post(client, settings, inbound(complaint(LIMIT), whatsapp=True))
    assert case_count(settings) == LIMIT
    [key] = limit_keys(redis_connection, settings)
    assert 0 < redis_connection.ttl(key) <= 3600
    assert redis_connection.llen(key) == LIMIT
    members = b"".join(redis_connection.lrange(key, 0, -1))
    assert PHONE.lstrip("+").encode() not in key + members

    for fields in (inbound(RUBBISH), inbound(RUBBISH, whatsapp=True)):
        response = signed_post(client, settings, fields)
        assert response.status_code == 200
        [text] = twiml_texts(response)
        assert text.startswith("Maaf, dari nomor ini sudah masuk 10 aduan")
        assert "CEK KODE" in text
    assert case_count(settings) == LIMIT
    [status] = twiml_texts(signed_post(client, settings, inbound("CEK")))
    assert status.startswith("Aduan terbuka Anda:")

    other = inbound(RUBBISH, From=OTHER_PHONE)
    assert twiml_texts(signed_post(client, settings, other)) == []
    assert case_count(settings) == LIMIT + 1


def test_the_11th_web_form_complaint_from_an_address_gets_a_429_page(
    client: TestClient, settings: Settings
) -> None:
    """The form comes back with the citizen's text kept, a polite message and Retry-After;
    another client address files normally."""
    for n in range(LIMIT):
        response = client.post(
            "/complaints", data={"text": complaint(n), "lang": "id"}, follow_redirects=False
        )
        assert response.status_code == 303
    response = client.post("/complaints", data={"text": RUBBISH, "lang": "en"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "Sorry, 10 complaints have come from this internet address" in response.text
    assert RUBBISH in response.text
    assert case_count(settings) == LIMIT

    elsewhere = TestClient(client.app, client=OTHER_CLIENT)
    response = elsewhere.post("/complaints", data={"text": RUBBISH}, follow_redirects=False)
    assert response.status_code == 303
    assert case_count(settings) == LIMIT + 1


def test_the_11th_api_complaint_from_an_address_is_429_with_retry_after(
    client: TestClient, settings: Settings
) -> None:
    """The API says why and when to come back; repeating an earlier request (same
    Idempotency-Key) is not a new complaint, so it still answers with the first one."""
    first = None
    for n in range(LIMIT):
        response = client.post(
            "/api/v1/complaints", json={"text": complaint(n)}, headers={"Idempotency-Key": f"k{n}"}
        )
        assert response.status_code == 201
        first = first or response.json()["tracking_code"]
    response = client.post("/api/v1/complaints", json={"text": RUBBISH})
    assert response.status_code == 429
    assert "at most 10 an hour" in response.json()["detail"]
    assert 0 < int(response.headers["Retry-After"]) <= 3600

    repeat = client.post(
        "/api/v1/complaints", json={"text": complaint(0)}, headers={"Idempotency-Key": "k0"}
    )
    assert (repeat.status_code, repeat.json()["tracking_code"]) == (200, first)
    assert case_count(settings) == LIMIT


@pytest.mark.parametrize("counted_in", ["redis", "memory"])
def test_repeats_do_not_use_up_the_limit(app_with, settings: Settings, counted_in: str) -> None:
    """A repeat of an idempotent request is counted like any complaint until the INSERT finds
    its key taken; then the count is given back, so a flaky connection's retries cost the
    sender nothing, in Redis and in the embedded set-up alike."""
    redis_url = settings.redis_url if counted_in == "redis" else None
    client = app_with(redis_url=redis_url, intake_limit_per_hour=2)

    def post(n: int) -> int:
        body, headers = {"text": complaint(n)}, {"Idempotency-Key": f"k{n}"}
        return client.post("/api/v1/complaints", json=body, headers=headers).status_code

    assert [post(0), post(0), post(0), post(0)] == [201, 200, 200, 200]
    assert [post(1), post(1), post(2), post(1)] == [201, 200, 429, 200]
    assert case_count(settings) == 2


@pytest.mark.parametrize("counted_in", ["redis", "memory"])
def test_a_complaint_that_loses_the_race_for_the_last_place_is_refused(
    app_with, settings: Settings, counted_in: str
) -> None:
    """Two complaints from one sender may both pass the check for the last place; the one
    counted second, once its INSERT is done, is refused (429) and leaves no case or contact."""
    redis_url = settings.redis_url if counted_in == "redis" else None
    client = app_with(redis_url=redis_url, intake_limit_per_hour=1)
    engine = get_engine(settings.database_url)
    rival: list[object] = []

    def file_a_rival(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO cases") and not rival:
            # another request from the same address is counted while this one is stored
            limit = SenderLimit(client.app.state.settings, client_sender("testclient"))
            rival.append(limit.count())

    sa.event.listen(engine, "before_cursor_execute", file_a_rival)
    try:
        body = {"text": POTHOLE, "phone": OTHER_PHONE, "notify_via": "sms"}
        response = client.post("/api/v1/complaints", json=body)
    finally:
        sa.event.remove(engine, "before_cursor_execute", file_a_rival)
    assert rival == [None]
    assert response.status_code == 429
    assert "at most 1 an hour" in response.json()["detail"]
    assert 3590 < int(response.headers["Retry-After"]) <= 3600
    assert case_count(settings) == 0
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 0


def test_with_redis_down_complaints_are_accepted(
    app_with, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The limiter fails open: no complaint is lost because Redis does not answer."""
    client = app_with(redis_url="redis://127.0.0.1:1/0", intake_limit_per_hour=1)
    with caplog.at_level(logging.WARNING, logger="intake.limits"):
        for text in (POTHOLE, RUBBISH):
            assert client.post("/api/v1/complaints", json={"text": text}).status_code == 201
    assert case_count(settings) == 2
    assert "intake limit not checked, Redis unavailable" in caplog.text


def test_without_redis_the_process_counts_in_memory(
    app_with, settings: Settings, redis_connection: Redis
) -> None:
    """The embedded set-up (no REDIS_URL) limits too, and writes nothing to Redis."""
    client = app_with(redis_url=None, intake_limit_per_hour=2)
    statuses = [
        client.post("/api/v1/complaints", json={"text": complaint(n)}).status_code for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    elsewhere = TestClient(client.app, client=OTHER_CLIENT)
    assert elsewhere.post("/api/v1/complaints", json={"text": RUBBISH}).status_code == 201
    assert limit_keys(redis_connection, settings) == []
