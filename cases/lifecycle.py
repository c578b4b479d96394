"""Every change to a case goes through here: validate, stamp, record, tell the citizen and
the partners' webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from cases.calendar import due_at, load_calendar
from cases.citizen import tell_citizen
from cases.day_stats import count_change, passing_on, standing
from cases.enums import OPEN_STATUSES, CaseStatus, EventKind
from cases.errors import CaseError, NotAssignable, Refusal, UnknownAgency
from cases.models import Case, CaseEvent
from cases.notes import SystemNote
from cases.proof import attach_proof, check_proof
from cases.transitions import MOVES, Move, MoveName, Party, by_status, refusal
from cases.webhooks import raise_case_event
from core.db import utcnow
from core.media import StoredMedia
from core.settings import Settings
from notifications.enums import MessageKind
from routing.areas import area_for
from routing.models import Agency, Category, RoutingExample
from routing.service import RoutingDecision
from staff.enums import HOLDER_ROLES
from staff.models import User

STATUS_TIMESTAMP = {
    CaseStatus.assigned: "assigned_at",
    CaseStatus.in_progress: "in_progress_at",
    CaseStatus.resolved: "resolved_at",
    CaseStatus.closed: "closed_at",
    CaseStatus.rejected: "rejected_at",
    CaseStatus.referred: "referred_at",
}
# the statuses a case passes on its way, in order: one sent back to an earlier one loses the
# stamps of those after it, so each time is measured to the final pass (a reopened case's
# resolution, a forwarded case's start of work)
STAGES = (CaseStatus.assigned, CaseStatus.in_progress, CaseStatus.resolved, CaseStatus.closed)
NO_CHANGES: Mapping[str, Any] = MappingProxyType({})


def actor_name(user: User | None) -> str:
    return user.username if user else "system"


def record_event(
    session: Session,
    case: Case,
    kind: EventKind,
    *,
    actor: User | None,
    from_status: str | None = None,
    to_status: str | None = None,
    from_agency_id: int | None = None,
    to_agency_id: int | None = None,
    public_note: str | None = None,
    internal_note: str | SystemNote | None = None,
    actor_label: str | None = None,
) -> datetime:
    """Add an entry to `case`'s history, in the caller's transaction, and return the time it
    is stamped with. An internal note is a person's text, or a `SystemNote` the history words in
    its reader's language.

    A prebuilt Core INSERT rather than an ORM object: history is only ever appended to and
    never read back by the session that writes it, and a unit-of-work flush per event cost
    every complaint more than the INSERT itself.
    """
    row = event_row(
        case.id,
        kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        from_agency_id=from_agency_id,
        to_agency_id=to_agency_id,
        public_note=public_note,
        internal_note=internal_note,
        actor_label=actor_label,
    )
    session.connection().execute(_EVENT_INSERT, row)
    return row["created_at"]


def event_row(
    case_id: int | None,
    kind: EventKind,
    *,
    actor: User | None,
    from_status: str | None = None,
    to_status: str | None = None,
    from_agency_id: int | None = None,
    to_agency_id: int | None = None,
    public_note: str | None = None,
    internal_note: str | SystemNote | None = None,
    actor_label: str | None = None,
) -> dict[str, Any]:
    """The values of the history row `record_event` writes (`case_id` None: a statement that
    inserts the case too fills it in)."""
    system = internal_note if isinstance(internal_note, SystemNote) else None
    return {
        "case_id": case_id,
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "from_agency_id": from_agency_id,
        "to_agency_id": to_agency_id,
        "public_note": public_note or None,
        "internal_note": None if system else internal_note or None,
        "note_code": system.code if system else None,
        "note_params": dict(system.params) if system else None,
        "actor_user_id": actor.id if actor else None,
        "actor": actor_label or actor_name(actor),
        "created_at": utcnow(),
    }


_EVENT_INSERT = sa.insert(CaseEvent.__table__)


def mark_reviewed(case: Case, now: datetime) -> None:
    """Staff acted on `case`: from the first time, PUBLISH_POLICY=reviewed publishes it
    (cases/publishing.py)."""
    if case.reviewed_at is None:
        case.reviewed_at = now


def _restart_clock(session: Session, settings: Settings, case: Case, now: datetime) -> None:
    """Leaving `waiting`: the case keeps the working time it had left when it was paused.

    A case that was already late when it was paused stays late: waiting on the citizen
    does not forgive time the agency had already lost.
    """
    paused_at, case.paused_at = case.paused_at, None
    if case.due_at is None or paused_at is None or case.due_at <= paused_at:
        return
    calendar = load_calendar(session, settings)
    case.due_at = calendar.add_hours(now, calendar.hours_between(paused_at, case.due_at))


def check_move(case: Case, move: Move) -> None:
    """Refuse `move` (TransitionNotAllowed) unless the table allows it from `case`'s status."""
    current = CaseStatus(case.status)
    if current not in move.sources:
        raise refusal(move, current, case.tracking_code)


