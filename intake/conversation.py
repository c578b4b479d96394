"""The chat conversation every chat channel shares: commands, complaints, locations, photos.

Channels turn their payloads into a `ChatEvent` and render the `ChatReply`s; everything a
conversation decides lives here, so Telegram, SMS and WhatsApp behave the same. State is kept in
the database (the contact row), never in a process, because several web processes answer
webhooks. Acknowledgements of new complaints go through the outbox like every other message we
owe a citizen; the replies returned here are the immediate answers to commands and attachments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases.codes import normalise_tracking_code
from cases.duplicates import link_possible_duplicate
from cases.enums import OPEN_STATUSES, SourceChannel
from cases.feedback import awaiting_feedback, parse_rating, rate, reopen, says_not_fixed
from cases.models import Case
from cases.service import find_by_code, public_view
from core.db import insert_on_conflict
from core.settings import Settings
from intake.chat_text import (
    HELP_SMS,
    HELP_TELEGRAM,
    LANG_SET,
    LIMITED_SMS,
    LIMITED_TELEGRAM,
    LOCATION_ADDED,
    LOCATION_KEPT,
    MEDIA_FAILED,
    MEDIA_TOO_LARGE,
    MEDIA_UNSUPPORTED,
    PHOTO_ADDED,
    PHOTO_NEEDS_TEXT,
    RATED,
    REFUSALS,
    REVIEW_DESK,
    STATUS_BAD_CODE,
    STATUS_LINE,
    STATUS_LIST,
    STATUS_NONE,
    STATUS_NOTE,
    STATUS_UNKNOWN,
    TOO_SHORT,
    UNSUPPORTED,
    say,
)
from intake.limits import chat_sender
from intake.media import MediaDownloadError, MediaRejected, store_media
from intake.messages import InboundMessage, Location, ReplyAddress, StoredMedia
from intake.models import InboundReceipt, PendingLocation
from intake.service import IntakeError, IntakeLimited, attach_media, receive
from notifications.models import Contact
from notifications.service import get_or_create_contact
from notifications.templates import status_label
from routing.areas import area_for

log = logging.getLogger(__name__)

RECENT_CASE = timedelta(minutes=30)
PENDING_LOCATION_TTL = timedelta(hours=24)
MIN_COMPLAINT_WORDS = 3
STATUS_LIST_LIMIT = 10

MediaFetch = Callable[[], tuple[bytes, str | None]]


@dataclass(frozen=True)
class ChatEvent:
    """One inbound chat message, as any channel sees it."""

    channel: SourceChannel
    sender: ReplyAddress
    external_id: str
    received_at: datetime
    text: str | None = None
    location: Location | None = None
    media: tuple[MediaFetch, ...] = ()
    name: str | None = None
    slash_commands: bool = False  # Telegram shows /commands; SMS users type plain words


@dataclass(frozen=True)
class ChatReply:
    text: str
    offer_location: bool = False  # a channel that can, shows a "share my location" button


@dataclass(frozen=True)
class ChatOutcome:
    replies: list[ChatReply] = field(default_factory=list)
    duplicate: bool = False
    case_code: str | None = None
    language: str = "id"  # the contact's language once the message is handled


class CommandName(StrEnum):
    help = "help"
    status = "status"
    lang = "lang"


@dataclass(frozen=True)
class Command:
    name: CommandName
    argument: str | None = None


HELP_WORDS = {"start", "help", "bantuan", "menu", "info"}
STATUS_WORDS = {"status", "cek", "check"}
LANGUAGES = {"en": "en", "english": "en", "inggris": "en", "id": "id", "indonesia": "id"}


def parse_command(text: str) -> Command | None:
    """A command, or None when the text should be read as a complaint.

    Plain words only count as commands when the whole message is the command, so a complaint
    that starts with "cek" or "status" is still a complaint.
    """
    words = text.strip().split()
    if not words:
        return None
    head, rest = words[0].lower(), words[1:]
    slash = head.startswith("/")
    if slash:
        head = head[1:].split("@", 1)[0]  # "/status@AduanBot" in group-style syntax
    if head in HELP_WORDS and (slash or not rest):
        return Command(CommandName.help)
    if head in STATUS_WORDS:
        if not rest:
            return Command(CommandName.status)
        if len(rest) == 1 and (slash or normalise_tracking_code(rest[0])):
            return Command(CommandName.status, rest[0])
    if head == "lang" and len(rest) == 1 and rest[0].lower() in LANGUAGES:
        return Command(CommandName.lang, LANGUAGES[rest[0].lower()])
    if not rest and not slash and head in LANGUAGES:
        return Command(CommandName.lang, LANGUAGES[head])
    return None


def handle(session: Session, settings: Settings, event: ChatEvent) -> ChatOutcome:
    """Answer one chat message; a message id seen before does nothing at all."""
    try:
        with session.begin_nested():
            session.add(InboundReceipt(channel=event.channel, external_id=event.external_id))
    except IntegrityError:
        return ChatOutcome(duplicate=True)
    contact = get_or_create_contact(
        session,
        channel=event.sender.channel,
        address=event.sender.address,
        name=event.name,
        inbound_at=event.received_at,
        new_contact_language=settings.default_language,
    )
    outcome = _respond(session, settings, event, contact)
    session.commit()
    return replace(outcome, language=contact.language)


def _respond(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    language = contact.language
    if event.location is not None:
        return _location(session, settings, event, contact)
    if event.media:
        return _media(session, settings, event, contact)
    text = (event.text or "").strip()
    if not text:
        return _reply(say(language, UNSUPPORTED))
    command = parse_command(text)
    if command is not None:
        return _command(session, event, contact, command)
    feedback = _feedback(session, settings, contact, text)
    if feedback is not None:
        return feedback
    if len(text.split()) < MIN_COMPLAINT_WORDS:
        return ChatOutcome([ChatReply(say(language, TOO_SHORT)), _help(event, language)])
    return _file(session, settings, event, contact, text, ())


def _feedback(
    session: Session, settings: Settings, contact: Contact, text: str
) -> ChatOutcome | None:
    """A reply to a rating request: a digit rates, "belum" reopens; None when it is neither
    or nothing of the contact's waits for feedback (the text is then read as usual)."""
    rating, not_fixed = parse_rating(text), says_not_fixed(text)
    if rating is None and not not_fixed:
        return None
    case = awaiting_feedback(session, contact.id)
    if case is None:
        return None
    if not_fixed:
        reopen(session, settings, case)  # the citizen hears it through the outbox
        return ChatOutcome(case_code=case.tracking_code)
    rate(session, case, rating)
    return ChatOutcome(
        [ChatReply(say(contact.language, RATED, code=case.tracking_code, rating=rating))],
        case_code=case.tracking_code,
    )


