"""What happens to cases with nobody touching them: auto-close, escalation, the overdue digest.

One idempotent pass (`run_followups`) does all three from what the database says at `now`, so
it can run every few minutes from any number of schedulers, late or twice, and a missed run is
caught up by the next. Each part commits on its own; rows are claimed with FOR UPDATE SKIP
LOCKED on PostgreSQL so two passes at once never act on the same case or officer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases.enums import CLOCK_STATUSES, CaseStatus, EventKind
from cases.lifecycle import record_event, transition
from cases.models import Case
from cases.notes import NoteCode, note
from cases.transitions import MoveName
from core.db import open_session
from core.i18n import N_, translator
from core.settings import Settings
from notifications.enums import MessageKind
from notifications.messages import written_message
from notifications.service import queue_staff_message
from routing.models import Agency, Category
from staff.enums import Role
from staff.models import User

log = logging.getLogger(__name__)

# escalation_level after each rung of the ladder
TO_AGENCY_HEAD, TO_SUPERVISORS = 1, 2


@dataclass(frozen=True)
class FollowupReport:
    closed: int
    escalated: int
    digests: int


def run_followups(
    engine: Engine, settings: Settings, now: datetime, dispatcher: object | None = None
) -> FollowupReport:
    def session() -> Session:
        return open_session(engine, dispatcher=dispatcher)

    with session() as s:
        closed = auto_close(s, settings, now)
        s.commit()
    with session() as s:
        escalated = escalate(s, settings, now)
        s.commit()
    with session() as s:
        digests = send_digests(s, settings, now)
        s.commit()
    report = FollowupReport(closed, escalated, digests)
    if closed or escalated or digests:
        log.info("follow-ups: %s", report)
    return report


def _claim(query: sa.Select) -> sa.Select:
    # SQLite has no row locks (and serialises writers anyway); SQLAlchemy leaves it out there
    return query.with_for_update(skip_locked=True)


def auto_close(session: Session, settings: Settings, now: datetime) -> int:
    """Close cases resolved `auto_close_days` ago that nobody reopened; the citizen is told."""
    cutoff = now - timedelta(days=settings.auto_close_days)
    cases = session.exec(
        _claim(
            select(Case).where(Case.status == CaseStatus.resolved, col(Case.resolved_at) <= cutoff)
        )
    ).all()
    for case in cases:
        transition(
            session,
            settings,
            case,
            MoveName.auto_close,
            internal_note=note(NoteCode.auto_closed, days=settings.auto_close_days),
        )
    return len(cases)


def _console_link(settings: Settings, code: str) -> str:
    return f"{settings.public_base_url}/console/cases/{code}"


def _escalation_recipients(session: Session, case: Case, level: int) -> list[User]:
    query = select(User).where(User.active, col(User.email).is_not(None))
    if level == TO_AGENCY_HEAD:
        query = query.where(User.agency_id == case.agency_id, User.agency_head)
    else:
        query = query.where(User.role == Role.supervisor)
    return list(session.exec(query.order_by(User.id)))


ESCALATION_TEXT = N_(
    "Aduan %(code)s (%(agency)s, %(category)s) terlambat %(hours)s jam dari target. %(rung)s\n"
    "Teks aduan: %(text)s\n\nBuka kasus: %(link)s"
)
RUNG = {
    TO_AGENCY_HEAD: N_("Dieskalasi ke kepala dinas."),
    TO_SUPERVISORS: N_("Dieskalasi ke supervisor kota."),
}
# the history entry of each rung, and of it when nobody could be told
RUNG_NOTE = {
    TO_AGENCY_HEAD: (NoteCode.escalated_to_head, NoteCode.escalated_to_head_no_email),
    TO_SUPERVISORS: (NoteCode.escalated_to_supervisors, NoteCode.escalated_to_supervisors_no_email),
}


def escalate(session: Session, settings: Settings, now: datetime) -> int:
    """Move overdue cases up the ladder: past the first margin to the agency head, past the
    second to the supervisors. Each rung is taken once; a case waiting on the citizen is not
    overdue and is left alone."""
    moved = 0
    for level, margin in enumerate(settings.escalation_hours, start=1):
        cases = session.exec(
            _claim(
                select(Case).where(
                    col(Case.status).in_(list(CLOCK_STATUSES)),
                    col(Case.due_at) < now - timedelta(hours=margin),
                    Case.escalation_level < level,
                    col(Case.agency_id).is_not(None),
                )
            )
        ).all()
        for case in cases:
            _escalate_one(session, settings, case, level, now)
            moved += 1
    return moved


def _escalate_one(
    session: Session, settings: Settings, case: Case, level: int, now: datetime
) -> None:
    language = settings.default_language
    hours = int((now - case.due_at).total_seconds() // 3600)
    case.escalation_level, case.escalated_at = level, now
    session.add(case)
    recipients = _escalation_recipients(session, case, level)
    code, no_email = RUNG_NOTE[level]
    record_event(
        session,
        case,
        EventKind.escalated,
        actor=None,
        internal_note=note(code, hours=hours, told=", ".join(u.username for u in recipients))
        if recipients
        else note(no_email, hours=hours),
    )
    agency = session.get(Agency, case.agency_id)
    category = session.get(Category, case.category_id) if case.category_id else None
    t = translator(language)
    body = t.gettext(
        ESCALATION_TEXT,
        code=case.tracking_code,
        agency=agency.code,
        category=(category.name_en if language == "en" else category.name) if category else "-",
        hours=hours,
        rung=t.gettext(RUNG[level]),
        text=case.text[:500],
        link=_console_link(settings, case.tracking_code),
    )
    message = written_message(
        MessageKind.escalation, language, reference=case.tracking_code, body=body
    )
    for user in recipients:
        queue_staff_message(session, user=user, case_id=case.id, message=message)


DIGEST_INTRO = N_("Kasus %(agency)s yang melewati target per %(day)s (%(count)s):")
DIGEST_LINE = N_("- %(code)s: %(category)s, terlambat %(hours)s jam. %(link)s")
DIGEST_OUTRO = N_("Pesan ini dikirim sekali sehari selama ada kasus terlambat.")
DIGEST_LIMIT = 200  # lines in one e-mail; the console's queue has the rest


def send_digests(session: Session, settings: Settings, now: datetime) -> int:
    """One e-mail a day per officer of an agency with overdue cases, from `digest_hour` on."""
    local = now.astimezone(ZoneInfo(settings.city_timezone))
    if local.hour < settings.digest_hour:
        return 0
    today = local.date()
    officers = session.exec(
        _claim(
            select(User).where(
                User.active,
                col(User.email).is_not(None),
                col(User.agency_id).is_not(None),
                sa.or_(col(User.digest_sent_on).is_(None), col(User.digest_sent_on) < today),
            )
        )
    ).all()
    by_agency: dict[int, list[User]] = defaultdict(list)
    for officer in officers:
        by_agency[officer.agency_id].append(officer)
    sent = 0
    for agency_id, staff in by_agency.items():
        overdue = session.exec(
            select(Case)
            .where(
                Case.agency_id == agency_id,
                col(Case.status).in_(list(CLOCK_STATUSES)),
                col(Case.due_at) < now,
            )
            .order_by(col(Case.due_at))
            .limit(DIGEST_LIMIT)
        ).all()
        if not overdue:
            continue  # nothing to say today; asked again at the next pass
        body = _digest_body(session, settings, agency_id, overdue, now, today.isoformat())
        message = written_message(
            MessageKind.overdue_digest,
            settings.default_language,
            reference=today.isoformat(),
            body=body,
        )
        for officer in staff:
            queue_staff_message(session, user=officer, case_id=None, message=message)
            officer.digest_sent_on = today
            session.add(officer)
            sent += 1
    return sent


def _digest_body(
    session: Session,
    settings: Settings,
    agency_id: int,
    cases: list[Case],
    now: datetime,
    day: str,
) -> str:
    t = translator(settings.default_language)
    agency = session.get(Agency, agency_id)
    english = settings.default_language == "en"
    categories = {
        c.id: c.name_en if english else c.name
        for c in session.exec(select(Category).where(Category.agency_id == agency_id))
    }
    name = agency.name_en if english else agency.name
    lines = [t.gettext(DIGEST_INTRO, agency=name, day=day, count=len(cases)), ""]
    for case in cases:
        lines.append(
            t.gettext(
                DIGEST_LINE,
                code=case.tracking_code,
                category=categories.get(case.category_id, "-"),
                hours=int((now - case.due_at).total_seconds() // 3600),
                link=_console_link(settings, case.tracking_code),
            )
        )
    return "\n".join([*lines, "", t.gettext(DIGEST_OUTRO)])
