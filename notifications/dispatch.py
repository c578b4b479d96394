"""Getting outbox rows to a sender: RQ workers when Redis is configured, a thread otherwise.

Enqueueing is only a hint that a row is ready. The rows themselves are the truth: a sweep finds
any row that should have gone out and did not (Redis was down, a worker died), so no message
depends on one enqueue succeeding.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol

from redis.exceptions import RedisError
from sqlalchemy.engine import Engine

from core.db import open_session
from core.queue import get_queue
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import DUE_AT_ONCE, deliver, due_notification_ids, release_lapsed
from notifications.jobs import JOB_OPTIONS, deliver_notifications

log = logging.getLogger(__name__)
# rows per delivery job: a burst costs one job per this many messages, and a backlog (the sweep
# hands over hundreds at once) still spreads over every worker
JOB_SIZE = 20


class Dispatcher(Protocol):
    def dispatch(self, notification_ids: Iterable[int]) -> None: ...

    def backlog(self) -> int:
        """Deliveries handed over and not yet started; the sweep waits while there are any."""
        ...


class RQDispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def dispatch(self, notification_ids: Iterable[int], *, at_front: bool = False) -> None:
        """Enqueue delivery jobs for the rows, `at_front` of the queue or at its end."""
        ids = list(notification_ids)
        try:
            q = get_queue(self.settings)
            # one round trip for all the jobs: without a pipeline of ours, RQ sends two per job
            with q.connection.pipeline() as pipe:
                for start in range(0, len(ids), JOB_SIZE):
                    chunk = ids[start : start + JOB_SIZE]
                    q.enqueue(
                        deliver_notifications,
                        chunk,
                        pipeline=pipe,
                        at_front=at_front,
                        **JOB_OPTIONS,
                    )
                pipe.execute()
        except RedisError as exc:
            log.warning("Redis unavailable, the sweep will enqueue later: %s", exc)

    def backlog(self) -> int:
        return get_queue(self.settings).count


class GatheringDispatcher:
    """The web process's dispatcher: the rows of commits made within `gather` seconds of each
    other go to RQ together, as one job, from a thread of their own.

    Under load each complaint's own job (enqueued by the web process, then dequeued, tracked
    and deleted by the worker) cost both processes more CPU than the message it carried; a
    resident does not notice 20 ms more before the acknowledgement. Ids held here when the
    process dies are not lost: the sweep finds their rows, as it finds a lost enqueue's.
    """

    def __init__(self, inner: RQDispatcher, gather: float) -> None:
        self.inner = inner
        self.gather = gather
        self._ready: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="aduan-dispatch", daemon=True)

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        self._ready.put(list(notification_ids))

    def backlog(self) -> int:
        return self._ready.qsize() + self.inner.backlog()

    def __enter__(self) -> GatheringDispatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        """Hand over what is gathered; commits after this are left to the sweep."""
        self._ready.put(None)
        self._thread.join(10.0)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._ready.get()
            if first is None:
                return
            time.sleep(self.gather)
            ids = first
            while not self._ready.empty():
                more = self._ready.get_nowait()
                if more is None:
                    stopping = True
                    break
                ids += more
            try:
                self.inner.dispatch(ids)
            except Exception:  # the thread must outlive anything; the sweep covers these ids
                log.exception("dispatching %d notifications failed", len(ids))


def sweep(engine: Engine, dispatcher: RQDispatcher, *, older_than: timedelta) -> int:
    """Hand every overdue row to the dispatcher again; returns how many.

    Rows whose sender died (their lease ran out) go back to pending and to the front of the
    queue at once, backlog or not: no job holds them any more, and they have waited longest.
    Other rows not while the queue still has a backlog: the rows it holds would only be queued
    twice (a claim keeps them from going out twice, but the queue would grow with every
    sweep). What a lost enqueue left behind is found once the backlog is worked off.
    """
    with open_session(engine, dispatcher=None) as session:
        orphaned = release_lapsed(session)
    try:
        if orphaned:
            log.info("sweep re-dispatching %d notifications whose sender died", len(orphaned))
            dispatcher.dispatch(orphaned, at_front=True)
        if dispatcher.backlog():
            return len(orphaned)
    except RedisError as exc:
        log.warning("Redis unavailable, nothing to sweep into: %s", exc)
        return 0
    with open_session(engine, dispatcher=None) as session:
        ids = due_notification_ids(session, older_than=older_than)
    if ids:
        log.info("sweep re-dispatching %d notifications", len(ids))
        dispatcher.dispatch(ids)
    return len(orphaned) + len(ids)


class EmbeddedDispatcher:
    """Delivers through `channels` in a background thread of this process, for a set-up without
    Redis."""

    def __init__(
        self, engine: Engine, settings: Settings, channels: Channels, poll_seconds: float = 1.0
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.channels = channels
        self.poll_seconds = poll_seconds
        self._ready: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aduan-delivery", daemon=True)

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        for notification_id in notification_ids:
            self._ready.put(notification_id)

    def backlog(self) -> int:
        return self._ready.qsize()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._ready.put(0)  # wake the thread
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._ready.get(timeout=self.poll_seconds)]
            except queue.Empty:
                batch = []
            while not self._ready.empty():
                batch.append(self._ready.get_nowait())
            try:
                ids = [i for i in batch if i]
                deliver(
                    self.engine,
                    self.settings,
                    ids,
                    channels=self.channels,
                    should_stop=self._stop.is_set,
                    dispatcher=self,
                    fill=len(ids) + DUE_AT_ONCE,  # and whatever else is due: its retries
                )
            except Exception:  # the thread must outlive a database hiccup
                log.exception("embedded delivery loop failed; retrying")
                self._stop.wait(self.poll_seconds)
