"""One delivery attempt of one outbox row: claim it, send it, record what happened.

Every path that sends (an RQ job, the embedded thread) goes through `attempt_delivery`, so the
claim-with-lease rule that stops double sends holds whoever runs it.

The parts of a split message (same contact, reference and created_at) go out in order: a part is
not claimed while an earlier part is still pending or being sent.

A contact the channel marked unreachable (the citizen blocked the bot) is not tried: its rows fail
at once, without a call to the provider, until the citizen writes again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, or_, select

from aduan.db import UTCDateTime, utcnow
from aduan.settings import Settings
from notifications.enums import NotificationStatus
from notifications.models import Contact, Notification
from notifications.senders import DeliveryError, OutboundMessage, sender_for
from notifications.templates import subject

log = logging.getLogger(__name__)

# where Twilio posts delivery reports (bots/twilio/status.py)
TWILIO_STATUS_PATH = "/webhooks/twilio/status"


class Outcome(StrEnum):
    sent = "sent"
    retry = "retry"
    failed = "failed"
    skipped = "skipped"


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    retry_at: datetime | None = None


def claimable(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
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
    lease_until = now + timedelta(seconds=settings.notify_lease_seconds)
    parameters = {"notification_id": notification_id, "now": now, "lease_until": lease_until}
    result = session.connection().execute(_CLAIM, parameters)
    session.commit()
    return result.rowcount == 1


def _earlier_unsent_part(earlier: type[Notification], later: object) -> list:
    """Conditions for `earlier` being an unsent earlier part of the message `later` belongs to;
    `later` is the table (in a correlated query) or a loaded row."""
    return [
        earlier.contact_id == later.contact_id,
        earlier.reference == later.reference,
        earlier.created_at == later.created_at,
        earlier.id < later.id,
        earlier.status.in_([NotificationStatus.pending, NotificationStatus.sending]),
    ]


def _earlier_parts() -> sa.ColumnElement[bool]:
    """Correlated: earlier parts of the same split message that have not gone out yet."""
    earlier = aliased(Notification)
    return sa.exists().where(*_earlier_unsent_part(earlier, Notification)).correlate(Notification)


# built once: a claim per message is the worker's most frequent statement
_CLAIM = (
    sa.update(Notification)
    .where(
        Notification.id == sa.bindparam("notification_id"),
        claimable(sa.bindparam("now", type_=UTCDateTime)),
        ~_earlier_parts(),
    )
    .values(
        status=NotificationStatus.sending,
        lease_until=sa.bindparam("lease_until", type_=UTCDateTime),
        attempts=Notification.attempts + 1,
    )
)


def _waiting_for(session: Session, notification_id: int) -> datetime | None:
    """When to look again if the row waits for an earlier part; None if it does not."""
    row = session.get(Notification, notification_id)
    if row is None or row.status != NotificationStatus.pending:
        return None
    earlier = session.exec(
        select(Notification)
        .where(*_earlier_unsent_part(Notification, row))
        .order_by(Notification.id)
    ).first()
    if earlier is None:
        return None
    soon = utcnow() + timedelta(seconds=2)
    if earlier.status == NotificationStatus.pending:  # it may be waiting for its own retry
        return max(earlier.next_attempt_at + timedelta(seconds=1), soon)
    return soon  # being sent right now


def _unreachable_reason(contact: Contact) -> str:
    since = contact.unreachable_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"contact unreachable: {contact.channel} refused delivery to this citizen on {since} "
        "(e.g. the bot was blocked); not sent until they write again"
    )


def attempt_delivery(engine: Engine, settings: Settings, notification_id: int) -> AttemptResult:
    """Send one outbox row once if it is due; never raises for a delivery problem."""
    with Session(engine, expire_on_commit=False) as session:
        if not _claim(session, notification_id, settings):
            retry_at = _waiting_for(session, notification_id)
            if retry_at is not None:
                return AttemptResult(Outcome.retry, retry_at=retry_at)
            return AttemptResult(Outcome.skipped)
        notification, contact = session.exec(
            select(Notification, Contact)
            .join(Contact, Contact.id == Notification.contact_id)
            .where(Notification.id == notification_id)
        ).one()
        message = OutboundMessage(
            address=contact.address,
            body=notification.body,
            subject=subject(notification.language, notification.reference, notification.kind),
            reference=notification.reference,
            channel=notification.channel,
            kind=notification.kind,
            language=notification.language,
            variables=notification.variables,
            last_inbound_at=contact.last_inbound_at,
            status_callback=f"{settings.public_base_url}{TWILIO_STATUS_PATH}",
        )
        try:
            if contact.unreachable_at is not None:
                raise DeliveryError(_unreachable_reason(contact), permanent=True)
            sent = sender_for(notification.channel, settings).send(message)
        except DeliveryError as exc:
            if exc.unreachable and contact.unreachable_at is None:
                contact.unreachable_at = utcnow()
                session.add(contact)
            result = _record_failure(notification, exc, settings)
        except Exception as exc:  # a bug in a sender must not leave the row claimed forever
            log.exception("unexpected error sending notification %s", notification_id)
            result = _record_failure(
                notification, DeliveryError(repr(exc), permanent=False), settings
            )
        else:
            notification.status = NotificationStatus.sent
            notification.provider_message_id = sent.provider_id[:64] or None
            notification.path = sent.path[:32]
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
