"""RQ jobs. They take ids only and re-read the database, so a stale job does no harm."""

from __future__ import annotations

from aduan.db import get_engine
from aduan.settings import get_settings
from notifications.delivery import Outcome, attempt_delivery


def deliver_notification(notification_id: int) -> str:
    """Attempt one outbox row; a retryable failure schedules the next attempt."""
    from notifications.dispatch import RQDispatcher

    settings = get_settings()
    result = attempt_delivery(get_engine(settings.database_url), settings, notification_id)
    if result.outcome is Outcome.retry and result.retry_at is not None:
        RQDispatcher(settings).dispatch_at(notification_id, result.retry_at)
    return result.outcome.value
