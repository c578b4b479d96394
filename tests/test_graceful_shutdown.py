"""SIGTERM to `aduan serve`, as a platform sends it on every deploy: the request in flight
finishes first. (The worker's side: tests/notifications/test_worker_shutdown.py.)"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from core.settings import Settings
from tests.browser import sqlite_only  # noqa: F401 - uvicorn's signal handling is the same on both
from tests.channels import inbound
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import png_bytes, scalar
from tests.processes import wait_until, web_process

pytestmark = pytest.mark.runs_long


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
    assert scalar(settings, "SELECT count(*) FROM cases") == 1
    assert scalar(settings, "SELECT count(*) FROM attachments") == 1