def transition(
    session: Session,
    settings: Settings,
    case: Case,
    name: MoveName,
    *,
    actor: User | None = None,
    public_note: str | None = None,
    internal_note: str | SystemNote | None = None,
    changes: Mapping[str, Any] = NO_CHANGES,
    photo_id: int | None = None,
) -> Case:
    """Make the move `name` on `case`, the only way its status changes: check the lifecycle
    table allows it, set the status and its timestamp, append the history entry and queue what
    the table says the citizen is told (with `public_note`, and the attachment `photo_id`), in
    the caller's transaction.

    `actor` is the staff member for a staff move, None for the citizen's and the system's.
    `changes` are the other columns the move sets (a forward's agency and new due time).
    """
    move = MOVES[name]
    check_move(case, move)
    if (actor is not None) != (move.by is Party.staff):
        raise ValueError(f"the move '{name}' is made by the {move.by}")
    current = CaseStatus(case.status)
    before = standing(case)
    now = utcnow()
    if current is CaseStatus.waiting:
        _restart_clock(session, settings, case, now)
    elif move.target is CaseStatus.waiting:
        case.paused_at = now
    from_agency_id = case.agency_id
    for column, value in changes.items():
        setattr(case, column, value)
    # after the changes: the status and its stamps are always the table's
    case.status = move.target
    case.updated_at = now
    if move.target in STATUS_TIMESTAMP:
        setattr(case, STATUS_TIMESTAMP[move.target], now)
    if move.target in STAGES:
        for later in STAGES[STAGES.index(move.target) + 1 :]:
            setattr(case, STATUS_TIMESTAMP[later], None)
    if actor is not None:  # staff have acted since the resident's last words
        case.citizen_noted_at = None
        mark_reviewed(case, now)
    session.add(case)
    moved = case.agency_id != from_agency_id
    passed_from, passed_to = (from_agency_id, case.agency_id) if moved else (None, None)
    stamp = record_event(
        session,
        case,
        move.event,
        actor=actor,
        from_status=current,
        to_status=move.target,
        from_agency_id=passed_from,
        to_agency_id=passed_to,
        public_note=public_note,
        internal_note=internal_note,
        actor_label=None if actor else move.by,
    )
    zone = ZoneInfo(settings.city_timezone)
    count_change(
        session,
        zone,
        before,
        standing(case),
        passing_on(move.event, passed_from, passed_to, stamp, zone),
    )
    if move.tells is not None:
        tell_citizen(session, settings, case, move.tells, note=public_note, photo_id=photo_id)
    raise_case_event(
        session,
        settings,
        case,
        move.event,
        from_status=current,
        from_agency_id=from_agency_id if moved else None,
        note=public_note,
        moved=moved,
    )
    return case


