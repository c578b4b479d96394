"""Retention: what the city stops keeping about cases that ended long ago.

Part of the periodic pass (`aduan scheduler`, or the web process's thread without Redis). A case
that ended (closed, merged or rejected: a final status, cases/transitions.py) more than
CONTACT_RETENTION_DAYS ago no longer names its reporter or followers: the same erasure a
resident can ask for (privacy/service.py), but only of that case's links. A contact keeps its
row while another case names it; one left with no case, or one that never filed any and has
not written for as long, is erased. MEDIA_RETENTION_DAYS after a case ended its files are
deleted from storage; the attachment rows stay, marked removed, so staff read that they were.

Idempotent and batched like the rest of the pass: each batch commits on its own, rows are
claimed with FOR UPDATE SKIP LOCKED on PostgreSQL so two passes at once share the work, and a
file is deleted before its row is marked, so a pass that dies in between deletes it again
(which is no error) next time. Logged as counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases.enums import CaseStatus
from cases.models import Attachment, Case, CaseSubscriber
from core.db import open_session
from core.settings import Settings
from core.storage import get_storage
from notifications.models import Contact
from privacy.service import Erasure, erase, erase_case_links, without_cases

log = logging.getLogger(__name__)

# cases, contacts or files one transaction takes: a pass over a backlog (the first run on an
# old database) commits as it goes instead of holding one long transaction
BATCH = 200


@dataclass(frozen=True)
class RetentionReport:
    cases: int  # cases that no longer name their reporter or followers
    contacts: int  # contact rows erased
    cancelled: int  # messages not yet sent to them, cancelled
    files: int  # attachment files deleted from storage


def run_retention(engine: Engine, settings: Settings, now: datetime) -> RetentionReport:
    """One pass of contact and media retention at `now`; safe to run late, twice, or at once."""
    cutoff = now - timedelta(days=settings.contact_retention_days)
    erased = Erasure()
    while True:
        with open_session(engine, dispatcher=None) as session:
            done = _erase_ended(session, settings, cutoff, now)
            session.commit()
        erased.add(done)
        if not (done.cases or done.subscriptions or done.contacts):
            break
    files = 0
    if settings.media_retention_days:
        media_cutoff = now - timedelta(days=settings.media_retention_days)
        while removed := _remove_media(engine, settings, media_cutoff, now):
            files += removed
    report = RetentionReport(erased.cases, erased.contacts, erased.cancelled, files)
    if report.cases or report.contacts or report.files:
        log.info("retention: %s", report)
    return report


def _claim(query: sa.Select, *tables: type) -> sa.Select:
    # SQLite has no row locks (and serialises writers anyway); SQLAlchemy leaves it out there
    return query.with_for_update(skip_locked=True, of=tables or None)


def _ended_before(cutoff: datetime) -> sa.ColumnElement[bool]:
    """A case that ended (a final status) at or before `cutoff`."""
    return sa.or_(
        sa.and_(Case.status == CaseStatus.closed, col(Case.closed_at) <= cutoff),
        sa.and_(Case.status == CaseStatus.rejected, col(Case.rejected_at) <= cutoff),
        sa.and_(Case.status == CaseStatus.referred, col(Case.referred_at) <= cutoff),
    )


def _cases_to_forget(session: Session, cutoff: datetime) -> list[int]:
    """A batch of cases that ended at or before `cutoff` and still name someone: their
    reporter (read off the partial indexes of such cases), or a follower."""
    ids: set[int] = set()
    for status, ended in (
        (CaseStatus.closed, Case.closed_at),
        (CaseStatus.rejected, Case.rejected_at),
        (CaseStatus.referred, Case.referred_at),
    ):
        query = select(Case.id).where(
            Case.status == status, col(Case.contact_id).is_not(None), col(ended) <= cutoff
        )
        ids.update(session.exec(_claim(query.limit(BATCH), Case)))
    followed = (
        select(CaseSubscriber.case_id)
        .join(Case, Case.id == CaseSubscriber.case_id)
        .where(_ended_before(cutoff))
        .limit(BATCH)
    )
    ids.update(session.exec(followed))
    return sorted(ids)


def _idle_contacts(session: Session, cutoff: datetime) -> list[int]:
    """A batch of contacts no case names and no subscription holds, that have not written
    since `cutoff` (a resident who only ever chatted, or whose cases were all forgotten)."""
    return list(
        session.exec(
            select(Contact.id)
            .where(
                sa.func.coalesce(Contact.last_inbound_at, Contact.created_at) <= cutoff,
                ~sa.exists().where(Case.contact_id == Contact.id),
                ~sa.exists().where(CaseSubscriber.contact_id == Contact.id),
            )
            .order_by(col(Contact.id))
            .limit(BATCH)
        )
    )


def _erase_ended(session: Session, settings: Settings, cutoff: datetime, now: datetime) -> Erasure:
    """One batch: the links of cases that ended before `cutoff`, then the contacts left with
    nothing of theirs kept (those a conversation holds right now are skipped, for a later pass)."""
    done, left = erase_case_links(session, _cases_to_forget(session, cutoff), now)
    candidates = sorted({*left, *_idle_contacts(session, cutoff)})
    if candidates:
        locked = session.exec(
            _claim(select(Contact.id).where(col(Contact.id).in_(candidates)))
        ).all()
        # read again under the lock: a case filed meanwhile keeps its contact
        gone = without_cases(session, locked)
        contacts = list(session.exec(select(Contact).where(col(Contact.id).in_(gone))))
        done.add(erase(session, settings, contacts, now))
    return done


def _remove_media(engine: Engine, settings: Settings, cutoff: datetime, now: datetime) -> int:
    """Delete one batch of files of cases that ended at or before `cutoff`; returns how many."""
    storage = get_storage(settings)
    with open_session(engine, dispatcher=None) as session:
        attachments = session.exec(
            _claim(
                select(Attachment)
                .join(Case, Case.id == Attachment.case_id)
                .where(col(Attachment.removed_at).is_(None), _ended_before(cutoff))
                .order_by(col(Attachment.id))
                .limit(BATCH),
                Attachment,
            )
        ).all()
        for attachment in attachments:
            storage.delete(attachment.storage_key)
            attachment.removed_at = now
            session.add(attachment)
        session.commit()
    return len(attachments)
