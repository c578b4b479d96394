"""One delivery attempt of one outbox row: claim it, send it, record what happened.

Every path that sends (an RQ job, the embedded thread) goes through `attempt_delivery`, so the
claim-with-lease rule that stops double sends holds whoever runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, or_, select

from aduan.db import utcnow
from aduan.settings import Settings
from notifications.enums import NotificationStatus
from notifications.models import Contact, Notification
from notifications.senders import DeliveryError, OutboundMessage, sender_for
from notifications.templates import subject

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    sent = "sent"
    retry = "retry"
    failed = "failed"
    skipped = "skipped"


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    retry_at: datetime | None = None


def claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Rows due for an attempt: pending and due, or claimed by a sender whose lease ran out."""
    return or_(
        sa.and_(
            Notification.status == NotificationStatus.pending,
            Notification.next_attempt_at <= now,
        ),
        sa.and_(
            Notification.status == NotificationStatus.sending,
            Notification.lease_until < now,
        ),
    )


def _claim(session: Session, notification_id: int, settings: Settings) -> bool:
    now = utcnow()
    result = session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, claimable(now))
        .values(
            status=NotificationStatus.sending,
            lease_until=now + timedelta(seconds=settings.notify_lease_seconds),
            attempts=Notification.attempts + 1,
        )
    )
    session.commit()
    return result.rowcount == 1


def attempt_delivery(engine: Engine, settings: Settings, notification_id: int) -> AttemptResult:
    """Send one outbox row once if it is due; never raises for a delivery problem."""
    with Session(engine, expire_on_commit=False) as session:
        if not _claim(session, notification_id, settings):
            return AttemptResult(Outcome.skipped)
        notification = session.get(Notification, notification_id)
        contact = session.get(Contact, notification.contact_id)
        message = OutboundMessage(
            address=contact.address,
            body=notification.body,
            subject=subject(notification.language, notification.reference),
            reference=notification.reference,
        )
        try:
            provider_id = sender_for(notification.channel, settings).send(message)
        except DeliveryError as exc:
            result = _record_failure(notification, exc, settings)
        except Exception as exc:  # a bug in a sender must not leave the row claimed forever
            log.exception("unexpected error sending notification %s", notification_id)
            result = _record_failure(
                notification, DeliveryError(repr(exc), permanent=False), settings
            )
        else:
            notification.status = NotificationStatus.sent
            notification.provider_message_id = provider_id[:64]
            notification.sent_at = utcnow()
            notification.lease_until = None
            notification.last_error = None
            result = AttemptResult(Outcome.sent)
        session.add(notification)
        session.commit()
        return result


def _record_failure(
    notification: Notification, error: DeliveryError, settings: Settings
) -> AttemptResult:
    notification.last_error = str(error)[:2000]
    notification.lease_until = None
    delays = settings.notify_retry_delays
    if error.permanent or notification.attempts > len(delays):
        notification.status = NotificationStatus.failed
        notification.failed_at = utcnow()
        log.warning(
            "notification %s failed for good after %s attempts: %s",
            notification.id,
            notification.attempts,
            error,
        )
        return AttemptResult(Outcome.failed)
    delay = max(delays[notification.attempts - 1], error.retry_after or 0)
    notification.status = NotificationStatus.pending
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.info("notification %s will retry in %ss: %s", notification.id, delay, error)
    return AttemptResult(Outcome.retry, retry_at=notification.next_attempt_at)


def due_notification_ids(session: Session, *, older_than: timedelta, limit: int = 500) -> list[int]:
    """Rows that should have gone out by now: the safety net under every enqueue."""
    cutoff = utcnow() - older_than
    return list(
        session.exec(
            select(Notification.id)
            .where(claimable(cutoff))
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )
