"""Contacts and the outbox: writing what we owe a citizen, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from aduan.db import utcnow
from notifications.enums import Channel, MessageKind
from notifications.models import Contact, Notification

OUTBOX_KEY = "aduan.outbox_ids"
DISPATCHER_KEY = "aduan.dispatcher"


def get_or_create_contact(
    session: Session,
    *,
    channel: Channel,
    address: str,
    name: str | None = None,
    language: str | None = None,
    inbound_at: datetime | None = None,
) -> Contact:
    """The one contact row per (channel, address); later details refresh the stored ones."""
    contact = session.exec(
        select(Contact).where(Contact.channel == channel, Contact.address == address)
    ).first()
    if contact is None:
        contact = Contact(channel=channel, address=address)
        # a savepoint keeps the caller's transaction usable if another request won the insert race
        try:
            with session.begin_nested():
                session.add(contact)
        except IntegrityError:
            contact = session.exec(
                select(Contact).where(Contact.channel == channel, Contact.address == address)
            ).one()
    if name:
        contact.name = name
    if language:
        contact.language = language
    if inbound_at:
        contact.last_inbound_at = inbound_at
    session.add(contact)
    return contact


def queue_message(
    session: Session,
    *,
    contact: Contact,
    case_id: int | None,
    reference: str,
    kind: MessageKind,
    language: str,
    body: str,
) -> Notification:
    """Add an outbox row; it is handed to the dispatcher only once the transaction commits."""
    notification = Notification(
        contact_id=contact.id,
        case_id=case_id,
        reference=reference,
        kind=kind,
        channel=contact.channel,
        language=language,
        body=body,
        next_attempt_at=utcnow(),
    )
    session.add(notification)
    session.flush()
    session.info.setdefault(OUTBOX_KEY, []).append(notification.id)
    return notification


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    ids = session.info.pop(OUTBOX_KEY, [])
    dispatcher = session.info.get(DISPATCHER_KEY)
    if ids and dispatcher is not None:
        dispatcher.dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_KEY, None)
