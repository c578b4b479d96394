"""What of a case may be published, and whether it is published at all: the one rule every
public page, feed, map and open-data export asks, so that none of them decides it on its own.

Whether a case is public (`is_public`, and `public_condition` as SQL for the listings, built
from the same settings so that the page, the list, the map and the feeds never disagree):

- never a Rahasia (`confidential`) case, nor one staff hid (`hidden_at`), nor one merged into
  another (its original stands for it: one problem, one pin), nor a rejected one (not a
  matter the city acts on; often not a complaint at all);
- never anything with PUBLISH_POLICY=never;
- with `immediate`, every other case from the moment it is filed;
- with `reviewed` (the default), every other case once staff acted on it (`reviewed_at`:
  stamped the first time a staff member moves its status, forwards it (out of triage too),
  puts it on an officer's desk, approves one of its photos or writes its public text). A
  case routing placed by itself is not reviewed until then.

The code holder's status page still shows a case that is not public: its status and history,
and its words and address unless it is Rahasia or hidden; never its pin or photos.

- A Rahasia (`confidential`) case publishes none of its words, photos or place: no text, no
  address, no coordinates, no service area (it names the place), no photos. It still counts in
  a statistic of its agency as a whole, never in one finer than that (per area, per street).
- Any other case publishes its words with the personal data in them hidden (cases/redaction.py):
  phone numbers, e-mail addresses, NIK/KK numbers and number plates. The words are kept as
  written for the staff.
- What an officer writes to the resident (a public note) is shown with the same data hidden,
  whatever the mode: anyone holding the tracking code reads it.

Nothing here ever names the reporter: no public view carries a contact (cases/reporter.py is
where staff views decide that).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.enums import CaseStatus
from cases.models import PUBLIC_CANDIDATE_SQL, Attachment, Case
from cases.redaction import redact
from core.settings import Settings


@dataclass(frozen=True)
class Publication:
    """The parts of one case a public view may show; None (or False) where it may not."""

    text: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    service_area_id: int | None
    photos: bool


def is_public(settings: Settings, case: Case) -> bool:
    """Whether `case` shows on the public map, list and feeds, with its pin and photos."""
    if settings.publish_policy == "never":
        return False
    if (
        case.confidential
        or case.hidden_at is not None
        or case.merged_into_id is not None
        or case.status == CaseStatus.rejected
    ):
        return False
    return settings.publish_policy == "immediate" or case.reviewed_at is not None


def public_condition(settings: Settings) -> sa.ColumnElement[bool]:
    """`is_public` as a condition on the `cases` table, for queries that list public cases.

    The policy-independent part is the text of the partial index `ix_cases_public`, word for
    word, so that the planner can prove the index applies.
    """
    if settings.publish_policy == "never":
        return sa.false()
    candidate = sa.text(PUBLIC_CANDIDATE_SQL)
    if settings.publish_policy == "immediate":
        return sa.and_(candidate)
    return sa.and_(candidate, col(Case.reviewed_at).is_not(None))


def public_photos(session: Session, settings: Settings, case: Case) -> list[Attachment]:
    """The photos of `case` anyone may see, oldest first: none unless the case is public;
    of a public case, the images staff approved and the officers' after-photos (proof of the
    fix), that retention has not deleted.

    The one place that decides it: the public page lists these and the public photo route
    serves only these.
    """
    if not is_public(settings, case) or not publication(case, "id").photos:
        return []
    query = select(Attachment).where(Attachment.case_id == case.id, _shown_photo())
    return list(session.exec(query.order_by(col(Attachment.id))))


def _shown_photo() -> sa.ColumnElement[bool]:
    """A photo of a public case that anyone may see (`public_photos`)."""
    return sa.and_(
        sa.or_(col(Attachment.published_at).is_not(None), col(Attachment.proof)),
        col(Attachment.removed_at).is_(None),
        col(Attachment.content_type).startswith("image/"),
    )


def first_public_photos(session: Session, settings: Settings, codes: list[str]) -> dict[str, int]:
    """The id of the oldest photo anyone may see of each public case among the tracking codes
    `codes`, as `public_photos` decides it; a case without one is left out. Reads each case's
    attachments by `ix_attachments_case_id`."""
    if not codes:
        return {}
    query = (
        select(Case.tracking_code, sa.func.min(Attachment.id))
        .join(Attachment, col(Attachment.case_id) == Case.id)
        .where(
            col(Case.tracking_code).in_(codes),
            public_condition(settings),
            _shown_photo(),
        )
        .group_by(col(Case.tracking_code))
    )
    return dict(session.exec(query).all())


def published_place(case: Case) -> tuple[float, float] | None:
    """Where a public view may place `case` (latitude, longitude): nowhere for a Rahasia or
    hidden case, or one given without a place. What `publication` says, without its words."""
    if case.confidential or case.hidden_at is not None:
        return None
    if case.latitude is None or case.longitude is None:
        return None
    return case.latitude, case.longitude


def publication(case: Case, language: str) -> Publication:
    """What of `case` may be published, its words worded for readers of `language` (the
    bracketed words that stand in for hidden data). A hidden case publishes no more than a
    Rahasia one; staff's rewritten public text, when there is one, stands for the resident's."""
    if case.confidential or case.hidden_at is not None:
        return Publication(None, None, None, None, None, photos=False)
    return Publication(
        text=redact(case.public_text or case.text, language),
        address=redact(case.address, language) if case.address else None,
        latitude=case.latitude,
        longitude=case.longitude,
        service_area_id=case.service_area_id,
        photos=True,
    )


def published_note(note: str | None, language: str) -> str | None:
    """An officer's note to the resident as a public view shows it."""
    return redact(note, language) if note else note
