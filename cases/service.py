"""Reading cases: who may see which, and the views each audience gets."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cases.codes import normalise_tracking_code
from cases.enums import CLOCK_STATUSES, OPEN_STATUSES, CaseStatus, EventKind
from cases.errors import Refusal, UnknownAgency
from cases.models import Announcement, Attachment, Case, CaseEvent, CaseSubscriber
from cases.notes import worded
from cases.publishing import is_public, public_photos, publication, published_note
from cases.reporter import delivery_views, reporter_view
from cases.schemas import (
    AgencyRef,
    AnnouncementRef,
    AttachmentView,
    CaseDetail,
    CasePage,
    CaseSummary,
    CategoryRef,
    DuplicateRef,
    EventView,
    Location,
    PublicCase,
    PublicEvent,
    PublicPhoto,
    ReferralRef,
    ServiceAreaRef,
    Suggestion,
)
from cases.search import SearchTerms, matching, newest_matches
from core.db import utcnow
from core.settings import Settings
from notifications.templates import where_to_go
from routing.models import Agency, Category, ServiceArea
from routing.service import RoutedAgency
from staff.enums import Role
from staff.models import User

EXCERPT_CHARS = 140


def find_by_code(session: Session, raw_code: str) -> Case | None:
    code = normalise_tracking_code(raw_code)
    if code is None:
        return None
    return session.exec(select(Case).where(Case.tracking_code == code)).first()


def can_work_on(user: User, case: Case) -> bool:
    """Supervisors work every case; officers only their own agency's; admins none."""
    if user.role == Role.supervisor:
        return True
    return (
        user.role == Role.officer
        and user.agency_id is not None
        and (case.agency_id == user.agency_id)
    )


def case_for_user(session: Session, user: User, raw_code: str) -> Case | None:
    """The case if this user may work on it; None hides whether it exists at all."""
    case = find_by_code(session, raw_code)
    if case is None or not can_work_on(user, case):
        return None
    return case


def is_overdue(case: Case) -> bool:
    return case.status in CLOCK_STATUSES and case.due_at is not None and case.due_at < utcnow()


def _agencies(session: Session) -> dict[int, Agency]:
    return {a.id: a for a in session.exec(select(Agency))}


def _categories(session: Session) -> dict[int, Category]:
    return {c.id: c for c in session.exec(select(Category))}


def visible_cases(
    session: Session,
    user: User,
    *,
    status: CaseStatus | None = None,
    agency_code: str | None = None,
    category_code: str | None = None,
    search: str | None = None,
    assignee_id: int | None = None,
    without_announced: bool = False,
) -> SelectOfScalar[Case]:
    """The cases `user` may see that match the filters, unordered: one place for the rules
    every listing (queue, API, export) shares. `search` is what staff typed (cases/search.py;
    SearchRefused when it cannot be searched). `without_announced` leaves out the cases linked
    to an agency's announcement (cases/announcements.py)."""
    query = select(Case)
    # the one agency the cases are kept to, if any (the search's index can narrow to it too)
    agency_id: int | None = None
    if user.role == Role.officer:
        query = query.where(Case.agency_id == user.agency_id)
        agency_id = user.agency_id
    if agency_code is not None:
        agency = session.exec(select(Agency).where(Agency.code == agency_code)).first()
        if agency is None:
            raise UnknownAgency(
                f"unknown agency '{agency_code}'", Refusal.unknown_agency, agency=agency_code
            )
        query = query.where(Case.agency_id == agency.id)
        agency_id = agency.id
    if status is not None:
        query = query.where(Case.status == status)
    if category_code is not None:
        query = query.where(
            col(Case.category_id).in_(select(Category.id).where(Category.code == category_code))
        )
    if search and search.strip():  # a blank search box narrows nothing
        query = matching(session, query, SearchTerms.read(search), agency_id=agency_id)
    if assignee_id is not None:
        query = query.where(Case.assignee_id == assignee_id)
    if without_announced:
        query = query.where(col(Case.announcement_id).is_(None))
    return query


# how a list of cases is ordered: newest first, most urgent first, most reported first
QueueOrder = Literal["newest", "urgent", "reported"]


