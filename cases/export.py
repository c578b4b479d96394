"""Cases as CSV for a spreadsheet: stable columns, streamed, without citizens' contact details
(of any case); each case's reporting mode (Anonim, Rahasia), then the names of its status,
agency, category and service area in the reader's language, after the codes; last, when a case was
referred to a body outside the city government.

Times are the city's (CITY_TIMEZONE) with their offset, as staff read them everywhere else:
"2026-12-07T09:30:00+07:00" is the same instant in every tool that reads ISO 8601."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from cases.labels import staff_status_name
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
    "status_name",
    "agency_name",
    "category_name",
    "service_area_name",
    # last, so that the columns before it keep their places for existing spreadsheets
    "referred_at",
)
BATCH = 500
# what makes Excel read the file as UTF-8 rather than the machine's code page (é, ñ, emoji)
BYTE_ORDER_MARK = "\ufeff"
# what makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat() if value else ""


def shown_as_text(value: object) -> object:
    """`value` as a cell a spreadsheet shows and never runs: text starting like a formula gets
    a leading single quote (a resident's `=HYPERLINK(...)` stays words). Numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(
    session: Session,
    user: User,
    *,
    timezone: str,
    language: str,
    batch: int = BATCH,
    **filters: object,
) -> Iterator[str]:
    """The header, then one line per case, newest first, read in keyset batches; times in
    `timezone`, names in `language`; no text cell starts like a formula (`shown_as_text`)."""
    zone = ZoneInfo(timezone)
    en = language == "en"
    agencies = {a.id: (a.code, a.name_en if en else a.name) for a in session.exec(select(Agency))}
    categories = {
        c.id: (c.code, c.name_en if en else c.name) for c in session.exec(select(Category))
    }
    areas = {a.id: (a.code, a.name) for a in session.exec(select(ServiceArea))}
    nothing = ("", "")
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
                    agencies.get(case.agency_id, nothing)[0],
                    categories.get(case.category_id, nothing)[0],
                    areas.get(case.service_area_id, nothing)[0],
                    case.source_channel,
                    case.language,
                    _when(case.created_at, zone),
                    _when(case.due_at, zone),
                    "yes" if is_overdue(case) else "no",
                    _when(case.assigned_at, zone),
                    _when(case.in_progress_at, zone),
                    _when(case.resolved_at, zone),
                    _when(case.closed_at, zone),
                    _when(case.rejected_at, zone),
                    "" if case.latitude is None else case.latitude,
                    "" if case.longitude is None else case.longitude,
                    case.address or "",
                    codes.get(case.duplicate_of_id, ""),
                    codes.get(case.merged_into_id, ""),
                    case.text,
                    "yes" if case.anonymous else "no",
                    "yes" if case.confidential else "no",
                    staff_status_name(case.status, language),
                    agencies.get(case.agency_id, nothing)[1],
                    categories.get(case.category_id, nothing)[1],
                    areas.get(case.service_area_id, nothing)[1],
                    _when(case.referred_at, zone),
                ]
            )
        last_id = batch[-1].id
