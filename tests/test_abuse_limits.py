"""Per-sender intake limits, and the brake on tracking codes that find nothing, through every
channel's real interface, counted in the real Redis.

The other test modules switch the intake limit off (they file many complaints from one test
client); here it has its shipped default of 10 new complaints an hour per contact (100 per web
client address). The lookup brake has its
shipped default everywhere: 20 codes that find nothing an hour.
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
from cases.codes import new_tracking_code
from core.db import get_engine
from core.settings import Settings, get_settings
from intake.limits import SenderLimit, contact_sender
from intake.messages import ReplyAddress
from notifications.enums import Channel
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, twiml_texts
from tests.channels import telegram_post as post
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE, RUBBISH

LIMIT = 10
MISSES = 20  # LOOKUP_MISSES_PER_HOUR's default
OTHER_CHAT = 5_550_999_888
OTHER_PHONE = "+6281177772222"
OTHER_CLIENT = ("203.0.113.7", 50000)
WEB_PHONE = "+6281177773333"


def sms(phone: str) -> ReplyAddress:
    return ReplyAddress(Channel.sms, phone)


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


def test_the_11th_web_form_complaint_from_a_phone_number_gets_a_429_page(
    client: TestClient, settings: Settings
) -> None:
    """Web complaints count against the phone number they give (with or without updates),
    together with SMS from it: the form comes back with the citizen's text kept, a polite
    message and Retry-After; another number from the same address files normally."""
    for n in range(LIMIT - 1):
        data = {"text": complaint(n), "lang": "id", "phone": WEB_PHONE}
        response = client.post("/complaints", data=data, follow_redirects=False)
        assert response.status_code == 303
    signed_post(client, settings, inbound(complaint(LIMIT), From=WEB_PHONE))
    assert case_count(settings) == LIMIT
    data = {"text": RUBBISH, "lang": "en", "phone": "0811-7777-3333", "notify_via": "sms"}
    response = client.post("/complaints", data=data)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "Sorry, 10 complaints have come from this mobile number or e-mail address" in (
        response.text
    )
    assert RUBBISH in response.text
    assert case_count(settings) == LIMIT

    data = {"text": RUBBISH, "phone": OTHER_PHONE}
    assert client.post("/complaints", data=data, follow_redirects=False).status_code == 303
    assert case_count(settings) == LIMIT + 1


def test_the_11th_api_complaint_from_an_e_mail_address_is_429_with_retry_after(
    client: TestClient, settings: Settings
) -> None:
    """The API counts by the e-mail address given, however cased, says why and when to come
    back; repeating an earlier request (same Idempotency-Key) is not a new complaint, so it
    still answers with the first one."""
    first = None
    for n in range(LIMIT):
        body = {"text": complaint(n), "email": "warga@example.com"}
        response = client.post(
            "/api/v1/complaints", json=body, headers={"Idempotency-Key": f"k{n}"}
        )
        assert response.status_code == 201
        first = first or response.json()["tracking_code"]
    response = client.post(
        "/api/v1/complaints", json={"text": RUBBISH, "email": "Warga@Example.com"}
    )
    assert response.status_code == 429
    assert "at most 10 an hour" in response.json()["detail"]
    assert 0 < int(response.headers["Retry-After"]) <= 3600

    repeat = client.post(
        "/api/v1/complaints",
        json={"text": complaint(0), "email": "warga@example.com"},
        headers={"Idempotency-Key": "k0"},
    )
    assert (repeat.status_code, repeat.json()["tracking_code"]) == (200, first)
    assert case_count(settings) == LIMIT


def test_one_address_is_braked_far_later_than_one_contact(app_with, settings: Settings) -> None:
    """Many residents behind one carrier address each have their own hourly limit; the address
    as a whole meets only WEB_COMPLAINTS_PER_ADDRESS_PER_HOUR, which is all a complaint giving
    no contact meets. Each 429 says which limit it was."""
    client = app_with(intake_limit_per_hour=2, web_complaints_per_address_per_hour=4)

    def send(n: int, phone: str = "", lang: str = "en") -> int:
        data = {"text": complaint(n), "phone": phone, "lang": lang}
        response = client.post("/complaints", data=data, follow_redirects=False)
        if response.status_code == 429:
            sent.append(response.text)
        return response.status_code

    sent: list[str] = []
    assert [send(0, WEB_PHONE), send(1, WEB_PHONE), send(2, WEB_PHONE)] == [303, 303, 429]
    assert "from this mobile number or e-mail address" in sent[-1]
    assert [send(3, OTHER_PHONE), send(4), send(5, "081177774444")] == [303, 303, 429]
    assert "Sorry, 4 complaints have come from this internet address" in sent[-1]
    assert case_count(settings) == 4

    elsewhere = TestClient(client.app, client=OTHER_CLIENT)
    statuses = [
        elsewhere.post("/complaints", data={"text": complaint(n)}, follow_redirects=False)
        for n in range(5)
    ]
    assert [r.status_code for r in statuses] == [303, 303, 303, 303, 429]
    assert "dari alamat internet ini sudah masuk 4 aduan" in statuses[-1].text


@pytest.mark.parametrize("counted_in", ["redis", "memory"])
def test_repeats_do_not_use_up_the_limit(app_with, settings: Settings, counted_in: str) -> None:
    """A repeat of an idempotent request is counted like any complaint until the INSERT finds
    its key taken; then the count is given back, so a flaky connection's retries cost the
    sender nothing, in Redis and in the embedded set-up alike."""
    redis_url = settings.redis_url if counted_in == "redis" else None
    client = app_with(redis_url=redis_url, intake_limit_per_hour=2)

    def post(n: int) -> int:
        body, headers = {"text": complaint(n), "phone": WEB_PHONE}, {"Idempotency-Key": f"k{n}"}
        return client.post("/api/v1/complaints", json=body, headers=headers).status_code

    assert [post(0), post(0), post(0), post(0)] == [201, 200, 200, 200]
    assert [post(1), post(1), post(2), post(1)] == [201, 200, 429, 200]
    assert case_count(settings) == 2


@pytest.mark.parametrize("counted_in", ["redis", "memory"])
def test_a_complaint_that_loses_the_race_for_the_last_place_is_refused(
    app_with, settings: Settings, counted_in: str
) -> None:
    """Two complaints from one sender race for the last place: the one counted second, once
    its INSERT is done, is refused (429) and leaves no case or contact."""
    redis_url = settings.redis_url if counted_in == "redis" else None
    client = app_with(redis_url=redis_url, intake_limit_per_hour=1)
    engine = get_engine(settings.database_url)
    rival: list[object] = []

    def file_a_rival(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO cases" in statement and not rival:
            # another complaint from the same number is counted while this one is stored (on
            # PostgreSQL the case is written by a statement that begins with its contact)
            limit = SenderLimit(client.app.state.settings, contact_sender(sms(OTHER_PHONE)))
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
        client.post("/api/v1/complaints", json={"text": complaint(n), "phone": WEB_PHONE})
        for n in range(3)
    ]
    assert [response.status_code for response in statuses] == [201, 201, 429]
    other = {"text": RUBBISH, "phone": OTHER_PHONE}
    assert client.post("/api/v1/complaints", json=other).status_code == 201
    assert limit_keys(redis_connection, settings) == []


def unknown_codes(count: int) -> list[str]:
    """Well-formed tracking codes of no complaint, as someone guessing codes would try them."""
    return [new_tracking_code() for _ in range(count)]


def miss_keys(redis: Redis, settings: Settings) -> list[bytes]:
    return list(redis.scan_iter(f"{settings.rq_queue}:lookup-misses/*"))


def test_the_status_page_brakes_a_client_after_20_unknown_codes(
    client: TestClient, settings: Settings, redis_connection: Redis
) -> None:
    """A resident's own code is answered however often they look; 20 unknown codes from one
    address are answered 404, then every lookup of that address, its real code too, is a 429
    with Retry-After and a polite page in the page's language; another address is not braked;
    Redis holds the count under a hashed key."""
    code = client.post("/api/v1/complaints", json={"text": POTHOLE}).json()["tracking_code"]
    hits = [client.get(f"/track/{code}").status_code for _ in range(MISSES + 5)]
    assert hits == [200] * (MISSES + 5)
    guesses = [client.get(f"/track/{guess}").status_code for guess in unknown_codes(MISSES + 5)]
    assert guesses == [404] * MISSES + [429] * 5
    braked = client.get(f"/track/{code}")
    assert braked.status_code == 429
    assert 0 < int(braked.headers["Retry-After"]) <= 3600
    assert "Mohon maaf, terlalu banyak kode pelacakan yang tidak cocok" in braked.text
    assert re.search(r"Silakan coba lagi sekitar \d+ menit lagi", braked.text)
    assert "Status" not in braked.text and "Dinas Pekerjaan Umum" not in braked.text
    for leak in ("<bound method", "None", "lookup-misses"):
        assert leak not in braked.text
    english = client.get(f"/track/{code}", params={"lang": "en"})
    assert english.status_code == 429
    assert "Sorry, too many tracking codes matched no complaint." in english.text

    elsewhere = TestClient(client.app, client=OTHER_CLIENT)
    assert elsewhere.get(f"/track/{code}").status_code == 200
    [key] = miss_keys(redis_connection, settings)
    assert redis_connection.llen(key) == MISSES
    assert b"testclient" not in key + b"".join(redis_connection.lrange(key, 0, -1))


def test_the_api_lookup_shares_the_brake_and_says_why(client: TestClient) -> None:
    """The API's unknown codes count with the status page's (one client address); the 21st is
    a 429 with the reason and Retry-After. Words that are no code at all are not counted."""
    code = client.post("/api/v1/complaints", json={"text": POTHOLE}).json()["tracking_code"]
    for _ in range(MISSES + 5):
        assert client.get("/api/v1/complaints/jalan-rusak").status_code == 404
    for n, guess in enumerate(unknown_codes(MISSES)):
        where = "/track/" if n % 2 else "/api/v1/complaints/"
        assert client.get(f"/api/v1/complaints/{code}").status_code == 200
        assert client.get(where + guess).status_code == 404
    braked = client.get(f"/api/v1/complaints/{code}")
    assert braked.status_code == 429
    assert re.fullmatch(
        r"too many tracking codes that match no complaint: at most 20 an hour; "
        r"please try again in \d+ minutes",
        braked.json()["detail"],
    )
    assert 0 < int(braked.headers["Retry-After"]) <= 3600


def test_cek_on_sms_and_status_on_telegram_brake_each_contact(
    client: TestClient, settings: Settings, telegram: FakeTelegram
) -> None:
    """CEK with 20 unknown codes from one number is answered "not found"; the 21st gets the
    polite brake, in the contact's language, and so does their real code; Telegram's /status
    counts per chat; a badly written code is not counted."""
    code = client.post("/api/v1/complaints", json={"text": POTHOLE}).json()["tracking_code"]
    for guess in unknown_codes(MISSES):
        [answer] = twiml_texts(signed_post(client, settings, inbound(f"CEK {guess}")))
        assert answer == f"Kode {guess} tidak ditemukan. Periksa lagi kode pelacakan Anda."
    for text in (f"CEK {unknown_codes(1)[0]}", f"CEK {code}"):
        [answer] = twiml_texts(signed_post(client, settings, inbound(text)))
        assert re.fullmatch(
            r"Mohon maaf, terlalu banyak kode pelacakan yang tidak cocok dengan aduan mana "
            r"pun\. Silakan coba lagi sekitar \d+ menit lagi\.",
            answer,
        )
    other_number = inbound(f"CEK {code}", From=OTHER_PHONE)
    assert twiml_texts(signed_post(client, settings, other_number))[0].startswith(f"Aduan {code}")

    post(client, tg.text("/lang en"))
    for _ in range(MISSES + 5):
        post(client, tg.text("/status hello"))
    for guess in unknown_codes(MISSES):
        post(client, tg.text(f"/status {guess}"))
    assert telegram.messages[-1].text.startswith("No complaint has the code")
    post(client, tg.text(f"/status {code}"))
    assert re.fullmatch(
        r"Sorry, too many tracking codes matched no complaint\. "
        r"Please try again in about \d+ minutes\.",
        telegram.messages[-1].text,
    )


def test_with_redis_down_lookups_are_not_braked(
    app_with, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The brake fails open: with Redis not answering, every lookup is answered, with a
    warning."""
    client = app_with(redis_url="redis://127.0.0.1:1/0", lookup_misses_per_hour=2)
    with caplog.at_level(logging.WARNING, logger="intake.lookups"):
        statuses = [client.get(f"/track/{guess}").status_code for guess in unknown_codes(4)]
    assert statuses == [404] * 4
    assert "tracking-code lookups not braked, Redis unavailable" in caplog.text


def test_without_redis_the_brake_counts_in_memory(
    app_with, settings: Settings, redis_connection: Redis
) -> None:
    """The embedded set-up (no REDIS_URL) brakes too, per client, and writes nothing to Redis;
    LOOKUP_MISSES_PER_HOUR=0 turns the brake off."""
    client = app_with(redis_url=None, lookup_misses_per_hour=2)
    statuses = [client.get(f"/api/v1/complaints/{g}").status_code for g in unknown_codes(3)]
    assert statuses == [404, 404, 429]
    elsewhere = TestClient(client.app, client=OTHER_CLIENT)
    assert elsewhere.get(f"/api/v1/complaints/{unknown_codes(1)[0]}").status_code == 404
    assert miss_keys(redis_connection, settings) == []
    unbraked = app_with(redis_url=None, lookup_misses_per_hour=0)
    statuses = [unbraked.get(f"/track/{g}").status_code for g in unknown_codes(MISSES + 1)]
    assert statuses == [404] * (MISSES + 1)