def list_cases(
    session: Session,
    user: User,
    *,
    status: CaseStatus | None,
    agency_code: str | None,
    limit: int,
    cursor: int | None,
    category_code: str | None = None,
    search: str | None = None,
    order: QueueOrder = "newest",
    assignee_id: int | None = None,
    without_announced: bool = False,
) -> CasePage:
    """Newest first, keyset-paged on id so a deep page costs what the first does.

    `order="urgent"` sorts overdue cases first, then open ones by due date; `"reported"` the
    cases most residents reported or follow first (newest first among equals). Those pages go
    by offset, so `cursor` and `next_cursor` then count the cases already shown.
    """
    agencies = _agencies(session)
    query = visible_cases(
        session,
        user,
        status=status,
        agency_code=agency_code,
        category_code=category_code,
        search=search,
        assignee_id=assignee_id,
        without_announced=without_announced,
    )
    if order == "newest" and search and search.strip():
        rows = newest_matches(session, query, limit=limit + 1, cursor=cursor)
    else:
        query = query.limit(limit + 1)
        if order == "urgent":
            query = query.order_by(*_urgency_order()).offset(cursor or 0)
        elif order == "reported":
            query = query.order_by(col(Case.report_count).desc(), col(Case.id).desc())
            query = query.offset(cursor or 0)
        else:
            query = query.order_by(col(Case.id).desc())
            if cursor is not None:
                query = query.where(Case.id < cursor)
        rows = list(session.exec(query))
    more = len(rows) > limit
    rows = rows[:limit]
    categories = _categories(session)
    duplicates = tracking_codes(session, {c.duplicate_of_id for c in rows})
    assignees = usernames(session, {c.assignee_id for c in rows})
    items = [
        CaseSummary(
            tracking_code=c.tracking_code,
            status=c.status,
            kind=c.case_kind,
            agency=agencies[c.agency_id].code if c.agency_id else None,
            category=categories[c.category_id].code if c.category_id else None,
            source_channel=c.source_channel,
            excerpt=c.text[:EXCERPT_CHARS],
            created_at=c.created_at,
            due_at=c.due_at,
            overdue=is_overdue(c),
            duplicate_of=duplicates.get(c.duplicate_of_id),
            suggestions=suggestions(c) if c.status == CaseStatus.triage else [],
            assignee=assignees.get(c.assignee_id),
            nudges=c.nudges,
            citizen_noted_at=c.citizen_noted_at,
            report_count=c.report_count,
        )
        for c in rows
    ]
    by_offset = order != "newest"
    next_cursor = str((cursor or 0) + limit if by_offset else rows[-1].id) if more else None
    return CasePage(items=items, next_cursor=next_cursor)


def holds_every_word(text: sa.ColumnElement[str], words: list[str]) -> sa.ColumnElement[bool]:
    """`text` holds each of `words` (LIKE's wildcards in them taken literally), ignoring case."""
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]
    return sa.and_(*(text.ilike(f"%{w}%", escape="\\") for w in escaped))


def _urgency_order() -> tuple:
    """Overdue open cases, then other open ones, then the rest; each by due date."""
    is_open = col(Case.status).in_(list(OPEN_STATUSES))
    running = col(Case.status).in_(list(CLOCK_STATUSES))
    rank = sa.case((sa.and_(running, col(Case.due_at) < utcnow()), 0), (is_open, 1), else_=2)
    return rank, col(Case.due_at).asc().nulls_last(), col(Case.id).desc()


def tracking_codes(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Case.id, Case.tracking_code).where(col(Case.id).in_(wanted)))
    return dict(rows.all())


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Staff usernames by id: the one thing about an assignee every view may show."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.username).where(col(User.id).in_(wanted))).all())


def suggestions(case: Case) -> list[Suggestion]:
    """Routing's top guesses, kept from intake, for whoever assigns a case out of triage; for
    a message of several problems, each guess with the words about its problem."""
    kept = case.routing_suggestion or {}
    problem_of = {p["agency"]: p["text"] for p in kept.get("problems", [])}
    return [
        Suggestion(
            agency=a["agency"],
            category=a.get("category"),
            score=a.get("score", 0.0),
            problem=problem_of.get(a["agency"]),
        )
        for a in kept.get("alternatives", [])[:3]
        if a.get("agency")
    ]


