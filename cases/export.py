"""Cases as CSV for a spreadsheet: stable columns, streamed, without citizens' contact details
(of any case); each case's reporting mode (Anonim, Rahasia), then the names of its status,
agency, category and service area in the reader's language, after the codes; last, when a case was
referred to a body outside the city government.

Times are the city's (CITY_TIMEZONE) with their offset, as staff read them everywhere else:
"2026-12-07T09:30:00+07:00" is the same instant in every tool that reads ISO 8601.

A million cases stream in constant memory: one query reads only the exported columns (with the
tracking codes of the cases a row names as duplicate and merged into), as tuples, through a
server-side cursor (PostgreSQL; SQLite steps its cursor as rows are fetched), `ROWS_PER_CHUNK`
at a time; names come from dictionaries built once; times are read as plain UTC and moved to the
city's zone by an offset known per day (`city_time`); each chunk of rows is joined into one
string handed on at once. Lines are joined by hand as the csv module's writer (excel dialect)
writes them: only cells that can hold a comma, a double quote or a line break (the resident's
words, codes, names) go through `text_cell`, each name once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from cases.enums import CLOCK_STATUSES, CaseStatus
from cases.labels import staff_status_name
from cases.models import Case
from cases.service import visible_cases
from core.db import UTCDateTime, utcnow
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


def _code_of(case_id: int | None) -> sa.ColumnElement[str | None]:
    """The tracking code of the case that `case_id` (a column of cases) names, None for none:
    looked up by its primary key only in a row that names one (a join would probe the index
    for every row)."""
    named, column = aliased(Case), col(case_id)
    code = select(named.tracking_code).where(named.id == column).scalar_subquery()
    return sa.case((column.is_not(None), code))


# what the export reads of a case, in the order `_lines` unpacks it
READ = (
    Case.tracking_code,
    Case.status,
    Case.agency_id,
    Case.category_id,
    Case.service_area_id,
    Case.source_channel,
    Case.language,
    Case.created_at,
    Case.due_at,
    Case.assigned_at,
    Case.in_progress_at,
    Case.resolved_at,
    Case.closed_at,
    Case.rejected_at,
    Case.latitude,
    Case.longitude,
    Case.address,
    _code_of(Case.duplicate_of_id),
    _code_of(Case.merged_into_id),
    Case.text,
    Case.anonymous,
    Case.confidential,
    Case.referred_at,
)
# rows fetched from the cursor at a time, and joined into one string handed to the server: a
# few hundred kilobytes, so neither a fetch nor a send is paid per row
ROWS_PER_CHUNK = 1000
# what makes Excel read the file as UTF-8 rather than the machine's code page (é, ñ, emoji)
BYTE_ORDER_MARK = "\ufeff"
# what makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTHING = ("", "")
# what csv.writer (excel dialect, QUOTE_MINIMAL) ends a line with
LINE_END = "\r\n"


def text_cell(value: str) -> str:
    """`value` as one cell of a line, as csv.writer writes it, and as a cell a spreadsheet
    shows and never runs: text starting like a formula gets a leading single quote (a
    resident's `=HYPERLINK(...)` stays words); text with a comma, a double quote or a line
    break is put in double quotes, its double quotes doubled."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    # what csv.writer (excel dialect, QUOTE_MINIMAL) quotes; four scans for a character cost
    # less than a regular expression's one
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _plain_utc(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[datetime]:
    """`column` (a UTCDateTime) read as a naive UTC datetime, without a Python call per value:
    SQLite stores it so; PostgreSQL converts it to a timestamp in UTC."""
    if dialect == "postgresql":
        return sa.func.timezone("UTC", column, type_=sa.DateTime()).label(column.key)
    return sa.type_coerce(column, sa.DateTime()).label(column.key)


def city_time(zone: ZoneInfo) -> Callable[[datetime | None], str]:
    """What writes a naive UTC datetime as `value.replace(tzinfo=UTC).astimezone(zone)
    .isoformat()` does ("" for None), without its cost per value: each UTC day's offset is
    worked out once; a day with a change of offset (summer time) is converted value by value."""
    offsets: dict[int, tuple[timedelta, str] | None] = {}
    day = timedelta(days=1)

    def exactly(value: datetime) -> str:
        return value.replace(tzinfo=UTC).astimezone(zone).isoformat()

    def offset_of(start: datetime) -> tuple[timedelta, str] | None:
        first = start.replace(tzinfo=UTC).astimezone(zone)
        last = (start + day - timedelta(microseconds=1)).replace(tzinfo=UTC).astimezone(zone)
        offset = first.utcoffset()
        if offset is None or offset != last.utcoffset():
            return None
        # the suffix isoformat() writes for this offset ("+07:00"; "+05:53:28" for old times)
        return offset, first.isoformat()[len(first.replace(tzinfo=None).isoformat()) :]

    def written(value: datetime | None) -> str:
        if value is None:
            return ""
        key = value.toordinal()
        if key not in offsets:
            offsets[key] = offset_of(datetime.combine(value.date(), datetime.min.time()))
        known = offsets[key]
        if known is None:
            return exactly(value)
        return (value + known[0]).isoformat() + known[1]

    return written


def _named(code: str, name: str) -> tuple[str, str]:
    return text_cell(code), text_cell(name)


def csv_chunks(
    session: Session,
    user: User,
    *,
    timezone: str,
    language: str,
    rows_per_chunk: int = ROWS_PER_CHUNK,
    **filters: object,
) -> Iterator[str]:
    """The header, then the cases `user` may see that match `filters` (`visible_cases`'),
    newest first, `rows_per_chunk` rows to a string; times in `timezone`, names in `language`,
    overdue as of when the export began; no text cell starts like a formula (`text_cell`).
    A bad filter raises before the header is made."""
    dialect = session.get_bind().dialect.name
    read = [
        _plain_utc(column, dialect) if isinstance(column.type, UTCDateTime) else column
        for column in READ
    ]
    query = (
        visible_cases(session, user, **filters)
        .with_only_columns(*read, maintain_column_froms=True)
        .order_by(col(Case.id).desc())
        .execution_options(yield_per=rows_per_chunk)
    )
    lines = _lines(session, ZoneInfo(timezone), language)
    yield ",".join(COLUMNS) + LINE_END
    for rows in session.connection().execute(query).partitions():
        yield lines(rows)


def _lines(session: Session, zone: ZoneInfo, language: str) -> Callable[[Sequence[Row]], str]:
    """What turns rows of `READ` into the export's lines, each ended by `LINE_END`; the
    catalogue's names looked up and made cells once."""
    en = language == "en"
    agencies = {
        a.id: _named(a.code, a.name_en if en else a.name) for a in session.exec(select(Agency))
    }
    categories = {
        c.id: _named(c.code, c.name_en if en else c.name) for c in session.exec(select(Category))
    }
    areas = {a.id: _named(a.code, a.name) for a in session.exec(select(ServiceArea))}
    statuses = {s.value: _named(s.value, staff_status_name(s, language)) for s in CaseStatus}
    # cases.service.is_overdue, on the plain UTC times read here
    running = {s.value for s in CLOCK_STATUSES}
    now = utcnow().replace(tzinfo=None)
    when = city_time(zone)

    def lines(rows: Sequence[Row]) -> str:
        written: list[str] = []
        append = written.append
        for (
            code,
            status,
            agency_id,
            category_id,
            area_id,
            channel,
            case_language,
            created,
            due,
            assigned,
            in_progress,
            resolved,
            closed,
            rejected,
            latitude,
            longitude,
            address,
            duplicate_of,
            merged_into,
            text,
            anonymous,
            confidential,
            referred,
        ) in rows:
            status_code, status_name = statuses[status]
            agency_code, agency_name = agencies.get(agency_id, NOTHING)
            category_code, category_name = categories.get(category_id, NOTHING)
            area_code, area_name = areas.get(area_id, NOTHING)
            append(
                ",".join(
                    (
                        text_cell(code),
                        status_code,
                        agency_code,
                        category_code,
                        area_code,
                        text_cell(channel),
                        text_cell(case_language),
                        when(created),
                        when(due),
                        "yes" if status in running and due is not None and due < now else "no",
                        when(assigned),
                        when(in_progress),
                        when(resolved),
                        when(closed),
                        when(rejected),
                        "" if latitude is None else str(latitude),
                        "" if longitude is None else str(longitude),
                        text_cell(address) if address else "",
                        "" if duplicate_of is None else text_cell(duplicate_of),
                        "" if merged_into is None else text_cell(merged_into),
                        text_cell(text),
                        "yes" if anonymous else "no",
                        "yes" if confidential else "no",
                        status_name,
                        agency_name,
                        category_name,
                        area_name,
                        when(referred),
                    )
                )
            )
        append("")
        return LINE_END.join(written)

    return lines
