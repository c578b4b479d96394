"""The one intake pipeline: every channel's complaint becomes a case here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from cases import announcements, day_stats
from cases.calendar import due_at
from cases.citizen import acknowledge, acknowledgement
from cases.codes import new_tracking_code
from cases.duplicates import Resemblance, duplicate_marks, find_duplicate, note_duplicate
from cases.enums import CaseKind
from cases.lifecycle import event_row, record_event
from cases.models import Announcement, Attachment, Case, CaseEvent
from cases.transitions import Move, opening
from cases.webhooks import raise_case_event
from core import metrics
from core.db import after_commit, as_persistent, insert_on_conflict
from core.media import StoredMedia
from core.settings import Settings
from intake import limits
from intake.intent import Intent, read
from intake.messages import MAX_TEXT_CHARS, MIN_TEXT_CHARS, InboundMessage
from intake.statement import Written, defaulted_columns, file_in_one_statement
from notifications.models import Contact, Notification
from notifications.service import get_or_create_contact
from routing.service import (
    RoutedAgency,
    RoutedCategory,
    RoutingDecision,
    route,
    route_to_category,
)

log = logging.getLogger(__name__)
# what a write under a fresh tracking code hands back
Stored = TypeVar("Stored")
CODE_ATTEMPTS = 5


class IntakeError(ValueError):
    """The message cannot become a case. The text (English, for the API) is safe to show the
    sender; `reason` and `params` let a page or a chat say it in the sender's language."""

    def __init__(self, text: str, reason: str = "invalid", **params: object) -> None:
        super().__init__(text)
        self.reason, self.params = reason, params


class IntakeLimited(IntakeError):
    """The sender filed INTAKE_LIMIT_PER_HOUR complaints within the last hour (or its client
    address WEB_COMPLAINTS_PER_ADDRESS_PER_HOUR)."""

    def __init__(self, refusal: limits.Refusal) -> None:
        super().__init__(
            f"too many complaints from this sender: at most {refusal.limit} an hour; "
            f"please try again in {refusal.minutes} minutes",
            "limited",
        )
        self.refusal = refusal


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    created: bool
    # where routing sent a case just filed (None for a repeat or a case in triage)
    agency: RoutedAgency | None = None
    category: RoutedCategory | None = None

    @property
    def tracking_code(self) -> str:
        return self.case.tracking_code


def validate(message: InboundMessage) -> str:
    text = message.text.strip()
    if len(text) < MIN_TEXT_CHARS:
        raise IntakeError(
            f"the complaint text must have at least {MIN_TEXT_CHARS} characters",
            "text_too_short",
            limit=MIN_TEXT_CHARS,
        )
    if len(text) > MAX_TEXT_CHARS:
        raise IntakeError(
            f"the complaint text must have at most {MAX_TEXT_CHARS} characters",
            "text_too_long",
            limit=MAX_TEXT_CHARS,
        )
    if message.location and not (
        -90 <= message.location.latitude <= 90 and -180 <= message.location.longitude <= 180
    ):
        raise IntakeError(
            "the location is outside the range of valid coordinates", "location_invalid"
        )
    return text


def _intake_key(message: InboundMessage) -> str | None:
    if not message.idempotency_key:
        return None
    return f"{message.channel}:{message.idempotency_key}"[:200]


# built once: every complaint with an idempotency key runs it, and almost always finds nothing
_CASE_BY_KEY = sa.select(Case.id).where(Case.intake_key == sa.bindparam("key"))


def _existing(session: Session, intake_key: str | None) -> Case | None:
    if intake_key is None:
        return None
    case_id = session.connection().execute(_CASE_BY_KEY, {"key": intake_key}).scalar()
    return session.get(Case, case_id) if case_id is not None else None


def filed_before(session: Session, message: InboundMessage) -> Case | None:
    """The case `message`'s idempotency key already filed, if any."""
    return _existing(session, _intake_key(message))