def _reply(text: str) -> ChatOutcome:
    return ChatOutcome([ChatReply(text)])


def _help(event: ChatEvent, language: str) -> ChatReply:
    if event.slash_commands:
        return ChatReply(say(language, HELP_TELEGRAM), offer_location=True)
    return ChatReply(say(language, HELP_SMS))


def _recent_case(session: Session, contact: Contact, now: datetime) -> Case | None:
    return session.exec(
        select(Case)
        .where(
            Case.contact_id == contact.id,
            col(Case.status).in_(list(OPEN_STATUSES)),
            Case.created_at >= now - RECENT_CASE,
        )
        .order_by(col(Case.created_at).desc())
        .limit(1)
    ).first()


def _keep_location(session: Session, contact: Contact, location: Location, at: datetime) -> None:
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


def _file(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    text: str,
    media: tuple[StoredMedia, ...],
) -> ChatOutcome:
    """File a complaint; its acknowledgement (code, agency) goes out through the outbox."""
    pending = session.get(PendingLocation, contact.id)
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
    )
    try:
        result = receive(session, settings, message, sender=chat_sender(event.sender))
    except IntakeLimited as exc:
        wording = LIMITED_TELEGRAM if event.slash_commands else LIMITED_SMS
        limit, minutes = exc.refusal.limit, exc.refusal.minutes
        return _reply(say(contact.language, wording, limit=limit, minutes=minutes))
    except IntakeError as exc:
        return _reply(say(contact.language, REFUSALS.get(exc.reason, UNSUPPORTED), **exc.params))
    if pending is not None:  # taken by this complaint, or too old to take
        session.delete(pending)
    return ChatOutcome(case_code=result.tracking_code)