def agency_ref(agency: Agency | RoutedAgency | None, language: str = "id") -> AgencyRef | None:
    """An agency as the public reads it, named in `language`."""
    if agency is None:
        return None
    return AgencyRef(code=agency.code, name=agency.name_en if language == "en" else agency.name)


def category_ref(category: Category | None, language: str = "id") -> CategoryRef | None:
    if category is None:
        return None
    name = category.name_en if language == "en" else category.name
    return CategoryRef(code=category.code, name=name)


def _service_area(session: Session, case: Case) -> ServiceArea | None:
    return session.get(ServiceArea, case.service_area_id) if case.service_area_id else None


def _events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
        )
    )


# what happens on the staff side of a case, never shown on the public status page
# (the resident's own later words are for the staff who must reply, like their contact)
STAFF_ONLY_EVENTS = frozenset(
    {
        EventKind.assignee_changed,
        EventKind.escalated,
        EventKind.rated,
        EventKind.citizen_note,
        EventKind.nudged,
        EventKind.text_edited,
        EventKind.hidden,
        EventKind.unhidden,
        EventKind.public_text_edited,
        EventKind.photo_published,
        EventKind.photo_withdrawn,
    }
)


def open_cases_of(contact_id: int) -> SelectOfScalar[Case]:
    """The query for a contact's open cases, newest first; callers narrow or limit it."""
    return (
        select(Case)
        .where(Case.contact_id == contact_id, col(Case.status).in_(list(OPEN_STATUSES)))
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
    )


def public_view(session: Session, case: Case, language: str, settings: Settings) -> PublicCase:
    """What anyone holding the tracking code may see, as cases.publishing allows: the status
    and public history always; the words and address unless Rahasia or hidden; the pin and
    approved photos only while the case is public. Staff names only where the city publishes
    them (PUBLIC_OFFICER_NAMES)."""
    published = publication(case, language)
    shown = is_public(settings, case)
    agencies = _agencies(session)
    events = [
        event
        for event in _events(session, case)
        if event.kind not in STAFF_ONLY_EVENTS
        and not (event.kind == EventKind.note and not event.public_note)
    ]
    officers = (
        full_names(session, {e.actor_user_id for e in events})
        if settings.public_officer_names
        else {}
    )
    history = [
        PublicEvent(
            at=event.created_at,
            kind=event.kind,
            status=event.to_status,
            agency=agency_ref(agencies.get(event.to_agency_id), language)
            if event.kind == EventKind.forwarded
            else None,
            note=published_note(event.public_note, language),
            officer=officers.get(event.actor_user_id),
        )
        for event in events
    ]
    area_id = published.service_area_id
    area = session.get(ServiceArea, area_id) if area_id is not None else None
    return PublicCase(
        tracking_code=case.tracking_code,
        status=case.status,
        kind=case.case_kind,
        agency=agency_ref(agencies.get(case.agency_id), language),
        category=category_ref(
            session.get(Category, case.category_id) if case.category_id else None, language
        ),
        service_area_name=area.name if area else None,
        due_at=case.due_at,
        created_at=case.created_at,
        updated_at=case.updated_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        merged_into=tracking_codes(session, {case.merged_into_id}).get(case.merged_into_id),
        anonymous=case.anonymous,
        confidential=case.confidential,
        history=history,
        shown_publicly=shown,
        text=published.text,
        address=published.address,
        latitude=published.latitude if shown else None,
        longitude=published.longitude if shown else None,
        photos=[
            PublicPhoto(
                id=photo.id,
                url=f"/track/{case.tracking_code}/photos/{photo.id}",
                proof=photo.proof,
            )
            for photo in public_photos(session, settings, case)
        ],
        report_count=case.report_count,
        referred_to=referral_ref(agencies.get(case.agency_id), language)
        if case.status == CaseStatus.referred
        else None,
    )