def receive(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    *,
    sender: str | None = None,
    client: str | None = None,
) -> IntakeResult:
    """Validate, store, route and acknowledge one complaint in one transaction.

    Calling it again with the same idempotency key returns the first case and sends nothing.
    A new complaint counts against `sender`'s hourly limit and a web request's `client`
    address brake (see `intake.limits`); over either, IntakeLimited is raised and no case is
    stored.

    The key is not looked up first, nor the limits asked before: nearly every complaint is
    new and within its limits. The INSERT finds a repeat anyway (ON CONFLICT), which is then
    not counted (and answered even past the limit); a new one is counted in one round trip to
    Redis right after its INSERT, and taken back when that finds a window full.
    """
    text = validate(message)
    intake_key = _intake_key(message)
    limit = limits.SenderLimit(settings, sender, client)
    stored = _store(session, settings, message, text, intake_key, limit)
    if stored is None:
        # a repeat: the case its key filed first (PostgreSQL waited for a racing one's commit)
        return IntakeResult(_existing(session, intake_key), created=False)
    case, decision = stored
    session.commit()
    metrics.complaint_filed(message.channel, decision.outcome, _classified(message, decision))
    # an anonymous reporter is not linked to their case even in the (masked) log
    shown_sender = "an anonymous reporter" if case.anonymous else sender or client
    log.info("complaint %s filed via %s from %s", case.tracking_code, message.channel, shown_sender)
    return IntakeResult(case, True, decision.agency, decision.category)


def _classified(message: InboundMessage, decision: RoutingDecision) -> float | None:
    """The classifier's confidence; None when the sender chose the category."""
    return decision.prediction.confidence if message.category_code is None else None


@dataclass(frozen=True)
class Plan:
    """What a new complaint will be, decided before anything is written: its row's columns
    (`values`), where routing sent it, and what it is linked to."""

    values: dict[str, Any]
    decision: RoutingDecision
    filing: Move
    announcement: Announcement | None
    duplicate: Resemblance | None


