"""Open311 service requests and their updates, read: the public cases as `service_requests`
and their public history as mySociety's `service_requests_updates`.

A request's `service_request_id` is the case's tracking code. Its `status` is `open` (triage,
assigned, in progress, waiting for the resident) or `closed` (resolved, closed, or referred
to a body outside the city government, which `status_notes` then names); the detailed
status is the extension element `detailed_status` (one of cases.enums.CaseStatus, never
`rejected`: a rejected case is not public), and `status_notes` is the latest note staff wrote
to the resident, redacted; `media_url` is its first photo anyone may see (on the public case
page). An update's `status` is mySociety's word for the detailed status (`UPDATE_STATUSES`).

Everything here comes from cases.public_listing and cases.public_updates, which ask
cases.publishing what is public and what of it may be shown: Rahasia and hidden cases are
never listed, words are redacted, no reporter is named and no contact is shown.

Parameters a caller sends are checked here; a wrong one is an Open311Error 400 saying which.

What each call reads, on a million cases (tests/open311/test_query_plans.py):
- a page of requests: on PostgreSQL the partial index `ix_cases_public` backwards from the
  newest, stopping after the page (the window and filters drop rows as it goes; a window
  long past may instead read `ix_cases_created_at` for the window and sort it); SQLite reads
  the window's cases by `ix_cases_created_at` and sorts them. The spec's 90-day cap bounds
  both, and the numbered pages' offset. `q` filters the rows the window leaves (LIKE);
- then, for the page only, its cases' latest notes and first public photos, by case id;
- requests by id: the tracking codes' unique index;
- a page of updates: the partial index `ix_case_events_public_updates` by time, each entry's
  case by primary key, and for notes their cases' status entries by `ix_case_events_case_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from cases.codes import normalise_tracking_code
from cases.enums import OPEN_STATUSES, CaseStatus
from cases.public_listing import (
    BoundingBox,
    PublicFilterError,
    PublicFilters,
    public_cases,
    public_cases_by_code,
)
from cases.public_updates import latest_notes, public_updates
from cases.publishing import first_public_photos
from cases.schemas import PublicCaseItem
from core.db import utcnow
from core.settings import Settings
from open311.formats import Open311Error, parse_timestamp, timestamp

# the spec's window: requests filed in the last 90 days unless asked otherwise, and never more
WINDOW = timedelta(days=90)
PAGE_SIZE_MAX = 1000
PAGE_MAX = 10_000
CODES_MAX = 200
# mySociety's update statuses for ours (FixMyStreet reads them, in any case)
UPDATE_STATUSES: dict[str, str] = {
    CaseStatus.triage: "open",
    CaseStatus.assigned: "open",
    CaseStatus.in_progress: "in_progress",
    CaseStatus.waiting: "investigating",
    CaseStatus.resolved: "fixed",
    CaseStatus.closed: "closed",
    # handed to a body outside the city government (PLN, the police): closed for the city
    CaseStatus.referred: "closed",
}
STATUS_GROUPS = {"open": "open", "closed": "resolved"}


@dataclass(frozen=True)
class Page:
    """Which page of a list a caller asked for (the `page`/`page_size` extension)."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _positive(text: str | None, name: str, default: int, maximum: int) -> int:
    if text is None:
        return default
    if not text.strip().isdigit() or not 1 <= int(text) <= maximum:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {maximum}")
    return int(text)


def page(number: str | None, size: str | None) -> Page:
    """The page asked for: the first of PAGE_SIZE_MAX entries unless the caller says."""
    return Page(
        _positive(number, "page", 1, PAGE_MAX),
        _positive(size, "page_size", PAGE_SIZE_MAX, PAGE_SIZE_MAX),
    )


def window(start_date: str | None, end_date: str | None) -> tuple[datetime, datetime]:
    """The spec's time window from `start_date` and `end_date`: the last 90 days without
    either, 90 days from or up to the one given, never more than 90 days."""
    start = parse_timestamp(start_date, "start_date") if start_date else None
    end = parse_timestamp(end_date, "end_date") if end_date else None
    if start is None:
        end = end or utcnow()
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def _listed(text: str | None, name: str) -> list[str]:
    """The comma-separated values of parameter `name`; none when it is absent."""
    if text is None:
        return []
    values = [value.strip() for value in text.split(",") if value.strip()]
    if not values:
        raise Open311Error(400, f"{name} is empty; leave it out or give a value")
    if len(values) > CODES_MAX:
        raise Open311Error(400, f"{name} may list at most {CODES_MAX} values")
    return values


