"""A real `aduan worker` process on the real Redis delivers what the web process queued."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from aduan.settings import Settings
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import file_complaint


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
