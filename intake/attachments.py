"""Locations and files a resident sends: they join the complaint they belong to.

A location, photo, voice note or document goes to the sender's open complaint filed within its
first day; with several such complaints the bot asks which. A caption is kept as a note (or,
with no complaint to join, is the complaint). Each reply names the kind of file it got.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from cases import resident
from cases.duplicates import link_possible_duplicate
from cases.models import Case
from cases.service import open_cases_of
from core.media import MediaRejected, StoredMedia, store_media
from core.settings import Settings
from intake import already_reported, questions
from intake.chat import ChatEvent, ChatOutcome, MediaKind, reply
from intake.chat_text import (
    LOCATION_ADDED,
    LOCATION_KEPT,
    MEDIA_ADDED,
    MEDIA_AND_NOTE_ADDED,
    MEDIA_FAILED,
    MEDIA_KINDS,
    MEDIA_NEEDS_TEXT,
    MEDIA_TOO_LARGE,
    MEDIA_UNSUPPORTED,
    UNSUPPORTED,
    say,
)
from intake.choices import Held
from intake.filing import file_complaint, keep_location
from intake.media import MediaDownloadError
from intake.messages import Location
from intake.service import attach_media
from notifications.models import Contact
from routing.areas import area_for
from routing.service import route

log = logging.getLogger(__name__)

# a file or location sent this long after a complaint was filed still joins it
FIRST_DAY = timedelta(days=1)
MIN_COMPLAINT_WORDS = 3
# the cases a question lists, newest first
MAX_LISTED = 3


def recent_cases(session: Session, contact: Contact, now: datetime) -> list[Case]:
    """The contact's open complaints filed within FIRST_DAY, newest first."""
    recent = open_cases_of(contact.id).where(Case.created_at >= now - FIRST_DAY)
    return list(session.exec(recent.limit(MAX_LISTED)))


def place(
    session: Session, settings: Settings, case: Case, location: Location, at: datetime
) -> None:
    """Give `case` the resident's location (and the office whose area holds it)."""
    case.latitude, case.longitude = location.latitude, location.longitude
    area = area_for(session, case.agency_id, case.latitude, case.longitude)
    case.service_area_id = area.id if area else None
    if location.address:
        case.address = location.address[:500]
    case.updated_at = at
    session.add(case)
    if case.duplicate_of_id is None:  # now that it has a place, it may match an earlier report
        link_possible_duplicate(session, settings, case)


def located(
    session: Session, settings: Settings, contact: Contact, case: Case, at: datetime
) -> ChatOutcome:
    """The confirmation that `case` has its place; it asks, too, when an open public case
    already reports the problem there (intake/already_reported.py)."""
    offer = already_reported.offer_joining(session, settings, contact, case, at)
    if offer is not None:
        return ChatOutcome([offer], case_code=case.tracking_code)
    told = say(contact.language, LOCATION_ADDED, code=case.tracking_code)
    return reply(told, case_code=case.tracking_code)


def add_location(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    location = event.location
    if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        return reply(say(contact.language, UNSUPPORTED))
    cases = recent_cases(session, contact, event.received_at)
    if not cases:
        keep_location(session, contact, location, event.received_at)
        return reply(say(contact.language, LOCATION_KEPT))
    if len(cases) > 1:
        held = Held("attachment", location=location)
        return questions.which_case(session, contact, event.received_at, cases, held, or_new=False)
    place(session, settings, cases[0], location, event.received_at)
    return located(session, settings, contact, cases[0], event.received_at)


def kind_name(language: str, kinds: Sequence[MediaKind]) -> str:
    """What the resident sent, named as they would: "Foto", "Pesan suara", ..."""
    return say(language, MEDIA_KINDS[kinds[0] if kinds else MediaKind.photo])


def attached(
    session: Session,
    case: Case,
    media: Sequence[StoredMedia],
    caption: str,
    name: str,
    language: str,
) -> ChatOutcome:
    """Files (and their caption, as a note) join `case`."""
    attach_media(session, case, media)
    wording = MEDIA_ADDED
    if caption:
        resident.add_note(session, case, caption)
        wording = MEDIA_AND_NOTE_ADDED
    return reply(
        say(language, wording, kind=name, code=case.tracking_code), case_code=case.tracking_code
    )


def _new_complaint(session: Session, settings: Settings, caption: str, case: Case) -> bool:
    """A caption that routing places with another agency than `case`'s is a complaint of its own."""
    if len(caption.split()) < MIN_COMPLAINT_WORDS:
        return False
    decision = route(session, caption, min_confidence=settings.routing_min_confidence)
    return decision.agency is not None and decision.agency.id != case.agency_id


def add_media(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    """Files join the complaint they belong to, or with a caption file a new one; a file
    with nothing to join and no words is not downloaded at all (nothing would hold it)."""
    language = contact.language
    name = kind_name(language, [item.kind for item in event.media])
    cases = recent_cases(session, contact, event.received_at)
    caption = (event.text or "").strip()
    describes = len(caption.split()) >= MIN_COMPLAINT_WORDS
    if not cases and not describes:
        return reply(say(language, MEDIA_NEEDS_TEXT, kind=name))
    stored: list[StoredMedia] = []
    for item in event.media:
        try:
            data, content_type = item.fetch()
            stored.append(store_media(settings, data, content_type, item.filename))
        except MediaRejected as exc:
            message = MEDIA_TOO_LARGE if exc.reason == "too_large" else MEDIA_UNSUPPORTED
            limit_mb = settings.media_max_bytes // (1024 * 1024)
            return reply(say(language, message, limit_mb=limit_mb))
        except MediaDownloadError as exc:
            log.warning("media download failed for %s: %s", event.external_id, exc)
            return reply(say(language, MEDIA_FAILED))
    if not cases or (len(cases) == 1 and _new_complaint(session, settings, caption, cases[0])):
        offer = already_reported.offer_before_filing(
            session, settings, event, contact, caption, stored
        )
        return offer or file_complaint(session, settings, event, contact, caption, tuple(stored))
    if len(cases) > 1:
        held = Held("attachment", text=caption or None, media=tuple(stored))
        return questions.which_case(
            session, contact, event.received_at, cases, held, or_new=describes
        )
    return attached(session, cases[0], stored, caption, name, language)
