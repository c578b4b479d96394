"""The public cases: the one query behind the public map, list, JSON feed and Atom feeds.

Only cases cases.publishing says are public, each with only what it allows, newest first,
keyset-paged on the case id: a page below a cursor reads the partial index `ix_cases_public`
(the id of every case that may be public, whatever the policy) backwards from the cursor, so a
deep page costs what the first does. Filters narrow the rows the index walk returns. The map,
when too far out for markers, counts the same filtered cases per cell of a grid
(cases/public_map.py).
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cases.codes import track_url
from cases.enums import OPEN_STATUSES, CaseStatus
from cases.labels import case_kind_name
from cases.models import Case
from cases.publishing import public_condition, publication, published_place
from cases.schemas import PublicCaseItem, PublicCasePage, PublicMarker, PublicMarkerPage
from cases.service import agency_ref, category_ref, holds_every_word
from core.settings import Settings
from notifications.templates import status_label
from routing.models import Agency, Category, ServiceArea

StatusGroup = Literal["open", "resolved"]
STATUS_GROUPS: dict[str, frozenset[CaseStatus]] = {
    "open": frozenset(OPEN_STATUSES),
    "resolved": frozenset({CaseStatus.resolved, CaseStatus.closed}),
}
LIMIT_MAX = 500
# what a marker is made of (and what cases.publishing.published_place reads)
MARKER_COLUMNS = tuple(
    col(column)
    for column in (
        Case.tracking_code,
        Case.status,
        Case.agency_id,
        Case.category_id,
        Case.latitude,
        Case.longitude,
        Case.report_count,
        Case.confidential,
        Case.hidden_at,
    )
)
# the largest id a row can have (ids are 32-bit integers)
ROW_ID_MAX = 2**31 - 1


class PublicFilterError(ValueError):
    """A filter of the public listing that cannot be applied; the message says why."""


@dataclass(frozen=True)
class BoundingBox:
    """A rectangle of the map in degrees (WGS84), west to east and south to north."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> BoundingBox:
        """`minlon,minlat,maxlon,maxlat` as map libraries write it (Leaflet's toBBoxString)."""
        parts = text.split(",")
        try:
            values = [float(part) for part in parts]
        except ValueError:
            values = []
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise PublicFilterError("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
        box = cls(*values)
        if not (
            -180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90
        ):
            raise PublicFilterError(
                "bbox must be minlon,minlat,maxlon,maxlat with longitudes in -180..180, "
                "latitudes in -90..90 and each minimum at most its maximum"
            )
        return box


@dataclass(frozen=True)
class PublicFilters:
    """What a reader narrowed the public cases to; None (or empty) is no filter. Codes are the
    catalogue's (agency, category, service area); dates are the city's calendar days,
    datetimes instants."""

    agency: str | None = None
    category: str | None = None
    area: str | None = None
    status: StatusGroup | None = None
    created_from: date | None = None
    created_to: date | None = None
    since: datetime | None = None
    bbox: BoundingBox | None = None
    # any of these categories (on top of `category`); filed from / until these instants
    categories: tuple[str, ...] = ()
    filed_from: datetime | None = None
    filed_until: datetime | None = None
    # every one of these words in the words the public reads (see `published_words`)
    words: str | None = None
    # only cases with a place (the map's markers)
    located: bool = False


def encode_cursor(case_id: int) -> str:
    """The opaque cursor of the page after the case `case_id`."""
    return base64.urlsafe_b64encode(f"c{case_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The case id a cursor of `encode_cursor` holds; PublicFilterError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    digits = raw[1:]
    if not raw.startswith("c") or not digits.isdigit() or not 0 < int(digits) <= ROW_ID_MAX:
        raise PublicFilterError("cursor is not one this service gave out; start again without it")
    return int(digits)


def _day_start(settings: Settings, day: date, days_later: int = 0) -> datetime:
    """Midnight in the city at the start of `day` (plus `days_later`), in UTC."""
    try:
        start = datetime.combine(day + timedelta(days=days_later), time(0))
        return start.replace(tzinfo=ZoneInfo(settings.city_timezone)).astimezone(UTC)
    except OverflowError:
        raise PublicFilterError(f"date {day.isoformat()} is out of range") from None


def _code_id(session: Session, model: type, code: str, what: str) -> list[int]:
    ids = list(session.exec(select(model.id).where(model.code == code)))
    if not ids:
        raise PublicFilterError(f"unknown {what} '{code[:40]}'")
    return ids


def filtered_public_cases(
    session: Session, settings: Settings, filters: PublicFilters
) -> SelectOfScalar[Case]:
    """The public cases matching `filters`, unordered: what the listing pages and the map
    counts; PublicFilterError for an unknown code or words that could only find hidden data."""
    query = select(Case).where(public_condition(settings))
    if filters.agency is not None:
        query = query.where(
            col(Case.agency_id).in_(_code_id(session, Agency, filters.agency, "agency"))
        )
    if filters.category is not None:
        ids = _code_id(session, Category, filters.category, "category")
        query = query.where(col(Case.category_id).in_(ids))
    if filters.categories:
        ids = [i for c in filters.categories for i in _code_id(session, Category, c, "category")]
        query = query.where(col(Case.category_id).in_(ids))
    if filters.area is not None:
        ids = _code_id(session, ServiceArea, filters.area, "area")
        query = query.where(col(Case.service_area_id).in_(ids))
    if filters.status is not None:
        query = query.where(col(Case.status).in_(sorted(STATUS_GROUPS[filters.status])))
    if filters.created_from is not None:
        query = query.where(Case.created_at >= _day_start(settings, filters.created_from))
    if filters.created_to is not None:
        end = _day_start(settings, filters.created_to, days_later=1)
        query = query.where(Case.created_at < end)
    if filters.filed_from is not None:
        query = query.where(Case.created_at >= filters.filed_from)
    if filters.filed_until is not None:
        query = query.where(Case.created_at <= filters.filed_until)
    if filters.words is not None:
        query = query.where(published_words(filters.words))
    if filters.since is not None:
        since = filters.since if filters.since.tzinfo else filters.since.replace(tzinfo=UTC)
        query = query.where(Case.updated_at >= since)
    if filters.located:
        query = query.where(col(Case.latitude).is_not(None), col(Case.longitude).is_not(None))
    if (box := filters.bbox) is not None:
        query = query.where(
            col(Case.latitude).is_not(None),
            col(Case.latitude).between(box.min_lat, box.max_lat),
            col(Case.longitude).between(box.min_lon, box.max_lon),
        )
    return query


def public_cases(
    session: Session,
    settings: Settings,
    filters: PublicFilters,
    *,
    language: str,
    limit: int,
    cursor: str | None = None,
    offset: int = 0,
) -> PublicCasePage:
    """One page of the public cases matching `filters`, newest first, worded in `language`,
    below `cursor` or after the first `offset` (numbered pages cost what they skip: keep them
    to a bounded window of time); PublicFilterError for an unknown code, a bad cursor, an
    impossible box or words that could only find hidden data."""
    rows, next_cursor = _page(session, settings, filters, limit, cursor, offset)
    return PublicCasePage(
        items=public_items(session, settings, rows, language), next_cursor=next_cursor
    )


def public_markers(
    session: Session,
    settings: Settings,
    filters: PublicFilters,
    *,
    language: str,
    limit: int,
    cursor: str | None = None,
) -> PublicMarkerPage:
    """The page `public_cases` gives, located cases only, as the map's markers: no words, so
    none to redact (most of a page's time)."""
    located = replace(filters, located=True)
    rows, next_cursor = _page(session, settings, located, limit, cursor, 0, MARKER_COLUMNS)
    categories = {c.id: c for c in session.exec(select(Category))}
    name = Agency.name_en if language == "en" else Agency.name
    agencies = dict(session.exec(select(Agency.id, name)).all())
    items = []
    for case in rows:
        place = published_place(case)
        if place is None:
            continue
        items.append(
            PublicMarker(
                tracking_code=case.tracking_code,
                status=case.status,
                status_label=status_label(language, case.status, agencies.get(case.agency_id)),
                category=category_ref(categories.get(case.category_id), language),
                latitude=place[0],
                longitude=place[1],
                url=f"{track_url(settings, case.tracking_code)}?lang={language}",
                report_count=case.report_count,
            )
        )
    return PublicMarkerPage(items=items, next_cursor=next_cursor)


def _page(
    session: Session,
    settings: Settings,
    filters: PublicFilters,
    limit: int,
    cursor: str | None,
    offset: int,
    only: tuple[sa.ColumnElement, ...] = (),
) -> tuple[list[Case], str | None]:
    """One page of the public cases matching `filters`, newest first, and the next's cursor;
    with `only`, the cases hold just those columns."""
    query = filtered_public_cases(session, settings, filters)
    if cursor is not None:
        query = query.where(Case.id < decode_cursor(cursor))
    query = query.order_by(col(Case.id).desc()).offset(offset).limit(limit + 1)
    if filters.bbox is not None:
        # the page's ids first, from ix_cases_public_place alone (it holds them), then only
        # those rows: a busy street's box holds thousands of cases, a page only `limit`
        ids = query.with_only_columns(col(Case.id)).scalar_subquery()
        query = select(Case).where(col(Case.id).in_(ids)).order_by(col(Case.id).desc())
    if only:
        query = query.options(load_only(*only))
    rows = list(session.exec(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None


def published_words(words: str) -> sa.ColumnElement[bool]:
    """Cases whose public words (staff's public text, or else the resident's) hold every word
    of `words`, ignoring case; PublicFilterError for a word with a digit or an @, which could
    only confirm what redaction hides (a phone number, an e-mail address, a NIK).

    A plain LIKE (the staff search's index, cases/search.py, holds notes the public may not
    read): it reads the rows the rest of the query leaves, so callers bound it (a window of
    time)."""
    split = words.split()
    if not split:
        raise PublicFilterError("give at least one word to search for")
    if any(any(c.isdigit() or c == "@" for c in word) for word in split):
        raise PublicFilterError("search words cannot hold digits or @; search for words")
    return holds_every_word(sa.func.coalesce(col(Case.public_text), col(Case.text)), split)


def public_cases_by_code(
    session: Session, settings: Settings, codes: list[str], *, language: str
) -> list[PublicCaseItem]:
    """The public cases among the tracking codes `codes` (at most a few hundred), newest
    first; a code of a case that is not public, or of none, is left out."""
    query = select(Case).where(public_condition(settings), col(Case.tracking_code).in_(codes))
    rows = list(session.exec(query.order_by(col(Case.id).desc())))
    return public_items(session, settings, rows, language)


def public_items(
    session: Session, settings: Settings, cases: list[Case], language: str
) -> list[PublicCaseItem]:
    """Public cases as the listings show them: each with what cases.publishing allows."""
    agencies = {a.id: a for a in session.exec(select(Agency))}
    categories = {c.id: c for c in session.exec(select(Category))}
    # the names only: a service area's row also holds its whole boundary
    areas = dict(session.exec(select(ServiceArea.id, ServiceArea.name)).all())
    items = []
    for case in cases:
        shown = publication(case, language)
        agency, category = agencies.get(case.agency_id), categories.get(case.category_id)
        named = agency_ref(agency, language)
        items.append(
            PublicCaseItem(
                tracking_code=case.tracking_code,
                status=case.status,
                status_label=status_label(language, case.status, named.name if named else None),
                kind=case.case_kind,
                kind_label=case_kind_name(case.case_kind, language),
                agency=named,
                category=category_ref(category, language),
                area=areas.get(shown.service_area_id),
                text=shown.text,
                address=shown.address,
                latitude=shown.latitude,
                longitude=shown.longitude,
                created_at=case.created_at,
                updated_at=case.updated_at,
                url=f"{track_url(settings, case.tracking_code)}?lang={language}",
                report_count=case.report_count,
            )
        )
    return items
