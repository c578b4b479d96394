"""Telling the citizen about their case: the only way cases reach the outbox."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from cases.announcements import known_problem_sentence
from cases.codes import track_url
from cases.due import due_sentence
from cases.enums import CaseKind, SourceChannel
from cases.models import Announcement, Case, CaseSubscriber
from cases.modes import mode_of, mode_sentence
from core.settings import Settings
from notifications.enums import Channel, MessageKind
from notifications.messages import Message, render_message
from notifications.models import Contact
from notifications.service import queue_messages
from notifications.templates import where_to_go
from routing.models import Agency
from routing.service import RoutedAgency

CHAT_APPS = frozenset({SourceChannel.telegram, SourceChannel.whatsapp})


def _rating_signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="aduan.rating")


def rate_url(settings: Settings, code: str) -> str:
    """The link a citizen who cannot reply (web form, e-mail) rates with."""
    return f"{track_url(settings, code)}/rate?t={rating_token(settings, code)}"


def rating_token(settings: Settings, code: str) -> str:
    """What proves the right to rate case `code`: signed, as a tracking code alone is shared
    and guessable enough to look up a status, not to speak for the reporter."""
    return _rating_signer(settings).dumps(code)


def rating_token_matches(settings: Settings, code: str, token: str) -> bool:
    try:
        return _rating_signer(settings).loads(token) == code
    except BadSignature:
        return False


def recipients(session: Session, case: Case) -> list[tuple[Contact, str]]:
    """Who hears about `case`, each with their language: its reporter, if they want updates,
    and the reporters of duplicates merged into it."""
    found: list[tuple[Contact, str]] = []
    if case.notify and case.contact_id is not None:
        found.append((session.get(Contact, case.contact_id), case.language))
    for subscriber in session.exec(
        select(CaseSubscriber).where(CaseSubscriber.case_id == case.id).order_by(CaseSubscriber.id)
    ):
        found.append((session.get(Contact, subscriber.contact_id), subscriber.language))
    return found


def tell_citizen(
    session: Session,
    settings: Settings,
    case: Case,
    kind: MessageKind,
    *,
    note: str | None = None,
    photo_id: int | None = None,
) -> None:
    """Queue a message about `case` for everyone who follows it, on each one's channel, with
    the attachment `photo_id` (an officer's after-photo) where it may go.

    The photo goes to the reporter always (it is their case), and to the followers (reporters
    of merged duplicates) unless the case is Rahasia: its photos never leave for anyone else.
    """
    agency = session.get(Agency, case.agency_id) if case.agency_id else None
    for contact, language in recipients(session, case):
        photo = photo_id if contact.id == case.contact_id or not case.confidential else None
        _queue(session, settings, case, kind, contact, language, agency, note, photo)


def referral_where(agency: Agency | RoutedAgency | None, language: str) -> str | None:
    """How to reach `agency`, a referral body, in `language` (its channel and hotline); None
    for none, or for a city agency."""
    if agency is None or not agency.is_referral:
        return None
    channel = agency.channel_en if language == "en" else agency.channel
    return where_to_go(language, channel or "", agency.hotline)


def acknowledge(
    session: Session,
    settings: Settings,
    case: Case,
    contact: Contact | None,
    agency: Agency | RoutedAgency | None,
    announcement: Announcement | None = None,
) -> None:
    """Queue the acknowledgement of a case just filed (see `acknowledgement`)."""
    if case.notify and contact is not None:
        message = acknowledgement(settings, case, contact.channel, agency, announcement)
        queue_messages(session, contact=contact, case_id=case.id, message=message)


def acknowledgement(
    settings: Settings,
    case: Case,
    channel: Channel,
    agency: Agency | RoutedAgency | None,
    announcement: Announcement | None = None,
) -> Message:
    """The acknowledgement of a case just filed, to its reporter on `channel`, in the case's
    language. Its reporter is the only one who can follow it yet and routing has just named the
    agency, so nothing is read back. With the `announcement` the case was linked to, it adds a
    sentence naming it. A question (CaseKind.question) is told it went to the agency as a
    question, without the invitation to send a location and photo. A case filed with a
    referral body is answered with where to go instead (MessageKind.referred).

    `case` need not be stored yet: only its columns are read."""
    referred = agency is not None and agency.is_referral
    notice = (
        known_problem_sentence(settings, announcement, case.language, case.created_at)
        if announcement is not None
        else None
    )
    return _message(
        settings,
        case,
        MessageKind.referred if referred else MessageKind.acknowledgement,
        channel,
        case.language,
        agency,
        notice=notice,
        filing=True,
    )


def _queue(
    session: Session,
    settings: Settings,
    case: Case,
    kind: MessageKind,
    contact: Contact,
    language: str,
    agency: Agency | RoutedAgency | None,
    note: str | None = None,
    photo_id: int | None = None,
) -> None:
    message = _message(
        settings, case, kind, contact.channel, language, agency, note=note, photo_id=photo_id
    )
    queue_messages(session, contact=contact, case_id=case.id, message=message)


def _message(
    settings: Settings,
    case: Case,
    kind: MessageKind,
    channel: Channel,
    language: str,
    agency: Agency | RoutedAgency | None,
    note: str | None = None,
    photo_id: int | None = None,
    notice: str | None = None,
    filing: bool = False,
) -> Message:
    """`filing`: the message answers the complaint just filed (its acknowledgement)."""
    english = language == "en"
    question = filing and case.case_kind == CaseKind.question
    where = referral_where(agency, language) if kind is MessageKind.referred else None
    return render_message(
        kind,
        language,
        code=case.tracking_code,
        track_url=track_url(settings, case.tracking_code),
        agency=(agency.name_en if english else agency.name) if agency else None,
        status=case.status,
        note=note,
        due=due_sentence(settings, case, language),
        where=where,
        invite_details=filing
        and not question
        and kind is MessageKind.acknowledgement
        and case.source_channel in CHAT_APPS,
        rate_url=rate_url(settings, case.tracking_code) if channel == Channel.email else None,
        # the reporter hears which mode they filed in once, when the complaint is received
        mode=mode_sentence(language, mode_of(case)) if filing else None,
        notice=notice,
        photo_id=photo_id,
        question=question,
    )