def move_to(
    session: Session,
    settings: Settings,
    case: Case,
    status: CaseStatus,
    *,
    actor: User,
    public_note: str | None = None,
    internal_note: str | None = None,
    photo: StoredMedia | None = None,
) -> Case:
    """Make the staff move that takes `case` to `status`; forward and merge need more than a
    status and have functions of their own.

    Resolving takes the officer's after-photo (`photo`, already stored), which the resident
    receives with the message; a category that requires one refuses a resolve without it.
    Other moves take no photo: one sent with them is not recorded.
    """
    current = CaseStatus(case.status)
    if current is CaseStatus.triage and status is CaseStatus.assigned:
        raise CaseError(
            "a case in triage is assigned by forwarding it to an agency",
            Refusal.triage_needs_forward,
        )
    move = by_status(current, status)
    photo_id = None
    if move.target is CaseStatus.resolved:
        check_proof(session, case, photo)
        if photo is not None:
            photo_id = attach_proof(session, case, photo)
    return transition(
        session,
        settings,
        case,
        move.name,
        actor=actor,
        public_note=public_note,
        internal_note=internal_note,
        photo_id=photo_id,
    )


def _category_for_forward(
    session: Session, case: Case, agency: Agency, category_code: str | None
) -> Category:
    """The category a forwarded case takes: the one asked for, else routing's best guess there."""
    categories = session.exec(
        select(Category)
        .where(Category.agency_id == agency.id, Category.active)
        .order_by(Category.id)
    ).all()
    if not categories:
        raise UnknownAgency(
            f"agency {agency.code} has no active categories",
            Refusal.agency_without_categories,
            agency=agency.code,
        )
    by_code = {c.code: c for c in categories}
    if category_code is not None:
        if category_code not in by_code:
            raise UnknownAgency(
                f"category '{category_code}' does not belong to {agency.code}; "
                f"choose one of: {', '.join(by_code)}",
                Refusal.category_not_in_agency,
                category=category_code,
                agency=agency.code,
                choices=tuple(by_code),
            )
        return by_code[category_code]
    suggestion = case.routing_suggestion or {}
    for alternative in suggestion.get("alternatives", []):
        if alternative.get("category") in by_code:
            return by_code[alternative["category"]]
    return categories[0]


def _new_agency(session: Session, case: Case, code: str, *, referral: bool) -> Agency:
    """The active agency (or, `referral`, referral body) `code` that `case` is handed to;
    refused when there is none, when it is the other kind, or when the case is with it already."""
    agency = session.exec(select(Agency).where(Agency.code == code, Agency.active)).first()
    if agency is None:
        raise UnknownAgency(f"unknown agency '{code}'", Refusal.unknown_agency, agency=code)
    if agency.is_referral and not referral:
        raise UnknownAgency(
            f"{agency.code} is a referral body outside the city: refer the case to it",
            Refusal.forward_to_referral,
            agency=agency.code,
        )
    if referral and not agency.is_referral:
        raise UnknownAgency(
            f"{agency.code} is a city agency: forward the case to it",
            Refusal.not_a_referral,
            agency=agency.code,
        )
    if agency.id == case.agency_id:
        raise CaseError(
            f"the case is already with {agency.code}",
            Refusal.already_with_agency,
            agency=agency.code,
        )
    return agency


def _learn(session: Session, case: Case, agency: Agency, category: Category) -> None:
    """A person just said where this complaint belongs: routing learns from it."""
    session.add(
        RoutingExample(
            text=case.text,
            agency_code=agency.code,
            category_code=category.code,
            source="triage" if case.status == CaseStatus.triage else "forward",
            case_id=case.id,
        )
    )


def forward(
    session: Session,
    settings: Settings,
    case: Case,
    *,
    agency_code: str,
    note: str | SystemNote,
    actor: User,
    category_code: str | None = None,
) -> Case:
    """Hand a case to another agency (or out of triage), with the reason as an internal note;
    its SLA clock starts again there. A referral body is referred to (`refer`), not forwarded to."""
    check_move(case, MOVES[MoveName.forward])  # before the agency and category are looked up
    agency = _new_agency(session, case, agency_code, referral=False)
    category = _category_for_forward(session, case, agency, category_code)
    _learn(session, case, agency, category)
    # the new agency's office for the case's place, if any; never the old agency's
    area = area_for(session, agency.id, case.latitude, case.longitude)
    transition(
        session,
        settings,
        case,
        MoveName.forward,
        actor=actor,
        internal_note=note,
        changes={
            "agency_id": agency.id,
            "category_id": category.id,
            "service_area_id": area.id if area else None,
            "assignee_id": None,  # the old agency's officer cannot work it any more
            "due_at": due_at(session, settings, utcnow(), category.sla_hours),
        },
    )
    return case


