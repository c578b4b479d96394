""" "Sepertinya sudah dilaporkan": a chat resident whose problem an open public case near the
same place already reports is offered to follow that case (cases/following.py).

Two orders, one question with two answers (IKUT = 1, LAPOR BARU = 2; the buttons send the
numbers, the words are read in both languages):

- the location first (kept, intake/filing.py), then the words: just before they would be
  filed, when routing gives them a category with an open public case of it within
  ALREADY_REPORTED_RADIUS_M, the words (and files) are held and the bot asks. IKUT follows that
  case and files nothing; LAPOR BARU files them after all.
- the words first (filed), then the location (attachments.place): the reply that confirms the
  location also asks. IKUT folds the resident's complaint into the one already reported (the
  citizen's own `join` move, cases.duplicates.merge); LAPOR BARU changes nothing.

Only the nearest such case is offered (one SMS), never one of the resident's own, never for a
Rahasia complaint (the resident asked that it stay out of public view, so it is not compared
with public ones), and only what cases/following.py finds: open, public cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from cases.duplicates import merge
from cases.enums import OPEN_STATUSES, CaseStatus
from cases.errors import CaseError
from cases.following import Followed, NearbyCase, can_follow, follow, nearby_public_cases
from cases.models import Case
from core.media import StoredMedia
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, ChatReply, reply
from intake.chat_status import SMS_ELLIPSIS, SMS_EXCERPT_CHARS, excerpt
from intake.chat_text import (
    ALREADY_REPORTED,
    ALREADY_REPORTED_HERE,
    CHOICE_FOLLOW,
    CHOICE_REPORT_NEW,
    FOLLOW_NOT_OPEN,
    FOLLOWING,
    FOLLOWING_ALREADY,
    JOIN_NOT_OPEN,
    JOINED,
    KEPT_OWN,
    UNSUPPORTED,
    WAITING_FOR_REPORTER,
    say,
)
from intake.choices import Held, Option, ask
from intake.filing import forget_location, kept_location
from intake.modes import kept_mode
from notifications.models import Contact
from notifications.templates import status_label
from routing.service import RoutingDecision, route

ALREADY_PURPOSE = "already"
# the answers typed instead of the numbers, in either language (compared lower case, spaces
# squeezed, a final full stop or exclamation mark dropped)
FOLLOW_WORDS = frozenset({"ikut", "ikuti", "follow"})
NEW_WORDS = frozenset({"lapor baru", "laporbaru", "baru", "new", "new report"})


def answer_number(text: str) -> int | None:
    """1 for IKUT ("ikut", "follow"), 2 for LAPOR BARU ("baru", "new"), else None."""
    words = " ".join(text.strip().rstrip(".!").lower().split())
    return 1 if words in FOLLOW_WORDS else 2 if words in NEW_WORDS else None


def _nearest(
    session: Session,
    settings: Settings,
    contact: Contact,
    *,
    latitude: float,
    longitude: float,
    category_id: int,
) -> NearbyCase | None:
    """The nearest open public case of `category_id` near the point that is not the contact's
    own."""
    found = nearby_public_cases(
        session,
        settings,
        latitude=latitude,
        longitude=longitude,
        category_id=category_id,
        language=contact.language,
        limit=1,
        not_of_contact=contact.id,
    )
    return found[0] if found else None


def _about(language: str, found: NearbyCase) -> str:
    """ "Jalan berlubang..., sedang dikerjakan": a few words (SMS-safe) and the status, as
    someone else than its reporter reads it."""
    words = excerpt(found.text or "", SMS_EXCERPT_CHARS, SMS_ELLIPSIS)
    if found.status == CaseStatus.waiting:
        status = say(language, WAITING_FOR_REPORTER)
    else:
        status = status_label(language, found.status)
    return ", ".join(part for part in (words, status) if part)


def _choices(language: str) -> tuple[str, ...]:
    return (say(language, CHOICE_FOLLOW), say(language, CHOICE_REPORT_NEW))


def offer_before_filing(
    session: Session,
    settings: Settings,
    event: ChatEvent,
    contact: Contact,
    text: str,
    media: Sequence[StoredMedia] = (),
    decision: RoutingDecision | None = None,
) -> ChatOutcome | None:
    """The question to ask instead of filing `text` (with `media`) at the contact's kept
    location, holding both; None when there is nothing to offer and the words are filed.
    `decision` is routing's for `text` when the caller has it already."""
    at, language = event.received_at, contact.language
    location = kept_location(session, contact, at)
    if location is None or kept_mode(session, contact, at).confidential:
        return None
    if decision is None:
        decision = route(session, text, min_confidence=settings.routing_min_confidence)
    if decision.category is None:
        return None
    found = _nearest(
        session,
        settings,
        contact,
        latitude=location.latitude,
        longitude=location.longitude,
        category_id=decision.category.id,
    )
    if found is None:
        return None
    options = [Option("follow", found_id=found.id), Option("file_anew")]
    ask(session, contact, options, Held(ALREADY_PURPOSE, text=text, media=tuple(media)), at)
    asked = say(language, ALREADY_REPORTED, code=found.tracking_code, about=_about(language, found))
    return ChatOutcome([ChatReply(asked, choices=_choices(language))])


