"""Logs of the real processes: no phone number, chat id or e-mail; a request or job id on each
record; JSON lines when LOG_FORMAT=json."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from core.logs import mask_personal
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post
from tests.conftest import TELEGRAM_SECRET
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, RUBBISH
from tests.processes import ADUAN
from tests.processes import web_process as aduan_web

pytestmark = pytest.mark.runs_long

EMAIL = "siti.rahayu@example.com"
FORM_PHONE = "0813-9000-5678"
# every way these could be written into a log line
PERSONAL = (
    str(tg.CHAT_ID),
    PHONE,
    PHONE.removeprefix("+62"),
    EMAIL,
    "siti.rahayu",
    FORM_PHONE,
    "813-9000-5678",
    "81390005678",
    "+6281390005678",
)
JSON_FIELDS = {"time", "level", "logger", "message", "request_id"}


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("sent to +6281390001234", "sent to +**********234"),
        ("from whatsapp:+6281390001234", "from whatsapp:+**********234"),
        ("call 0813-9000-1234 now", "call ****-****-*234 now"),
        ("call 081390001234 now", "call *********234 now"),
        ("WaId 6281390001234", "WaId **********234"),
        ("+62 813 9000 1234", "+** *** **** *234"),
        ("chat_id=5550123456", "chat_id=*******456"),
        ('{"chat_id": 123456}', '{"chat_id": ***456}'),
        ("sender telegram:123456", "sender telegram:***456"),
        ("group -1001234567890", "group -**********890"),
        ("to siti.rahayu@example.com.", "to s***@example.com."),
        # a staff search for a number, as the access log writes its URL
        (
            "GET /api/v1/cases?q=%2B6281390001234 HTTP/1.1",
            "GET /api/v1/cases?q=%2B**********234 HTTP/1.1",
        ),
        ("GET /console?q=0813+9000+1234 HTTP/1.1", "GET /console?q=****+****+*234 HTTP/1.1"),
        ("q=%2B62%20813%209000%201234&x", "q=%2B**%20***%20****%20*234&x"),
        ("q=0813-9000-1234&status=assigned", "q=****-****-*234&status=assigned"),
    ],
)
def test_personal_data_is_masked_in_every_written_form(line: str, masked: str) -> None:
    assert mask_personal(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        "case ABCD-1234 notification 12 will retry in 30s",
        "due 2026-08-12 10:11:12.123456+07:00",
        "at -6.993212345,110.420312345",
        "From: Aduan <no-reply@localhost>",
        "127.0.0.1:54321 - POST /webhooks/twilio HTTP/1.1 200",
    ],
)
def test_what_is_not_personal_is_left_alone(line: str) -> None:
    assert mask_personal(line) == line


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    """Ours unless the caller (a proxy) sent a sane one; a malformed one is replaced."""
    generated = client.get("/").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/").headers["x-request-id"] != generated
    passed_on = "b7d5c0a2-3f4e-4b8a-9c1d-2e6f7a8b9c0d"
    assert (
        client.get("/healthz", headers={"X-Request-ID": passed_on}).headers["x-request-id"]
        == passed_on
    )
    for bad in ("two words", "x" * 200, "id\tforged"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered)


@pytest.fixture
def web_process(settings: Settings, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    """`aduan serve` as deployed (JSON logs, a limit of one complaint an hour), its log file."""
    log_file = tmp_path / "web.log"
    env = {"LOG_FORMAT": "json", "INTAKE_LIMIT_PER_HOUR": "1"}
    with aduan_web(log_file, env) as (_, client):
        yield client, log_file


def records(log_file: Path) -> list[dict]:
    lines = [line for line in log_file.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert entry.keys() >= JSON_FIELDS, entry
    return entries


def test_a_full_complaint_flow_logs_no_contact_details(
    web_process: tuple[httpx.Client, Path],
    settings: Settings,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
    smtp: SmtpSink,
) -> None:
    """Telegram, SMS (one refused by the limit), the web form and the API through the real
    server, then the acknowledgements through a real worker (one SMS refused by Twilio): the
    logs hold none of the contact details, and each record names its request or job."""
    client, log_file = web_process
    telegram_headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    update = tg.text(POTHOLE)
    assert client.post("/webhooks/telegram", json=update, headers=telegram_headers).is_success
    assert signed_post(client, settings, inbound(POTHOLE)).status_code == 200
    assert signed_post(client, settings, inbound(RUBBISH)).status_code == 200  # over the limit
    form = {"text": RUBBISH, "email": EMAIL, "phone": FORM_PHONE, "notify_via": "email"}
    assert client.post("/complaints", data=form).status_code == 303
    api = client.post(
        "/api/v1/complaints",
        json={"text": POTHOLE, "phone": FORM_PHONE, "notify_via": "whatsapp"},
        # uvicorn takes the client address from a proxy it trusts (FORWARDED_ALLOW_IPS, by
        # default the local host): a resident behind the same proxy as the form's sender
        headers={"X-Request-ID": "flow-check-0001", "X-Forwarded-For": "198.51.100.23"},
    )
    assert api.status_code == 201
    assert api.headers["x-request-id"] == "flow-check-0001"
    code = api.json()["tracking_code"]

    twilio.reject_number(PHONE)
    worker = subprocess.run(
        [*ADUAN, "worker", "--burst"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    smtp.wait_for(lambda: smtp.messages)
    telegram.wait_for(lambda: telegram.messages)

    web_log = log_file.read_text()
    for value in PERSONAL:
        assert value not in web_log, value
        assert value not in worker.stderr, value

    web_records = records(log_file)
    flow = [r for r in web_records if r["request_id"] == "flow-check-0001"]
    # a web complaint's sender is the contact it gives (masked in the log), not its address
    assert any(
        re.fullmatch(rf"complaint {code} filed via web from phone:\+\*+\d{{3}}", r["message"])
        for r in flow
    )
    assert any(
        r["logger"] == "uvicorn.access" and "/api/v1/complaints" in r["message"] for r in flow
    )
    [refused] = [r for r in web_records if r["logger"] == "intake.limits"]
    assert refused["level"] == "WARNING"
    assert refused["message"] == "intake limit of 1 an hour reached for phone:+**********234"
    assert refused["request_id"] not in (None, "-", "flow-check-0001")

    # the worker's default text format, with the RQ job's id in brackets
    [failure] = [line for line in worker.stderr.splitlines() if "failed for good" in line]
    assert re.search(r" \[[0-9a-f-]{36}\] notification \d+ failed for good", failure), failure
    assert "+**********234" in failure
