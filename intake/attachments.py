"""Locations and files a resident sends: they join the complaint they belong to."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from cases.duplicates import link_possible_duplicate
from cases.enums import OPEN_STATUSES
from cases.models import Case
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, reply
from intake.chat_text import (
    LOCATION_ADDED,
    LOCATION_KEPT,
    MEDIA_FAILED,
    MEDIA_TOO_LARGE,
    MEDIA_UNSUPPORTED,
    PHOTO_ADDED,
    PHOTO_NEEDS_TEXT,
    UNSUPPORTED,
    say,
)
from intake.filing import file_complaint, keep_location
from intake.media import MediaDownloadError, MediaRejected, store_media
from intake.messages import StoredMedia
from intake.service import attach_media
from notifications.models import Contact
from routing.areas import area_for

log = logging.getLogger(__name__)

RECENT_CASE = timedelta(minutes=30)
MIN_COMPLAINT_WORDS = 3


def recent_case(session: Session, contact: Contact, now: datetime) -> Case | None:
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


def add_location(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    location = event.location
    if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        return reply(say(contact.language, UNSUPPORTED))
    case = recent_case(session, contact, event.received_at)
    if case is None:
        keep_location(session, contact, location, event.received_at)
        return reply(say(contact.language, LOCATION_KEPT))
    case.latitude, case.longitude = location.latitude, location.longitude
    area = area_for(session, case.agency_id, case.latitude, case.longitude)
    case.service_area_id = area.id if area else None
    if location.address:
        case.address = location.address[:500]
    case.updated_at = event.received_at
    session.add(case)
    if case.duplicate_of_id is None:  # now that it has a place, it may match an earlier report
        link_possible_duplicate(session, settings, case)
    return reply(
        say(contact.language, LOCATION_ADDED, code=case.tracking_code), case_code=case.tracking_code
    )


def add_media(
    session: Session, settings: Settings, event: ChatEvent, contact: Contact
) -> ChatOutcome:
    """A photo joins the complaint just made, or with a caption files a new one; otherwise it is
    not downloaded at all (nothing would hold it)."""
    language = contact.language
    case = recent_case(session, contact, event.received_at)
    caption = (event.text or "").strip()
    if case is None and len(caption.split()) < MIN_COMPLAINT_WORDS:
        return reply(say(language, PHOTO_NEEDS_TEXT))
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
    if case is not None:
        attach_media(session, case, stored)
        return reply(
            say(language, PHOTO_ADDED, code=case.tracking_code), case_code=case.tracking_code
        )
    return file_complaint(session, settings, event, contact, caption, tuple(stored))
