"""Citizen contacts and the outbox of messages owed to them and to staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, partial_index, utcnow


class Contact(SQLModel, table=True):
    """How to reach one citizen on one channel, kept apart from what they reported."""

    __tablename__ = "contacts"
    __table_args__ = (sa.UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(16))
    address: str = Field(sa_type=sa.String(320))
    name: str | None = Field(default=None, sa_type=sa.String(200))
    language: str = Field(default="id", sa_type=sa.String(2))
    # set by the resident's own choice of language (EN, /lang en, ID): what they write no longer
    # switches it (intake/language.py)
    language_pinned: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # WhatsApp allows free-form messages only within 24 hours of the citizen's last message
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # set when the channel says we can never reach this contact (the user blocked the bot)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    """A partner's system that is sent signed events (notifications/webhooks.py).

    `secret` signs every delivery, so it is kept as it is (a hash could not sign): it is shown
    once, when the endpoint is registered, and never logged, listed or shown again.
    """

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=sa.String(2000))
    # the event types it is sent (notifications.webhooks.EVENTS)
    events: list = Field(sa_type=sa.JSON)
    # only events about these agencies' cases and announcements (agency codes); empty: all
    agencies: list = Field(default_factory=list, sa_type=sa.JSON)
    # trusted endpoints are sent the reporter's contact (never an Anonim reporter's) and the
    # words and place of Rahasia and hidden cases; the others what the public page shows
    trusted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    secret: str = Field(sa_type=sa.String(64), repr=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # failed attempts since the last delivery that succeeded
    consecutive_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # set when it failed too often in a row: nothing is sent until an admin resumes it
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the outcome of the last attempt: "200", "500", "timeout", ...
    last_status: str | None = Field(default=None, sa_type=sa.String(32))
    last_error: str | None = Field(default=None, sa_type=sa.Text)


# a row goes to a citizen's contact, a staff user or a webhook endpoint, to exactly one; to
# none only once the citizen's contact details were erased (privacy/): the row stays on the
# case, naming nobody
ONE_RECIPIENT = (
    "(recipient_erased_at IS NULL AND endpoint_id IS NULL"
    " AND (contact_id IS NULL) <> (user_id IS NULL))"
    " OR (recipient_erased_at IS NULL AND endpoint_id IS NOT NULL"
    " AND contact_id IS NULL AND user_id IS NULL)"
    " OR (recipient_erased_at IS NOT NULL AND contact_id IS NULL AND user_id IS NULL"
    " AND endpoint_id IS NULL)"
)


class Notification(SQLModel, table=True):
    """One message we owe a citizen, a staff user or a partner's webhook endpoint; the row is
    the truth, queue jobs only carry its id.

    Addressed to exactly one of a citizen's contact (`contact_id`), a staff user (`user_id`,
    reached at the e-mail address the user has when the message is sent) or a webhook endpoint
    (`endpoint_id`, notifications/webhooks.py); to none once the
    citizen's contact details were erased (`recipient_erased_at`), when a row not yet sent is
    cancelled.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_due", "status", "next_attempt_at"),
        # set once sent: delivery reports look rows up by it
        partial_index(
            "ix_notifications_provider_message_id",
            "provider_message_id",
            where="provider_message_id IS NOT NULL",
        ),
        # most rows go to citizens: only staff rows need an entry
        partial_index("ix_notifications_user_id", "user_id", where="user_id IS NOT NULL"),
        partial_index(
            "ix_notifications_endpoint_id", "endpoint_id", where="endpoint_id IS NOT NULL"
        ),
        sa.CheckConstraint(ONE_RECIPIENT, name="ck_notifications_one_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", index=True)
    # a staff user (staff.models.User), named by table: this domain's models stand on their own
    user_id: int | None = Field(default=None, foreign_key="users.id")
    # a partner's webhook endpoint: the body is the signed JSON event, the kind its type
    endpoint_id: int | None = Field(default=None, foreign_key="webhook_endpoints.id")
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    reference: str = Field(sa_type=sa.String(32))
    kind: str = Field(sa_type=sa.String(32))
    channel: str = Field(sa_type=sa.String(16))
    language: str = Field(sa_type=sa.String(2))
    body: str = Field(sa_type=sa.Text)
    # what an e-mail carries as its subject, written with the body
    subject: str = Field(sa_type=sa.Text)
    # the values the body was made from, for channels that send pre-approved templates instead
    variables: dict | None = Field(default=None, sa_type=sa.JSON)
    # a photo that goes with the text (an officer's after-photo, cases/proof.py), named by table
    # as `user_id` is: read from storage when the row is sent, never copied onto the row
    attachment_id: int | None = Field(default=None, foreign_key="attachments.id")
    status: str = Field(default="pending", sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    provider_message_id: str | None = Field(default=None, sa_type=sa.String(64))
    # how it actually went out: e.g. whatsapp, whatsapp_template, sms_fallback
    path: str | None = Field(default=None, sa_type=sa.String(32))
    # what the provider reported afterwards (notifications/reports.py), only ever moving forward
    provider_status: str | None = Field(default=None, sa_type=sa.String(32))
    provider_error_code: str | None = Field(default=None, sa_type=sa.String(16))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # when the citizen's contact details were erased: the row names no recipient since
    recipient_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
