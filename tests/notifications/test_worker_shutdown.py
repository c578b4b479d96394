"""SIGTERM to `aduan worker`, as a platform sends it on every deploy: the job in flight
finishes first, each message sent once. (The web side: tests/test_graceful_shutdown.py.)"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.queue import get_queue
from core.settings import Settings
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import file_complaint, scalar
from tests.processes import ADUAN, wait_until

pytestmark = pytest.mark.runs_long


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
        assert wait_until(in_flight or (lambda: scalar(settings, sending)), 60)
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
    assert scalar(settings, "SELECT status FROM notifications") == "sent"


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
    assert scalar(settings, "SELECT count(*) FROM notifications WHERE status = 'pending'") == 2
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
    assert scalar(settings, "SELECT count(*) FROM notifications WHERE status = 'sent'") == 3