def _store(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    text: str,
    intake_key: str | None,
    limit: limits.SenderLimit,
) -> tuple[Case, RoutingDecision] | None:
    """Everything a new complaint writes; None when its idempotency key turned out taken.

    On PostgreSQL the contact, the case, its history row and its acknowledgement are written
    by one statement (intake/statement.py); elsewhere one statement each.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _store_in_one_statement(session, settings, message, text, intake_key, limit)
    contact = None
    if message.reply_to is not None:
        contact = get_or_create_contact(session, **_contact_details(settings, message))
    language = message.language or (contact.language if contact else settings.default_language)
    plan = _plan(session, settings, message, text, intake_key, language)
    values = plan.values | {"contact_id": contact.id if contact else None}
    case = _insert(session, values)
    if case is None:
        return None
    _count(session, case, limit)
    filed_at = record_event(
        session,
        case,
        plan.filing.event,
        actor=None,
        actor_label=plan.filing.by,
        to_status=case.status,
        to_agency_id=case.agency_id,
    )
    _after_writes(session, settings, case, plan, message)
    acknowledge(session, settings, case, contact, plan.decision.agency, plan.announcement)
    _count_day(session, settings, case, plan, filed_at)
    return case, plan.decision


def _store_in_one_statement(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    text: str,
    intake_key: str | None,
    limit: limits.SenderLimit,
) -> tuple[Case, RoutingDecision] | None:
    """`_store` on PostgreSQL. When the complaint names no language, the contact's stored one
    decides, which only the statement learns: the acknowledgement is rendered in the language
    a new contact gets, the statement keeps it only if that is the case's, and a returning
    contact of another language is acknowledged in theirs after it (one statement more, for
    them alone, where rendering in every language cost every complaint)."""
    session.flush()  # the statement does not autoflush what the caller changed before
    contact = _contact_details(settings, message) if message.reply_to is not None else None
    language = message.language or (None if contact else settings.default_language)
    plan = _plan(session, settings, message, text, intake_key, language)
    acknowledged = contact is not None and plan.values["notify"]
    event = event_row(
        None,
        plan.filing.event,
        actor=None,
        actor_label=plan.filing.by,
        to_status=plan.values["status"],
        to_agency_id=plan.values["agency_id"],
    )

    def write(code: str) -> tuple[dict[str, Any], Written] | None:
        values = plan.values | {"tracking_code": code}
        told = None
        if acknowledged:
            likely = language or contact["new_contact_language"]
            unsaved = SimpleNamespace(**(values | {"language": likely}))
            told = acknowledgement(
                settings, unsaved, contact["channel"], plan.decision.agency, plan.announcement
            )
        written = file_in_one_statement(session, values, contact, event, told)
        return None if written is None else (values, written)

    stored = _under_a_fresh_code(session, intake_key, write)
    if stored is None:
        return None
    values, written = stored
    case = as_persistent(session, Case, _UNSET | values | written.case)
    _count(session, case, limit)
    after_commit(session, written.outbox_ids)
    if written.contact is not None:
        reporter = as_persistent(session, Contact, written.contact)
        if acknowledged and not written.outbox_ids:  # told in another language than rendered
            acknowledge(session, settings, case, reporter, plan.decision.agency, plan.announcement)
    _after_writes(session, settings, case, plan, message, endpoints=written.endpoints)
    _count_day(session, settings, case, plan, event["created_at"])
    return case, plan.decision


def _contact_details(settings: Settings, message: InboundMessage) -> dict[str, Any]:
    """The reporter's contact as the complaint gives it (get_or_create_contact's arguments)."""
    return dict(
        channel=message.reply_to.channel,
        address=message.reply_to.address,
        name=message.name,
        language=message.language,
        # WhatsApp's 24-hour window opens only with a message on that very channel,
        # not with a web form that asked for WhatsApp updates
        inbound_at=message.received_at if message.channel == message.reply_to.channel else None,
        new_contact_language=settings.default_language,
    )


def _plan(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    text: str,
    intake_key: str | None,
    language: str | None,
) -> Plan:
    """Route the complaint and find what it is linked to; `language` None: the contact's."""
    location = message.location
    point = (location.latitude, location.longitude) if location else None
    decision = (
        route(session, text, min_confidence=settings.routing_min_confidence, location=point)
        if message.category_code is None
        else chosen_category(session, message.category_code, point)
    )
    now = message.received_at
    routed = decision.agency is not None
    # a matter for a body outside the city: filed, told where to go and referred at once
    referral = routed and decision.agency.is_referral
    filing = opening(routed, referral=referral)
    # the new row's columns, as a dict: validating them into a Case only for the INSERT to
    # take them apart again cost more than the duplicate search
    values = dict(
        status=filing.target,
        case_kind=filed_kind(text, decision, chosen=message.category_code is not None),
        text=text,
        language=language,
        source_channel=message.channel,
        notify=message.notify and message.reply_to is not None,
        anonymous=message.mode.anonymous,
        confidential=message.mode.confidential,
        agency_id=decision.agency.id if routed else None,
        category_id=decision.category.id if routed else None,
        routing_confidence=decision.prediction.confidence,
        routing_suggestion=decision.suggestion,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        address=message.address or (location.address if location else None),
        intake_key=intake_key,
        service_area_id=decision.service_area_id,
        due_at=None
        if referral
        else due_at(
            session,
            settings,
            now,
            decision.category.sla_hours if routed else settings.triage_sla_hours,
        ),
        created_at=now,
        updated_at=now,
        assigned_at=now if routed and not referral else None,
        referred_at=now if referral else None,
    )
    # the agency already announced this problem here: the complaint is linked and told so
    announcement = announcements.for_new_case(
        session,
        agency_id=values["agency_id"],
        category_id=values["category_id"],
        latitude=values["latitude"],
        longitude=values["longitude"],
        now=now,
    )
    values["announcement_id"] = announcement.id if announcement else None
    duplicate = find_duplicate(session, settings, SimpleNamespace(id=None, **values))
    if duplicate is not None:
        values |= duplicate_marks(duplicate)
    return Plan(values, decision, filing, announcement, duplicate)


def filed_kind(text: str, decision: RoutingDecision, *, chosen: bool) -> CaseKind:
    """What a new case is: a question when its words read as one (intake/intent.py, as the
    chat reads them) and routing placed it with an agency or a referral body; else, and
    always when the sender chose the category (`chosen`), a complaint. A question routing
    places nowhere is not filed this way: the chat answers it (intake/conversation.py)."""
    if chosen or decision.agency is None or read(text).intent is not Intent.question:
        return CaseKind.complaint
    return CaseKind.question


def _count(session: Session, case: Case, limit: limits.SenderLimit) -> None:
    """Count the case just written against its sender's limits; over one, take it back (what
    was written of it, uncommitted, is deleted) and raise IntakeLimited."""
    if (refusal := limit.take()) is None:
        return
    connection = session.connection()
    for table in (Notification, CaseEvent):
        connection.execute(sa.delete(table).where(col(table.case_id) == case.id))
    connection.execute(sa.delete(Case).where(col(Case.id) == case.id))
    session.expunge(case)
    raise IntakeLimited(refusal)