def _status_group(text: str | None) -> str | None:
    statuses = set(_listed(text, "status"))
    if statuses - set(STATUS_GROUPS):
        raise Open311Error(400, "status must be open, closed or both (comma separated)")
    return STATUS_GROUPS[statuses.pop()] if len(statuses) == 1 else None


@dataclass(frozen=True)
class RequestQuery:
    """What a caller asked `requests` for, as sent (each checked by `service_requests`)."""

    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    bbox: str | None = None
    q: str | None = None
    page: str | None = None
    page_size: str | None = None


def _request(
    item: PublicCaseItem, notes: dict[str, str], photos: dict[str, int], settings: Settings
) -> dict[str, object]:
    status = "open" if item.status in OPEN_STATUSES else "closed"
    zone, photo = settings.city_timezone, photos.get(item.tracking_code)
    photo_url = f"{settings.public_base_url}/track/{item.tracking_code}/photos/{photo}"
    return {
        "service_request_id": item.tracking_code,
        "status": status,
        # a referred case's notes name the body it went to, when staff wrote none
        "status_notes": notes.get(item.tracking_code)
        or (item.status_label if item.status == CaseStatus.referred else None),
        "service_name": item.category.name if item.category else None,
        "service_code": item.category.code if item.category else None,
        "description": item.text,
        "agency_responsible": item.agency.name if item.agency else None,
        "requested_datetime": timestamp(item.created_at, zone),
        "updated_datetime": timestamp(item.updated_at, zone),
        "address": item.address,
        "lat": item.latitude,
        "long": item.longitude,
        "media_url": photo_url if photo else None,
        "detailed_status": str(item.status),
    }


def _requests(
    session: Session, settings: Settings, items: list[PublicCaseItem], language: str
) -> list[dict[str, object]]:
    codes = [item.tracking_code for item in items]
    notes = latest_notes(session, codes, language=language)
    photos = first_public_photos(session, settings, codes)
    return [_request(item, notes, photos, settings) for item in items]


def service_requests(
    session: Session, settings: Settings, asked: RequestQuery, *, language: str
) -> list[dict[str, object]]:
    """The public cases a `requests` call asks for, newest first: those of
    `service_request_id` when given (the spec: it overrides every other parameter), else
    those filed in the window matching the filters, one page of them."""
    if asked.service_request_id is not None:
        codes = [normalise_tracking_code(c) for c in _listed(asked.service_request_id, "id")]
        found = public_cases_by_code(session, settings, [c for c in codes if c], language=language)
        return _requests(session, settings, found, language)
    start, end = window(asked.start_date, asked.end_date)
    numbered = page(asked.page, asked.page_size)
    try:
        filters = PublicFilters(
            categories=tuple(_listed(asked.service_code, "service_code")),
            status=_status_group(asked.status),  # type: ignore[arg-type]  # checked above
            filed_from=start,
            filed_until=end,
            bbox=BoundingBox.parse(asked.bbox) if asked.bbox is not None else None,
            words=asked.q,
        )
        found = public_cases(
            session,
            settings,
            filters,
            language=language,
            limit=numbered.size,
            offset=numbered.offset,
        ).items
    except PublicFilterError as exc:
        raise Open311Error(400, str(exc)) from None
    return _requests(session, settings, found, language)


def service_request(
    session: Session, settings: Settings, code: str, *, language: str
) -> list[dict[str, object]]:
    """The one public case with tracking code `code`, as a list of one; Open311Error 404
    when there is none, or it is not public (the answer is the same)."""
    normal = normalise_tracking_code(code)
    found = public_cases_by_code(session, settings, [normal], language=language) if normal else []
    if not found:
        raise Open311Error(404, f"service_request_id '{code[:20]}' not found")
    return _requests(session, settings, found, language)


def service_request_updates(
    session: Session,
    settings: Settings,
    *,
    start_date: str | None,
    end_date: str | None,
    page_number: str | None,
    page_size: str | None,
    language: str,
) -> list[dict[str, object]]:
    """mySociety's updates: every status change and note to the resident on a public case
    in the window (the spec's, as for requests), oldest first, one page of them."""
    start, end = window(start_date, end_date)
    numbered = page(page_number, page_size)
    updates = public_updates(
        session,
        settings,
        start=start,
        end=end,
        language=language,
        limit=numbered.size,
        offset=numbered.offset,
    )
    return [
        {
            "update_id": str(update.id),
            "service_request_id": update.tracking_code,
            "status": UPDATE_STATUSES[update.status],
            "updated_datetime": timestamp(update.at, settings.city_timezone),
            "description": update.note or "",
            "media_url": None,
        }
        for update in updates
    ]
