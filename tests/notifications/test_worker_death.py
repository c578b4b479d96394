"""A worker's death costs seconds: real `aduan worker` processes on the real Redis, the fake
Twilio, short leases. A SIGKILLed worker's messages go out once its lease has run out, and a
live sender, however slow, keeps the rows it claimed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.queue import get_queue
from core.settings import Settings, get_settings
from notifications.dispatch import JOB_SIZE, RQDispatcher
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import file_complaint, scalar, sql
from tests.processes import ADUAN, wait_until

pytestmark = pytest.mark.runs_long

LEASE = {
    "NOTIFY_LEASE_SECONDS": "3",
    "NOTIFY_HEARTBEAT_SECONDS": "0.5",
    "PROVIDER_TIMEOUT_SECONDS": "2",
    "NOTIFY_SWEEP_SECONDS": "0.5",
}


def _short_leases(monkeypatch: pytest.MonkeyPatch, **more: str) -> Settings:
    for key, value in {**LEASE, **more}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return get_settings()


def _gathered(settings: Settings, client: TestClient, phones: list[str]) -> list[str]:
    """Files a complaint from each of `phones`, their acknowledgements queued in jobs of 20
    rows as a web process gathers a burst; their tracking codes."""
    codes = [
        file_complaint(client, phone=phone, notify_via="sms")["tracking_code"] for phone in phones
    ]
    get_queue(settings).empty()  # the job each complaint queued: gathered into fewer below
    RQDispatcher(settings).dispatch(
        notification_id for (notification_id,) in sql(settings, "SELECT id FROM notifications")
    )
    assert get_queue(settings).count == -(-len(phones) // JOB_SIZE)
    return codes


def _worker() -> subprocess.Popen:
    return subprocess.Popen(
        [*ADUAN, "worker"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _children(worker: subprocess.Popen) -> list[int]:
    """The processes `worker` forked (RQ's scheduler among them), read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # the parent's pid is the second field after the command's closing parenthesis
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == worker.pid:
                found.append(int(stat.parent.name))
    return found


@pytest.fixture
def orphans() -> Iterator[list[int]]:
    """Processes a killed worker left running, killed when the test ends."""
    left: list[int] = []
    yield left
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _kill_alone(worker: subprocess.Popen, orphans: list[int]) -> None:
    """SIGKILL the worker's own process only, as an operator's `kill -9` of its pid does;
    the children it leaves running go to `orphans`."""
    orphans.extend(_children(worker))
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _times_sent(twilio: FakeTwilio, codes: list[str]) -> list[int]:
    bodies = [m.body or "" for m in twilio.messages]
    return [sum(code in body for body in bodies) for code in codes]


def test_a_killed_workers_messages_go_out_once_within_seconds(
    settings: Settings,
    client: TestClient,
    twilio: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
    orphans: list[int],
) -> None:
    """30 acknowledgements in two jobs; the worker is SIGKILLed in the first, with ten sends
    answered and ten more hanging at a provider that never takes them. What was answered was
    recorded as the answers came, so the next worker sends each of the other twenty once, and
    the rows the dead worker held go out within seconds of its lease running out."""
    settings = _short_leases(monkeypatch)
    phones = [f"+6281355507{n:03d}" for n in range(30)]
    codes = _gathered(settings, client, phones)
    twilio.slow_next(10, seconds=1.0)
    first = _worker()
    try:
        # the first ten sends are at the provider: the next ten will hang there
        assert wait_until(lambda: twilio.most_at_once() == 10, 60)
        twilio.stall_next(10, seconds=5.0)
        assert wait_until(lambda: len(twilio.messages) == 10, 10)
        answered = "SELECT count(*) FROM notifications WHERE status = 'sent'"
        assert wait_until(lambda: scalar(settings, answered) == 10, 5)
        time.sleep(1.0)  # the next ten are sent as the answers come in, and hang for 5 s
        _kill_alone(first, orphans)
        killed = time.monotonic()
    finally:
        if first.poll() is None:
            _kill_alone(first, orphans)
    held = "SELECT count(*) FROM notifications WHERE status = 'sending'"
    assert scalar(settings, held) == 10  # the hanging ten; the second job's are not claimed yet

    second = _worker()
    try:
        assert wait_until(lambda: min(_times_sent(twilio, codes)) >= 1, 60)
        took = time.monotonic() - killed
    finally:
        _stop(second)
    assert _times_sent(twilio, codes) == [1] * 30
    assert {status for (status,) in sql(settings, "SELECT status FROM notifications")} == {"sent"}
    # the lease (3 s) and a sweep (0.5 s), with the second worker's start-up (a few seconds)
    assert took < 20


def test_a_live_sender_slower_than_its_lease_keeps_its_rows(
    settings: Settings, client: TestClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One job of six messages sent one at a time, each taking 1.5 s at the provider: the job
    lasts three leases. A second worker sweeping every half second finds nothing to take over:
    each message goes out once, at its first claim."""
    settings = _short_leases(monkeypatch, NOTIFY_SEND_CONCURRENCY="1")
    codes = _gathered(settings, client, [f"+6281355508{n:03d}" for n in range(6)])
    twilio.slow_next(6, seconds=1.5)
    first = _worker()
    second = None
    try:
        assert wait_until(lambda: twilio.most_at_once() == 1, 60)
        second = _worker()
        assert wait_until(lambda: len(twilio.messages) == 6, 30)
        assert wait_until(
            lambda: (
                scalar(settings, "SELECT count(*) FROM notifications WHERE status = 'sent'") == 6
            ),
            5,
        )
        time.sleep(2)  # a second sender taking over would send again meanwhile
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert _times_sent(twilio, codes) == [1] * 6
    attempts = sql(settings, "SELECT attempts FROM notifications")
    assert [count for (count,) in attempts] == [1] * 6


@pytest.mark.parametrize(
    ("lease", "heartbeat", "timeout"), [("20", "5", "15"), ("3", "0.5", "2.5"), ("2", "3", "1")]
)
def test_a_lease_that_would_not_outlast_a_send_between_two_beats_is_refused(
    environment: dict[str, str], lease: str, heartbeat: str, timeout: str
) -> None:
    """The lease falls to NOTIFY_LEASE_SECONDS minus NOTIFY_HEARTBEAT_SECONDS before a beat
    renews it; a send starts only while the lease outlasts it, so that must be longer than
    PROVIDER_TIMEOUT_SECONDS or no send would start: `aduan worker` says so and exits."""
    result = subprocess.run(
        [*ADUAN, "worker", "--burst"],
        env={
            **environment,
            **os.environ,
            "NOTIFY_LEASE_SECONDS": lease,
            "NOTIFY_HEARTBEAT_SECONDS": heartbeat,
            "PROVIDER_TIMEOUT_SECONDS": timeout,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "NOTIFY_LEASE_SECONDS must be longer than NOTIFY_HEARTBEAT_SECONDS plus "
        "PROVIDER_TIMEOUT_SECONDS" in result.stderr
    )
    assert "Traceback" not in result.stderr
