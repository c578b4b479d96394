"""RQ jobs. They take ids only and re-read the database, so a stale job does no harm."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from core.db import get_engine, utcnow
from core.queue import get_queue
from core.settings import Settings, get_settings
from notifications.channels import installed
from notifications.delivery import CLAIM_SIZE, Outcome, deliver

log = logging.getLogger(__name__)
# a delivery job's return value is not kept: the outbox row records what became of the message
JOB_OPTIONS = {"result_ttl": 0}

# set by `aduan worker` on SIGTERM: a job then stops after the sends in flight, so a deploy does
# not wait for a whole job's rows; the rows not started go out after the next worker's sweep
stop_requested = threading.Event()


def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Attempt the outbox rows through the installed channels, and other rows already due with
    them, up to CLAIM_SIZE in all; a retryable failure schedules that row's next attempt.

    One job carries every row one dispatch gathered: RQ's own bookkeeping for a job (to
    enqueue it and to run it) cost more CPU than sending the message it carried. A worker runs
    one job at a time, each waiting for the provider's answers, so jobs of a row or two queued
    behind each other (a flood of complaints, a commit or two per job) went out a few a
    second; the rows due along with a job's own are claimed and sent with them, and the jobs
    queued for those find them sent and end at once (those it could not claim wait for theirs).
    """
    settings = get_settings()
    results = deliver(
        get_engine(settings.database_url),
        settings,
        notification_ids,
        channels=installed(),
        should_stop=stop_requested.is_set,
        dispatcher=_JobDispatcher(settings),
        fill=CLAIM_SIZE,
    )
    for notification_id, result in results.items():
        if result.outcome is Outcome.retry and result.retry_at is not None:
            deliver_later(settings, notification_id, result.retry_at)
    return dict(Counter(result.outcome.value for result in results.values()))


def deliver_later(settings: Settings, notification_id: int, when: datetime) -> None:
    """Enqueue the row's delivery job to run at `when` (now, if that has passed); with Redis
    down the sweep finds the row instead."""
    try:
        queue = get_queue(settings)
        if when <= utcnow():
            queue.enqueue(deliver_notifications, [notification_id], **JOB_OPTIONS)
            return
        if when.microsecond:  # RQ keeps the time to the second, cut down: it would come early
            when = when.replace(microsecond=0) + timedelta(seconds=1)
        queue.enqueue_at(when, deliver_notifications, [notification_id], **JOB_OPTIONS)
    except RedisError as exc:
        log.warning("Redis unavailable, the sweep will enqueue later: %s", exc)


class _JobDispatcher:
    """Hands the rows a delivery itself writes (the admins' e-mail about a paused webhook
    endpoint) to jobs of their own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        now = utcnow()
        for notification_id in notification_ids:
            deliver_later(self.settings, notification_id, now)
