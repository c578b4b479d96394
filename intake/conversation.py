"""The chat conversation every chat channel shares: what each inbound message means, and the answer.

Channels turn their payloads into a `ChatEvent` (intake/chat.py) and render the `ChatReply`s;
everything a conversation decides starts here, so Telegram, SMS and WhatsApp behave the same.
State is kept in the database, never in a process, because several web processes answer
webhooks. Acknowledgements of new complaints go through the outbox like every other message we
owe a citizen; the replies returned here are the immediate answers.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases.enums import OPEN_STATUSES
from cases.feedback import awaiting_feedback, parse_rating, rate, reopen, says_not_fixed
from cases.models import Case
from core.settings import Settings
from intake.attachments import MIN_COMPLAINT_WORDS, add_location, add_media
from intake.chat import ChatEvent, ChatOutcome, ChatReply, reply
from intake.chat_status import case_status, open_cases
from intake.chat_text import HELP_SMS, HELP_TELEGRAM, LANG_SET, RATED, TOO_SHORT, UNSUPPORTED, say
from intake.commands import Command, CommandName, parse_command
from intake.filing import file_complaint
from intake.models import InboundReceipt
from notifications.models import Contact
from notifications.service import get_or_create_contact


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
        return add_location(session, settings, event, contact)
    if event.media:
        return add_media(session, settings, event, contact)
    text = (event.text or "").strip()
    if not text:
        return reply(say(language, UNSUPPORTED))
    command = parse_command(text)
    if command is not None:
        return _command(session, event, contact, command)
    feedback = _feedback(session, settings, contact, text)
    if feedback is not None:
        return feedback
    if len(text.split()) < MIN_COMPLAINT_WORDS:
        return ChatOutcome([ChatReply(say(language, TOO_SHORT)), _help(event, language)])
    return file_complaint(session, settings, event, contact, text)


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
    return reply(
        say(contact.language, RATED, code=case.tracking_code, rating=rating),
        case_code=case.tracking_code,
    )


def _help(event: ChatEvent, language: str) -> ChatReply:
    if event.slash_commands:
        return ChatReply(say(language, HELP_TELEGRAM), offer_location=True)
    return ChatReply(say(language, HELP_SMS))


def _command(session: Session, event: ChatEvent, contact: Contact, command: Command) -> ChatOutcome:
    language = contact.language
    match command.name:
        case CommandName.help:
            return ChatOutcome([_help(event, language)])
        case CommandName.lang:
            return _switch_language(session, contact, command.argument or "id")
        case CommandName.status if command.argument is None:
            return reply(open_cases(session, contact))
    return reply(case_status(session, language, command.argument or ""))


def _switch_language(session: Session, contact: Contact, language: str) -> ChatOutcome:
    """Later replies and updates on this contact's open cases come in the new language."""
    contact.language = language
    session.add(contact)
    for case in session.exec(
        select(Case).where(Case.contact_id == contact.id, col(Case.status).in_(list(OPEN_STATUSES)))
    ):
        case.language = language
        session.add(case)
    return reply(say(language, LANG_SET))
