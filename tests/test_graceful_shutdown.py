"""SIGTERM, as a platform sends it on every deploy: the request or job in flight finishes first."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from aduan.app import create_app
from core.db import get_engine
from core.queue import get_queue
from core.settings import Settings
from tests.channels import inbound
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import file_complaint, png_bytes
from tests.processes import ADUAN, wait_until, web_process


def _scalar(settings: Settings, statement: str) -> object:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text(statement)).scalar_one()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_web_finishes_the_request_in_flight(
    settings: Settings, twilio: FakeTwilio, tmp_path: Path, workers: str
) -> None:
    """An MMS whose photo downloads slowly is still filed, with its photo, after SIGTERM; with
    several workers the supervisor passes the signal on and waits for them."""
    media = twilio.add_media(content=png_bytes(), content_type="image/png")
    fields = inbound(
        "Sampah menumpuk di depan pasar, sudah seminggu",
        NumMedia="1",
        MediaUrl0=media,
        MediaContentType0="image/png",
    )
    url = settings.public_base_url + "/webhooks/twilio"
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, fields)
    twilio.slow_next(1, seconds=3)
    answers: list[httpx.Response] = []

    with web_process(tmp_path / "web.log", None, "--workers", workers) as (process, client):

        def post() -> None:
            answers.append(
                client.post(
                    "/webhooks/twilio",
                    content=urlencode(fields),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature,
                    },
                )
            )

        sender = threading.Thread(target=post)
        sender.start()
        assert wait_until(lambda: any("/Media/" in r.path for r in twilio.requests), 30)
        process.send_signal(signal.SIGTERM)
        sender.join(30)
        # uvicorn shuts down cleanly, then re-raises the signal so the exit status reports it
        assert process.wait(30) in (0, -signal.SIGTERM)

    assert [a.status_code for a in answers] == [200]
    assert _scalar(settings, "SELECT count(*) FROM cases") == 1
    assert _scalar(settings, "SELECT count(*) FROM attachments") == 1


def _terminate_worker_mid_send(
    settings: Settings, in_flight: Callable[[], bool] | None = None
) -> None:
    """Starts `aduan worker`, sends it SIGTERM once `in_flight` holds (by default: a row is
    claimed, and a claim's first row counts as started) and expects a clean exit."""
    worker = subprocess.Popen(
        [*ADUAN, "worker"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    sending = "SELECT count(*) FROM notifications WHERE status = 'sending'"
    try:
        assert wait_until(in_flight or (lambda: _scalar(settings, sending)), 60)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


def test_worker_finishes_the_job_in_flight(
    settings: Settings, client: TestClient, twilio: FakeTwilio
) -> None:
    """SIGTERM while a message is being sent: the send completes and is recorded as sent."""
    code = file_complaint(client, phone="+6281355501234", notify_via="sms")["tracking_code"]
    twilio.slow_next(1, seconds=3)
    _terminate_worker_mid_send(settings)
    assert [code in m.body for m in twilio.messages] == [True]
    assert _scalar(settings, "SELECT status FROM notifications") == "sent"


def _gathered_complaints(settings: Settings, phones: list[str]) -> list[str]:
    """Files a complaint from each of `phones` into one delivery job; their tracking codes."""
    gathering = settings.model_copy(update={"notify_gather_ms": 1000})
    with TestClient(create_app(gathering)) as client:
        codes = [
            file_complaint(client, phone=phone, notify_via="sms")["tracking_code"]
            for phone in phones
        ]
    assert get_queue(settings).count == 1  # one job with all the rows
    return codes


def test_worker_stops_a_job_of_several_rows_after_the_row_in_flight(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """A job gathered several messages to one citizen, which go out one after another: on
    SIGTERM the one being sent completes, the rest stay pending instead of holding the deploy
    up, and the next worker sends them, each once."""
    codes = _gathered_complaints(settings, ["+6281355501200"] * 3)
    twilio.slow_next(1, seconds=3)
    _terminate_worker_mid_send(settings)
    assert len(twilio.messages) == 1
    assert _scalar(settings, "SELECT count(*) FROM notifications WHERE status = 'pending'") == 2
    next_worker = subprocess.run([*ADUAN, "worker", "--burst"], capture_output=True, timeout=120)
    assert next_worker.returncode == 0
    assert sorted(sum(code in m.body for m in twilio.messages) for code in codes) == [1, 1, 1]


def test_worker_finishes_the_sends_in_flight_to_several_citizens(
    settings: Settings, twilio: FakeTwilio
) -> None:
    """Messages to different citizens are out at the provider at the same time: SIGTERM then
    waits for every one of them, each recorded as sent once."""
    phones = [f"+62813555013{n}" for n in range(3)]
    codes = _gathered_complaints(settings, phones)
    twilio.slow_next(3, seconds=3)
    # all three at the fake: the rows are claimed together a moment before their sends start,
    # and a send not started when the stop comes is left for the next worker
    _terminate_worker_mid_send(settings, lambda: twilio.most_at_once() == 3)
    assert sorted(m.to for m in twilio.messages) == phones
    assert sorted(sum(code in m.body for m in twilio.messages) for code in codes) == [1, 1, 1]
    assert _scalar(settings, "SELECT count(*) FROM notifications WHERE status = 'sent'") == 3
