"""RQ jobs. They take ids only and re-read the database, so a stale job does no harm."""

from __future__ import annotations

import threading
from collections import Counter

from core.db import get_engine
from core.settings import get_settings
from notifications.channels import installed
from notifications.delivery import Outcome, deliver

# set by `aduan worker` on SIGTERM: a job then stops after the sends in flight, so a deploy does
# not wait for a whole job's rows; the rows not started go out after the next worker's sweep
stop_requested = threading.Event()


def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Attempt the outbox rows through the installed channels; a retryable failure schedules
    that row's next attempt.

    One job carries every row one dispatch gathered: RQ's own bookkeeping for a job (to
    enqueue it and to run it) cost more CPU than sending the message it carried.
    """
    from notifications.dispatch import RQDispatcher

    settings = get_settings()
    engine = get_engine(settings.database_url)
    results = deliver(
        engine,
        settings,
        notification_ids,
        channels=installed(),
        should_stop=stop_requested.is_set,
    )
    for notification_id, result in results.items():
        if result.outcome is Outcome.retry and result.retry_at is not None:
            RQDispatcher(settings).dispatch_at(notification_id, result.retry_at)
    return dict(Counter(result.outcome.value for result in results.values()))
