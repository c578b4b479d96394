"""The test helpers leave the test process as they found it."""

from __future__ import annotations

import signal

from core.queue import get_queue
from core.settings import Settings
from tests.helpers import run_jobs


def answer() -> int:
    """A job for the in-process worker (importable by name, as RQ needs)."""
    return 42


def _stop_the_run(signum: int, frame: object) -> None:
    """Stands for whatever handler the test process had (pytest's, a timeout wrapper's)."""


def test_run_jobs_puts_back_the_sigterm_and_sigint_handlers(settings: Settings) -> None:
    """RQ's `work()` installs its own SIGTERM/SIGINT handlers; run_jobs restores the previous."""
    previous = signal.signal(signal.SIGTERM, _stop_the_run)
    try:
        before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
        job = get_queue(settings).enqueue(answer)
        run_jobs(settings)
        assert job.latest_result().return_value == 42  # the worker did run
        after = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
        assert after == before
        assert signal.getsignal(signal.SIGTERM) is _stop_the_run
    finally:
        signal.signal(signal.SIGTERM, previous)
