"""A real `aduan worker` process on the real Redis delivers what the web process queued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from aduan.settings import Settings
from tests.fakes.smtp_sink import SmtpSink
from tests.helpers import file_complaint
from tests.processes import wait_until


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