def _after_writes(
    session: Session,
    settings: Settings,
    case: Case,
    plan: Plan,
    message: InboundMessage,
    *,
    endpoints: bool = True,
) -> None:
    """What a case just written needs beside its row, history and acknowledgement: the
    partners' event (only looked for when `endpoints` may exist), the duplicate's note, the
    files it came with."""
    if endpoints:
        raise_case_event(session, settings, case, plan.filing.event)
    if plan.duplicate is not None:
        note_duplicate(session, case, plan.duplicate)
    attach_media(session, case, message.media)


def _count_day(
    session: Session, settings: Settings, case: Case, plan: Plan, filed_at: datetime
) -> None:
    """Add the case just filed to its agency's summary of the day (cases/day_stats.py). Last
    of a complaint's writes: concurrent complaints to one agency add to the same day's row,
    which stays locked from here to the commit."""
    zone = ZoneInfo(settings.city_timezone)
    day_stats.count_change(
        session,
        zone,
        None,
        day_stats.standing(case),
        day_stats.passing_on(plan.filing.event, None, case.agency_id, filed_at, zone),
    )


def chosen_category(
    session: Session, code: str, location: tuple[float, float] | None
) -> RoutingDecision:
    """Where a complaint filed into the category `code` goes; IntakeError when there is no
    such category."""
    decision = route_to_category(session, code, location=location)
    if decision is None:
        raise IntakeError(f"no category with code {code!r}", "unknown_category", code=code)
    return decision


def _insert(session: Session, values: dict[str, Any]) -> Case | None:
    """Store a case of `values` under a fresh tracking code; None if its idempotency key is
    taken. Columns left out get their defaults.

    ON CONFLICT DO NOTHING instead of catching IntegrityError: a clash (another request with
    the same key, or a random code drawn twice) then needs no savepoint to recover from, and
    a complaint without one costs no SAVEPOINT and RELEASE round trips.
    """
    insert = _case_insert(session.get_bind().dialect.name, frozenset(values) | {"tracking_code"})

    def write(code: str) -> Case | None:
        given = values | {"tracking_code": code}
        row = session.connection().execute(insert, given).one_or_none()
        return None if row is None else as_persistent(session, Case, _UNSET | given | row._asdict())

    return _under_a_fresh_code(session, values["intake_key"], write)


def _under_a_fresh_code(
    session: Session, intake_key: str | None, write: Callable[[str], Stored | None]
) -> Stored | None:
    """What `write` wrote under a freshly drawn tracking code; it returns None when ON CONFLICT
    DO NOTHING wrote nothing. None when the idempotency key `intake_key` is taken; otherwise
    the clash was the code, and another is drawn."""
    for _ in range(CODE_ATTEMPTS):
        written = write(new_tracking_code())
        if written is not None:
            return written
        if _existing(session, intake_key) is not None:
            return None
        log.warning("tracking code collision; drawing another")
    raise RuntimeError("could not store the complaint after several attempts")


@lru_cache(maxsize=8)
def _case_insert(dialect: str, given: frozenset[str]) -> sa.Insert:
    """Built once per database and set of `given` columns: as an ORM statement rebuilt per
    complaint, it cost more CPU than the two round trips it saved.

    It returns only what the INSERT itself chooses (the id, defaults of columns not given); the
    rest of the row is what was sent, or NULL. Returning every column would make the driver and
    SQLAlchemy describe and convert each of them for every complaint.
    """
    insert = insert_on_conflict(dialect, Case.__table__).on_conflict_do_nothing()
    return insert.returning(Case.__table__.c.id, *defaulted_columns(given))


# every column of a new case holds what was sent, what the INSERT chose, or nothing
_UNSET: dict[str, Any] = {column.name: None for column in Case.__table__.columns}


def attach_media(session: Session, case: Case, media: Iterable[StoredMedia]) -> None:
    """Record files a channel already stored as attachments of `case`."""
    for item in media:
        session.add(
            Attachment(
                case_id=case.id,
                content_type=item.content_type,
                filename=item.filename,
                size=item.size,
                storage_key=item.storage_key,
            )
        )
