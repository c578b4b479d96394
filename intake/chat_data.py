"""What a resident is told about the data we keep on them (DATA SAYA), and the yes-or-no
question and the answer of erasing it (HAPUS DATA).

Who the resident is, what is stored and the erasure itself are privacy/service.py's; from a
phone number that is its SMS and its WhatsApp contact alike. Telegram and WhatsApp get every
case with its status and date; an SMS gets the contacts and the codes only. A reply longer than
the channel takes goes in parts, as the outbox splits a long message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.db import utcnow
from core.i18n import day_in_words
from core.settings import Settings
from intake.chat import ChatOutcome, ChatReply, reply
from intake.chat_text import (
    ASK_ERASE,
    CHOICE_ERASE,
    CHOICE_KEEP_DATA,
    CONTACT_CHANNELS,
    DATA_CASE,
    DATA_CASES,
    DATA_CONTACT,
    DATA_CONTACT_NAMED,
    DATA_ERASE,
    DATA_ERASE_TELEGRAM,
    DATA_FOLLOWING,
    DATA_INTRO,
    DATA_LOCATION,
    DATA_MESSAGES,
    DATA_NO_CASES,
    DATA_SMS,
    DATA_SMS_CASES,
    ERASE_KEPT,
    ERASED,
    LANGUAGE_NAMES,
    say,
)
from intake.choices import Held, Option, ask
from notifications.channels import max_chars
from notifications.enums import Channel
from notifications.models import Contact
from notifications.service import split_body
from notifications.templates import status_label
from privacy.service import Identity, StoredContact, contacts_of, erase, stored_data

log = logging.getLogger(__name__)

# what the erasure question holds, and the options it offers: 1 yes, 2 no (intake/choices.py)
ERASE_PURPOSE = "erase"
ERASE_OPTIONS = [Option("erase"), Option("keep_data")]


def _identity(contact: Contact) -> Identity:
    return Identity(Channel(contact.channel), contact.address)


def _contact_words(language: str, contact: StoredContact) -> str:
    values = {
        "channel": say(language, CONTACT_CHANNELS[contact.channel]),
        "address": contact.address,
        "language": say(language, LANGUAGE_NAMES.get(contact.language, LANGUAGE_NAMES["id"])),
    }
    if contact.name:
        return say(language, DATA_CONTACT_NAMED, name=contact.name, **values)
    return say(language, DATA_CONTACT, **values)


def _replies(channel: str, text: str) -> list[ChatReply]:
    return [ChatReply(part) for part in split_body(text, max_chars(channel))]


def data_replies(
    session: Session, settings: Settings, contact: Contact, *, slash_commands: bool
) -> list[ChatReply]:
    """What is stored about the resident writing from `contact`, in their language."""
    language = contact.language
    data = stored_data(session, contacts_of(session, _identity(contact)))
    following = ", ".join(case.tracking_code for case in data.following)
    lines: list[str] = []
    if contact.channel == Channel.sms:
        contacts = "; ".join(_contact_words(language, c) for c in data.contacts)
        lines.append(say(language, DATA_SMS, contacts=contacts))
        if data.cases:
            codes = ", ".join(case.tracking_code for case in data.cases)
            lines.append(say(language, DATA_SMS_CASES, count=len(data.cases), codes=codes))
    else:
        lines.append(say(language, DATA_INTRO))
        lines.extend(f"- {_contact_words(language, c)}" for c in data.contacts)
        if data.cases:
            zone = ZoneInfo(settings.city_timezone)
            today = utcnow().astimezone(zone).date()
            lines.append(say(language, DATA_CASES, count=len(data.cases)))
            for case in data.cases:
                day = day_in_words(
                    case.created_at.astimezone(zone).date(), language, today=today, weekday=False
                )
                status = status_label(language, case.status)
                lines.append(
                    "- " + say(language, DATA_CASE, code=case.tracking_code, status=status, day=day)
                )
    if not data.cases:
        lines.append(say(language, DATA_NO_CASES))
    if following:
        lines.append(say(language, DATA_FOLLOWING, codes=following))
    if data.messages:
        lines.append(say(language, DATA_MESSAGES, count=len(data.messages)))
    if data.pending_location:
        lines.append(say(language, DATA_LOCATION))
    lines.append(say(language, DATA_ERASE_TELEGRAM if slash_commands else DATA_ERASE))
    return _replies(contact.channel, "\n".join(lines))


def ask_erase(session: Session, contact: Contact, at: datetime) -> ChatOutcome:
    """ "Erase your contact details?", with a yes and a no button where the channel has them."""
    language = contact.language
    ask(session, contact, ERASE_OPTIONS, Held(ERASE_PURPOSE), at)
    labels = (say(language, CHOICE_ERASE), say(language, CHOICE_KEEP_DATA))
    return ChatOutcome([ChatReply(say(language, ASK_ERASE), choices=labels)])


def _grouped(language: str, contacts: list[Contact]) -> str:
    """ "SMS/WhatsApp +62812...": each address once, after the channels it was used on."""
    channels: dict[str, list[str]] = {}
    for contact in contacts:
        channels.setdefault(contact.address, []).append(
            say(language, CONTACT_CHANNELS[contact.channel])
        )
    return "; ".join(f"{'/'.join(names)} {address}" for address, names in channels.items())


def erase_now(
    session: Session, settings: Settings, contact: Contact, at: datetime, channel: str
) -> ChatOutcome:
    """The resident said yes: erase them, and say what was erased (logged as counts only)."""
    language = contact.language
    contacts = contacts_of(session, _identity(contact))
    done = erase(session, settings, contacts, at)
    log.info("resident erased at their request on %s: %s", channel, done)
    text = say(
        language,
        ERASED,
        contacts=_grouped(language, contacts),
        cases=done.cases,
        cancelled=done.cancelled,
    )
    return reply(text)


def kept(language: str) -> ChatOutcome:
    """The resident said no: nothing is erased."""
    return reply(say(language, ERASE_KEPT))
