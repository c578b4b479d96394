"""Cases as CSV for a spreadsheet: stable columns, streamed, without citizens' contact details
(of any case); each case's reporting mode (Anonim, Rahasia) in the last two columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from cases.models import Case
from cases.service import is_overdue, visible_cases
from routing.models import Agency, Category, ServiceArea
from staff.models import User

# appending is fine; renaming or reordering breaks every spreadsheet built on the export
COLUMNS = (
    "tracking_code",
    "status",
    "agency",
    "category",
    "service_area",
    "source_channel",
    "language",
    "created_at",
    "due_at",
    "overdue",
    "assigned_at",
    "in_progress_at",
    "resolved_at",
    "closed_at",
    "rejected_at",
    "latitude",
    "longitude",
    "address",
    "duplicate_of",
    "merged_into",
    "text",
    "anonymous",
    "confidential",
)
BATCH = 500
# what makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def shown_as_text(value: object) -> object:
    """`value` as a cell a spreadsheet shows and never runs: text starting like a formula gets
    a leading single quote (a resident's `=HYPERLINK(...)` stays words). Numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(
    session: Session, user: User, *, batch: int = BATCH, **filters: object
) -> Iterator[str]:
    """The header, then one line per case, newest first, read in keyset batches; no text cell
    starts like a formula (`shown_as_text`)."""
    agencies = {a.id: a.code for a in session.exec(select(Agency))}
    categories = {c.id: c.code for c in session.exec(select(Category))}
    areas = {a.id: a.code for a in session.exec(select(ServiceArea))}
    query = visible_cases(session, user, **filters).order_by(col(Case.id).desc()).limit(batch)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([shown_as_text(value) for value in values])
        return buffer.getvalue()

    yield line(list(COLUMNS))
    last_id: int | None = None
    while True:
        batch = list(session.exec(query if last_id is None else query.where(Case.id < last_id)))
        if not batch:
            return
        codes = dict(
            session.exec(
                select(Case.id, Case.tracking_code).where(
                    col(Case.id).in_(
                        {c.duplicate_of_id for c in batch} | {c.merged_into_id for c in batch}
                    )
                )
            ).all()
        )
        for case in batch:
            yield line(
                [
                    case.tracking_code,
                    case.status,
                    agencies.get(case.agency_id, ""),
                    categories.get(case.category_id, ""),
                    areas.get(case.service_area_id, ""),
                    case.source_channel,
                    case.language,
                    _when(case.created_at),
                    _when(case.due_at),
                    "yes" if is_overdue(case) else "no",
                    _when(case.assigned_at),
                    _when(case.in_progress_at),
                    _when(case.resolved_at),
                    _when(case.closed_at),
                    _when(case.rejected_at),
                    "" if case.latitude is None else case.latitude,
                    "" if case.longitude is None else case.longitude,
                    case.address or "",
                    codes.get(case.duplicate_of_id, ""),
                    codes.get(case.merged_into_id, ""),
                    case.text,
                    "yes" if case.anonymous else "no",
                    "yes" if case.confidential else "no",
                ]
            )
        last_id = batch[-1].id
