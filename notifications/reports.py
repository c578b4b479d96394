"""Delivery reports: what a provider says became of a message after it accepted it.

A channel turns its provider's report into a `ReportedStatus` and hands it here. Reports come as
often as the provider likes and in any order; one only ever moves a message forward:

    accepted < queued < sending < sent < delivered < read

`failed` and `undelivered` are final: they win over anything before `delivered`, never over
`delivered`/`read`, and nothing moves them. Each rule is one conditional UPDATE, so two reports
arriving at once cannot undo each other. `delivered` (or `read`) marks the outbox row delivered;
`failed`/`undelivered` marks it failed with the provider's error code and a readable reason,
where officers see it on the case.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session

from core.db import UTCDateTime, utcnow
from notifications.enums import MessageKind, NotificationStatus
from notifications.messages import Message
from notifications.models import Contact, Notification
from notifications.service import queue_messages


class ReportedStatus(StrEnum):
    accepted = "accepted"
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"  # the provider could not send it
    undelivered = "undelivered"  # sent, but the carrier or the handset did not take it


# in the order a message passes through them
PROGRESS = (
    ReportedStatus.accepted,
    ReportedStatus.queued,
    ReportedStatus.sending,
    ReportedStatus.sent,
    ReportedStatus.delivered,
    ReportedStatus.read,
)
FAILED = frozenset({ReportedStatus.failed, ReportedStatus.undelivered})


@dataclass(frozen=True)
class Recorded:
    """The outbox row a report changed."""

    notification_id: int
    # how the message went out (the channel's SendResult.path)
    path: str | None


def _before(status: ReportedStatus) -> sa.ColumnElement[bool]:
    """The row's provider status is earlier than `status` (or unknown yet)."""
    earlier = PROGRESS[: PROGRESS.index(status)]
    return sa.or_(Notification.provider_status.is_(None), Notification.provider_status.in_(earlier))


def _update(status: ReportedStatus, error_code: str | None, reason: str | None) -> sa.Update:
    row = sa.update(Notification)
    if status in FAILED:
        return row.where(_before(ReportedStatus.delivered)).values(
            provider_status=status,
            status=NotificationStatus.failed,
            provider_error_code=error_code[:16] if error_code else None,
            last_error=reason,
            failed_at=utcnow(),
            lease_until=None,
        )
    if status in (ReportedStatus.delivered, ReportedStatus.read):
        return row.where(_before(status)).values(
            provider_status=status,
            status=NotificationStatus.delivered,
            delivered_at=sa.func.coalesce(
                Notification.delivered_at, sa.literal(utcnow(), type_=UTCDateTime())
            ),
        )
    return row.where(_before(status)).values(provider_status=status)


def record_report(
    session: Session,
    *,
    provider_message_id: str,
    channels: Collection[str],
    status: ReportedStatus,
    error_code: str | None = None,
    reason: str | None = None,
) -> Recorded | None:
    """Apply a report to the row sent on one of `channels` as `provider_message_id`; a failure
    keeps `error_code` and `reason`. Returns the row when the report changed it; None for an
    unknown message or a report that no longer counts. The caller commits."""
    statement = (
        _update(status, error_code, reason)
        .where(
            Notification.provider_message_id == provider_message_id,
            Notification.channel.in_(list(channels)),
        )
        .returning(Notification.id, Notification.path)
    )
    changed = session.execute(statement).first()
    return Recorded(changed.id, changed.path) if changed is not None else None


def resend_outside_window(session: Session, notification_id: int) -> list[int]:
    """The provider refused free text it had accepted, because the contact's free-text window
    had closed: the window is marked closed (the provider's word beats our clock) and the
    message is queued again as a new row, to go the way messages outside the window go."""
    row = session.get(Notification, notification_id)
    contact = session.get(Contact, row.contact_id)
    contact.last_inbound_at = None
    session.add(contact)
    message = Message(
        kind=MessageKind(row.kind),
        language=row.language,
        reference=row.reference,
        body=row.body,
        subject=row.subject,
        variables=row.variables,
    )
    return queue_messages(session, contact=contact, case_id=row.case_id, message=message)
