"""A background thread that calls one function every so often: the follow-ups of the embedded
set-up, the outbox sweep of `aduan worker`.

With Redis, RQ's cron scheduler runs the follow-ups in its own process; without it, the web
process must, or nothing would ever run on a schedule.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Every:
    def __init__(self, seconds: float, func: Callable[[], object], name: str) -> None:
        self.seconds = seconds
        self.func = func
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.func()
            except Exception:  # the schedule must outlive one failed run (a database restart)
                log.exception("%s failed; trying again in %.0f s", self._thread.name, self.seconds)
            self._stop.wait(self.seconds)