def referral_ref(body: Agency | None, language: str) -> ReferralRef | None:
    """A referral body as the public reads it, with how to reach it, in `language`; None for
    none, or for a city agency."""
    if body is None or not body.is_referral:
        return None
    english = language == "en"
    channel = (body.channel_en if english else body.channel) or ""
    return ReferralRef(
        code=body.code,
        name=body.name_en if english else body.name,
        where=where_to_go(language, channel, body.hotline),
    )


def full_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Staff members' full names by id, for the public pages of a city that publishes them;
    an account without one is left out (its username is for the staff only)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(wanted)))
    return {user_id: name for user_id, name in rows if name}


def _internal_note(event: CaseEvent, language: str) -> str | None:
    """What a staff member typed, or a note the history wrote itself, worded in `language`."""
    if event.note_code is None:
        return event.internal_note
    return worded(event.note_code, event.note_params, language)


def detail_view(session: Session, case: Case, language: str = "en") -> CaseDetail:
    """Everything staff may see of a case; the history's own notes are worded in `language`
    (the staff API's English unless a page asks for another)."""
    codes = tracking_codes(session, {case.duplicate_of_id, case.merged_into_id})
    agencies = _agencies(session)
    attachments = session.exec(
        select(Attachment).where(Attachment.case_id == case.id).order_by(col(Attachment.id))
    ).all()
    code_of = {a_id: a.code for a_id, a in agencies.items()}
    announcement = session.get(Announcement, case.announcement_id) if case.announcement_id else None
    return CaseDetail(
        tracking_code=case.tracking_code,
        status=case.status,
        kind=case.case_kind,
        text=case.text,
        language=case.language,
        source_channel=case.source_channel,
        agency=agency_ref(agencies.get(case.agency_id)),
        category=category_ref(
            session.get(Category, case.category_id) if case.category_id else None
        ),
        routing_confidence=case.routing_confidence,
        routing_suggestion=case.routing_suggestion,
        location=Location(latitude=case.latitude, longitude=case.longitude, address=case.address),
        service_area=ServiceAreaRef(code=area.code, name=area.name)
        if (area := _service_area(session, case))
        else None,
        contact=reporter_view(session, case),
        anonymous=case.anonymous,
        confidential=case.confidential,
        reporter_erased=case.reporter_erased_at is not None,
        created_at=case.created_at,
        updated_at=case.updated_at,
        due_at=case.due_at,
        overdue=is_overdue(case),
        assigned_at=case.assigned_at,
        in_progress_at=case.in_progress_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        rejected_at=case.rejected_at,
        duplicate_of=DuplicateRef(
            tracking_code=codes[case.duplicate_of_id], similarity=case.duplicate_score
        )
        if case.duplicate_of_id in codes
        else None,
        merged_into=codes.get(case.merged_into_id),
        announcement=AnnouncementRef(
            id=announcement.id,
            text=announcement.text,
            ends_at=announcement.ends_at,
            cancelled=announcement.cancelled_at is not None,
        )
        if announcement
        else None,
        followers=len(
            session.exec(select(CaseSubscriber.id).where(CaseSubscriber.case_id == case.id)).all()
        ),
        assignee=usernames(session, {case.assignee_id}).get(case.assignee_id),
        escalation_level=case.escalation_level,
        rating=case.rating,
        reviewed_at=case.reviewed_at,
        hidden_at=case.hidden_at,
        hidden_reason=case.hidden_reason,
        public_text=case.public_text,
        attachments=[
            AttachmentView(
                id=a.id,
                content_type=a.content_type,
                filename=a.filename,
                size=a.size,
                created_at=a.created_at,
                download_url=None
                if a.removed_at
                else f"/api/v1/cases/{case.tracking_code}/attachments/{a.id}",
                removed_at=a.removed_at,
                proof=a.proof,
                published_at=a.published_at,
            )
            for a in attachments
        ],
        history=[
            EventView(
                at=e.created_at,
                kind=e.kind,
                actor=e.actor,
                from_status=e.from_status,
                to_status=e.to_status,
                from_agency=code_of.get(e.from_agency_id),
                to_agency=code_of.get(e.to_agency_id),
                public_note=e.public_note,
                internal_note=_internal_note(e, language),
            )
            for e in _events(session, case)
        ],
        notifications=delivery_views(session, case),
    )