def _location(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    location = event.location
    if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        return _reply(say(contact.language, UNSUPPORTED))
    case = _recent_case(session, contact, event.received_at)
    if case is None:
        _keep_location(session, contact, location, event.received_at)
        return _reply(say(contact.language, LOCATION_KEPT))
    case.latitude, case.longitude = location.latitude, location.longitude
    area = area_for(session, case.agency_id, case.latitude, case.longitude)
    case.service_area_id = area.id if area else None
    if location.address:
        case.address = location.address[:500]
    case.updated_at = event.received_at
    session.add(case)
    if case.duplicate_of_id is None:  # now that it has a place, it may match an earlier report
        link_possible_duplicate(session, settings, case)
    return ChatOutcome(
        [ChatReply(say(contact.language, LOCATION_ADDED, code=case.tracking_code))],
        case_code=case.tracking_code,
    )


def _media(session: Session, settings: Settings, event: ChatEvent, contact: Contact) -> ChatOutcome:
    """A photo joins the complaint just made, or with a caption files a new one; otherwise it is
    not downloaded at all (nothing would hold it)."""
    language = contact.language
    case = _recent_case(session, contact, event.received_at)
    caption = (event.text or "").strip()
    if case is None and len(caption.split()) < MIN_COMPLAINT_WORDS:
        return _reply(say(language, PHOTO_NEEDS_TEXT))
    stored: list[StoredMedia] = []
    for fetch in event.media:
        try:
            data, content_type = fetch()
            stored.append(store_media(settings, data, content_type))
        except MediaRejected as exc:
            message = MEDIA_TOO_LARGE if exc.reason == "too_large" else MEDIA_UNSUPPORTED
            limit_mb = settings.media_max_bytes // (1024 * 1024)
            return _reply(say(language, message, limit_mb=limit_mb))
        except MediaDownloadError as exc:
            log.warning("media download failed for %s: %s", event.external_id, exc)
            return _reply(say(language, MEDIA_FAILED))
    if case is not None:
        attach_media(session, case, stored)
        return ChatOutcome(
            [ChatReply(say(language, PHOTO_ADDED, code=case.tracking_code))],
            case_code=case.tracking_code,
        )
    return _file(session, settings, event, contact, caption, tuple(stored))


def _command(session: Session, event: ChatEvent, contact: Contact, command: Command) -> ChatOutcome:
    language = contact.language
    match command.name:
        case CommandName.help:
            return ChatOutcome([_help(event, language)])
        case CommandName.lang:
            return _switch_language(session, contact, command.argument or "id")
        case CommandName.status if command.argument is None:
            return _reply(_open_cases(session, contact))
    return _reply(_case_status(session, language, command.argument or ""))


def _switch_language(session: Session, contact: Contact, language: str) -> ChatOutcome:
    """Later replies and updates on this contact's open cases come in the new language."""
    contact.language = language
    session.add(contact)
    for case in session.exec(
        select(Case).where(Case.contact_id == contact.id, col(Case.status).in_(list(OPEN_STATUSES)))
    ):
        case.language = language
        session.add(case)
    return _reply(say(language, LANG_SET))


def _case_status(session: Session, language: str, raw_code: str) -> str:
    code = normalise_tracking_code(raw_code)
    if code is None:
        return say(language, STATUS_BAD_CODE)
    case = find_by_code(session, code)
    if case is None:
        return say(language, STATUS_UNKNOWN, code=code)
    view = public_view(session, case, language)
    agency = view.agency.name if view.agency else say(language, REVIEW_DESK)
    lines = [
        say(
            language,
            STATUS_LINE,
            code=view.tracking_code,
            status=status_label(language, view.status),
            agency=agency,
        )
    ]
    notes = [event.note for event in view.history if event.note]
    if notes:
        lines.append(say(language, STATUS_NOTE, note=notes[-1]))
    return "\n".join(lines)


def _open_cases(session: Session, contact: Contact) -> str:
    language = contact.language
    cases = session.exec(
        select(Case)
        .where(Case.contact_id == contact.id, col(Case.status).in_(list(OPEN_STATUSES)))
        .order_by(col(Case.created_at).desc())
        .limit(STATUS_LIST_LIMIT)
    ).all()
    if not cases:
        return say(language, STATUS_NONE)
    lines = [say(language, STATUS_LIST)]
    lines += [f"{c.tracking_code}: {status_label(language, c.status)}" for c in cases]
    return "\n".join(lines)
