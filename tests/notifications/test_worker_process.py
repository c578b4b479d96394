"""A real `aduan worker` process on the real Redis delivers what the web process queued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings, get_settings
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import file_complaint
from tests.processes import wait_until

pytestmark = pytest.mark.runs_long


def test_worker_process_sends_the_acknowledgement(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """`aduan worker --burst` picks up the queued job and the e-mail arrives."""
    code = file_complaint(client, email="proses@example.com")["tracking_code"]
    result = subprocess.run(
        [sys.executable, "-m", "aduan", "worker", "--burst"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [mail] = smtp.wait_for(lambda: smtp.messages)
    assert mail.to == "proses@example.com"
    assert code in mail.body


def test_worker_gives_way_to_the_web_processes(settings: Settings) -> None:
    """Started in a session of its own, as a process manager starts it, the worker lowers its
    nice value and its session's autogroup (which Linux weighs first) by WORKER_NICE."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "aduan", "worker"],
        env={**os.environ, "WORKER_NICE": "7"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        autogroup = Path(f"/proc/{worker.pid}/autogroup")

        def lowered() -> bool:
            nice = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
            return nice == 7 and (not autogroup.exists() or autogroup.read_text().endswith(" 7\n"))

        assert wait_until(lowered, 60)
    finally:
        worker.terminate()
        worker.wait(30)


def test_worker_sends_a_refused_message_again_when_its_retry_is_due(
    client: TestClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry after NOTIFY_RETRY_DELAYS is the worker's own RQ scheduler at work: the sweep,
    an hour away here, is only the safety net for an enqueue that was lost. (Elsewhere the
    tests retry at once, with no delay, and never reach the scheduler.)"""
    monkeypatch.setenv("NOTIFY_RETRY_DELAYS", "2")
    monkeypatch.setenv("NOTIFY_SWEEP_SECONDS", "3600")
    get_settings.cache_clear()
    settings = get_settings()
    twilio.fail_next(1, status=500)
    code = file_complaint(client, phone="+6281234567001")["tracking_code"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "aduan", "worker"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: any(code in m.body for m in twilio.messages), 60)
    finally:
        worker.terminate()
        worker.wait(30)
    assert sum(code in m.body for m in twilio.messages) == 1
    with get_engine(settings.database_url).connect() as connection:
        status, attempts = connection.execute(
            sa.text("SELECT status, attempts FROM notifications")
        ).one()
    assert (status, attempts) == ("sent", 2)