def refer(
    session: Session,
    settings: Settings,
    case: Case,
    *,
    agency_code: str,
    note: str | SystemNote,
    actor: User,
) -> Case:
    """Refer an open case to the referral body `agency_code` (outside the city government),
    with the reason as an internal note: the resident is told where to go (the body's name,
    channel and hotline) and the case ends as `referred`, with no SLA clock and no officer."""
    check_move(case, MOVES[MoveName.refer])
    body = _new_agency(session, case, agency_code, referral=True)
    category = _category_for_forward(session, case, body, None)
    _learn(session, case, body, category)
    transition(
        session,
        settings,
        case,
        MoveName.refer,
        actor=actor,
        internal_note=note,
        changes={
            "agency_id": body.id,
            "category_id": category.id,
            "service_area_id": None,
            "assignee_id": None,
            "due_at": None,
        },
    )
    return case


def keep_first_problem(
    session: Session, settings: Settings, case: Case, decision: RoutingDecision
) -> Case:
    """The citizen split a message of several problems that waits in triage: `case` goes to the
    agency routing placed its first problem with (`decision`, routed), its SLA clock starting
    there."""
    if decision.agency is None or decision.category is None:
        raise ValueError("the first problem must be routed to an agency")
    transition(
        session,
        settings,
        case,
        MoveName.split,
        changes={
            "agency_id": decision.agency.id,
            "category_id": decision.category.id,
            "service_area_id": decision.service_area_id,
            "due_at": due_at(session, settings, utcnow(), decision.category.sla_hours),
        },
    )
    return case


def add_note(
    session: Session,
    settings: Settings,
    case: Case,
    *,
    text: str,
    public: bool,
    actor: User | None,
) -> Case:
    """Record a note; a public one is also sent to the citizen."""
    case.updated_at = utcnow()
    if actor is not None:  # staff have answered the resident's last words
        case.citizen_noted_at = None
    session.add(case)
    record_event(
        session,
        case,
        EventKind.note,
        actor=actor,
        public_note=text if public else None,
        internal_note=None if public else text,
    )
    if public:
        tell_citizen(session, settings, case, MessageKind.public_note, note=text)
        raise_case_event(session, settings, case, EventKind.note, note=text)
    return case


def assign_officer(
    session: Session,
    case: Case,
    *,
    officer: User | None,
    actor: User,
) -> Case:
    """Put a case on one officer's desk (None clears it); internal, so the citizen is not told.

    Only an active officer or supervisor of the case's own agency can hold it: a case on the
    desk of someone who cannot open it would sit unseen.
    """
    if case.status not in OPEN_STATUSES:
        raise NotAssignable(
            f"a {case.status} case is not assigned to an officer",
            Refusal.case_not_open,
            status=CaseStatus(case.status),
        )
    if officer is not None and (
        officer.role not in HOLDER_ROLES
        or not officer.active
        or officer.agency_id is None
        or officer.agency_id != case.agency_id
    ):
        raise NotAssignable(
            f"{officer.username} is not an active officer of the case's agency",
            Refusal.not_a_holder,
            username=officer.username,
        )
    new_id = officer.id if officer else None
    if new_id == case.assignee_id:
        return case
    previous = session.get(User, case.assignee_id) if case.assignee_id else None
    case.assignee_id = new_id
    case.updated_at = utcnow()
    mark_reviewed(case, case.updated_at)
    session.add(case)
    record_event(
        session,
        case,
        EventKind.assignee_changed,
        actor=actor,
        internal_note=f"{actor_name(previous) if previous else '-'} -> "
        f"{officer.username if officer else '-'}",
    )
    return case