def offer_joining(
    session: Session, settings: Settings, contact: Contact, case: Case, at: datetime
) -> ChatReply | None:
    """The answer to the location that placed `case` (the contact's own open complaint),
    confirming it and asking: fold it into the open public case already reported there?
    None when there is none, or `case` is Rahasia or has no category."""
    if (
        case.confidential
        or case.category_id is None
        or case.latitude is None
        or case.longitude is None
        or case.status not in OPEN_STATUSES
        or case.merged_into_id is not None
    ):
        return None
    found = _nearest(
        session,
        settings,
        contact,
        latitude=case.latitude,
        longitude=case.longitude,
        category_id=case.category_id,
    )
    if found is None:
        return None
    options = [Option("join", case.id, found_id=found.id), Option("keep_own", case.id)]
    ask(session, contact, options, Held(ALREADY_PURPOSE), at)
    language = contact.language
    asked = say(language, ALREADY_REPORTED_HERE, code=found.tracking_code, own=case.tracking_code)
    return ChatReply(asked, choices=_choices(language))


def follow_found(
    session: Session, settings: Settings, contact: Contact, found_id: int, at: datetime
) -> tuple[Followed, ChatOutcome]:
    """IKUT before filing: the contact follows the case offered instead of filing, and the
    location kept for those words is let go. `Followed.not_open` when the case closed or left
    public view since it was offered: the outcome then only tells so, and the caller files
    the held words after all."""
    case = session.get(Case, found_id)
    language = contact.language
    followed = follow(session, settings, case, contact.id, language, at=at)
    if followed is Followed.not_open:
        return followed, reply(say(language, FOLLOW_NOT_OPEN, code=case.tracking_code))
    forget_location(session, contact)
    wording = FOLLOWING if followed is Followed.followed else FOLLOWING_ALREADY
    told = say(language, wording, code=case.tracking_code, count=case.report_count)
    return followed, reply(told, case_code=case.tracking_code)


def join_found(
    session: Session, settings: Settings, contact: Contact, own_id: int, found_id: int
) -> ChatOutcome:
    """IKUT after the location: the contact's case `own_id` closes into `found_id`, whose news
    they get from now on; nothing changes when either is no longer open (or `found_id` no
    longer public)."""
    own, found = session.get(Case, own_id), session.get(Case, found_id)
    language = contact.language
    if own is None or own.contact_id != contact.id:
        return reply(say(language, UNSUPPORTED))
    codes = {"own": own.tracking_code, "code": found.tracking_code}
    if not can_follow(settings, found):
        return reply(say(language, JOIN_NOT_OPEN, **codes))
    try:
        merge(session, settings, own, found, actor=None)
    except CaseError:  # the resident's own case was closed or moved on since the question
        return reply(say(language, JOIN_NOT_OPEN, **codes))
    told = say(language, JOINED, count=found.report_count, **codes)
    return reply(told, case_code=found.tracking_code)


def keep_own(session: Session, contact: Contact, own_id: int) -> ChatOutcome:
    """LAPOR BARU after the location: the contact's complaint stays as it is."""
    own = session.get(Case, own_id)
    if own is None or own.contact_id != contact.id:
        return reply(say(contact.language, UNSUPPORTED))
    told = say(contact.language, KEPT_OWN, code=own.tracking_code)
    return reply(told, case_code=own.tracking_code)
