"""Filing a chat message as a complaint, with the location the resident shared before it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from cases.modes import ORDINARY, ReportingMode
from core.db import insert_on_conflict
from core.media import StoredMedia
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, reply
from intake.chat_text import LIMITED_SMS, LIMITED_TELEGRAM, REFUSALS, UNSUPPORTED, say
from intake.limits import chat_sender
from intake.messages import InboundMessage, Location
from intake.models import PendingLocation
from intake.modes import kept_mode, used_mode
from intake.service import IntakeError, IntakeLimited, receive
from notifications.models import Contact

PENDING_LOCATION_TTL = timedelta(hours=24)


def keep_location(session: Session, contact: Contact, location: Location, at: datetime) -> None:
    """Remember `location` for the contact's next complaint, replacing one kept before."""
    values = {"latitude": location.latitude, "longitude": location.longitude, "shared_at": at}
    upsert = insert_on_conflict(session.get_bind().dialect.name, PendingLocation)
    upsert = upsert.values(contact_id=contact.id, **values).on_conflict_do_update(
        index_elements=["contact_id"], set_=values
    )
    session.flush()
    session.execute(upsert)


def _usable(pending: PendingLocation | None, now: datetime) -> Location | None:
    if pending is None or pending.shared_at < now - PENDING_LOCATION_TTL:
        return None
    return Location(pending.latitude, pending.longitude)


def kept_location(session: Session, contact: Contact, now: datetime) -> Location | None:
    """The location the contact's next complaint would be filed with; None for none (or one
    too old to take)."""
    return _usable(session.get(PendingLocation, contact.id), now)


def forget_location(session: Session, contact: Contact) -> None:
    """The kept location went with words that filed nothing (intake/already_reported.py):
    the next complaint does not take it."""
    pending = session.get(PendingLocation, contact.id)
    if pending is not None:
        session.delete(pending)


def file_complaint(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    text: str,
    media: tuple[StoredMedia, ...] = (),
    mode: ReportingMode = ORDINARY,
) -> ChatOutcome:
    """File a complaint; its acknowledgement (code, agency, mode) goes out through the outbox.

    It is filed in `mode` together with the mode the resident asked for their next complaint
    (intake/modes.py), which it then uses up; a complaint refused keeps it for the next one.
    """
    pending = session.get(PendingLocation, contact.id)
    mode |= kept_mode(session, contact, event.received_at)
    message = InboundMessage(
        channel=event.channel,
        text=text,
        idempotency_key=event.external_id,
        reply_to=event.sender,
        name=event.name,
        language=contact.language,
        location=_usable(pending, event.received_at),
        media=media,
        received_at=event.received_at,
        mode=mode,
    )
    try:
        result = receive(session, settings, message, sender=chat_sender(event.sender))
    except IntakeLimited as exc:
        wording = LIMITED_TELEGRAM if event.slash_commands else LIMITED_SMS
        limit, minutes = exc.refusal.limit, exc.refusal.minutes
        return reply(say(contact.language, wording, limit=limit, minutes=minutes))
    except IntakeError as exc:
        return reply(say(contact.language, REFUSALS.get(exc.reason, UNSUPPORTED), **exc.params))
    if pending is not None:  # taken by this complaint, or too old to take
        session.delete(pending)
    used_mode(session, contact)
    return ChatOutcome(case_code=result.tracking_code, filed_case_id=result.case.id)
