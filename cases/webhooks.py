"""The events a case's life and an agency's announcements raise for partners' webhook
endpoints (notifications/webhooks.py queues and delivers them), and what each event carries.

`raise_case_event` is called where each change happens: `cases.lifecycle.transition` (a status
change, a forward, a merge), `cases.lifecycle.add_note` (a public note), the intake's filing (a
new case); `raise_announcement` where an announcement is posted.

`data` (schema_version 1) of a case event:

- `case`: `tracking_code`, `status`, `agency` and `category` (codes, None in triage), `url` (its
  public tracking page), `created_at`, `updated_at`, `report_count`, `confidential`, and its
  words and place: `text`, `address`, `latitude`, `longitude`;
- `change`: `from_status`, `to_status`, `from_agency`, `to_agency` (where a forward or a
  referral handed the case), `note` (an officer's words to the resident), `merged_into` (a
  tracking code), each None where the event has none;
- `reporter`: `channel`, `address`, `name`, or None.

An untrusted endpoint is sent what the public side shows (cases/publishing.py): the case's
words with personal data hidden, no words or place of a Rahasia case, coordinates only of a
case on the public map, no event at all about a hidden case, and never a `reporter`. A trusted
endpoint is sent the case as staff keep it, its reporter's contact too, except an Anonim
reporter's, which no one is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from cases.codes import track_url
from cases.enums import EventKind
from cases.models import Announcement, Case
from cases.publishing import is_public, publication, published_note
from core.settings import Settings
from notifications.models import Contact
from notifications.webhooks import Event, for_agency, listening, queue_event, subscribed
from routing.models import Agency, Category

EVENTS = {
    EventKind.created: Event.case_created,
    EventKind.status_changed: Event.case_status_changed,
    EventKind.forwarded: Event.case_forwarded,
    EventKind.merged: Event.case_merged,
    EventKind.note: Event.case_note_public,
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _agency_code(session: Session, agency_id: int | None) -> str | None:
    agency = session.get(Agency, agency_id) if agency_id else None
    return agency.code if agency else None


def _case(session: Session, settings: Settings, case: Case, *, trusted: bool) -> dict:
    category = session.get(Category, case.category_id) if case.category_id else None
    if trusted:
        words = {
            "text": case.text,
            "address": case.address,
            "latitude": case.latitude,
            "longitude": case.longitude,
        }
    else:
        shown = publication(case, case.language)
        on_map = is_public(settings, case)
        words = {
            "text": shown.text,
            "address": shown.address,
            "latitude": shown.latitude if on_map else None,
            "longitude": shown.longitude if on_map else None,
        }
    return {
        "tracking_code": case.tracking_code,
        "status": case.status,
        "agency": _agency_code(session, case.agency_id),
        "category": category.code if category else None,
        "url": track_url(settings, case.tracking_code),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "report_count": case.report_count,
        "confidential": case.confidential,
        **words,
    }


def _reporter(session: Session, case: Case) -> dict | None:
    """The reporter's contact, for trusted endpoints; never an Anonim reporter's."""
    if case.anonymous or case.contact_id is None:
        return None
    contact = session.get(Contact, case.contact_id)
    if contact is None:
        return None
    return {"channel": contact.channel, "address": contact.address, "name": contact.name}


def raise_case_event(
    session: Session,
    settings: Settings,
    case: Case,
    kind: EventKind,
    *,
    from_status: str | None = None,
    from_agency_id: int | None = None,
    note: str | None = None,
    moved: bool = False,
) -> None:
    """Queue the event a history entry of `kind` on `case` is for the endpoints subscribed to
    it, in the caller's transaction; an entry of another kind raises none. `moved`: the change
    handed the case to another agency (a forward, a referral), which `to_agency` then names."""
    event = EVENTS.get(kind)
    if event is None:
        return
    endpoints = listening(session, event)
    if not endpoints:  # the agency is not even looked up
        return
    agency_code = _agency_code(session, case.agency_id)
    endpoints = for_agency(endpoints, agency_code)
    if not endpoints:
        return
    merged_into = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    change = {
        "from_status": from_status,
        "to_status": case.status if kind is not EventKind.note else None,
        "from_agency": _agency_code(session, from_agency_id),
        "to_agency": agency_code if moved or kind is EventKind.forwarded else None,
        "note": note,
        "merged_into": merged_into.tracking_code if merged_into else None,
    }
    trusted = {
        "case": _case(session, settings, case, trusted=True),
        "change": change,
        "reporter": _reporter(session, case),
    }
    untrusted = None
    if case.hidden_at is None:
        untrusted = {
            "case": _case(session, settings, case, trusted=False),
            "change": change | {"note": published_note(note, case.language)},
            "reporter": None,
        }
    queue_event(
        session,
        endpoints=endpoints,
        event=event,
        reference=case.tracking_code,
        trusted=trusted,
        untrusted=untrusted,
    )


def raise_announcement(session: Session, announcement: Announcement, agency: Agency) -> None:
    """Queue `announcement.published` for the endpoints subscribed to it; an announcement is
    public, so trusted and untrusted endpoints are sent the same."""
    endpoints = subscribed(session, Event.announcement_published, agency.code)
    if not endpoints:
        return
    category = session.get(Category, announcement.category_id) if announcement.category_id else None
    data = {
        "announcement": {
            "id": announcement.id,
            "agency": agency.code,
            "category": category.code if category else None,
            "text": announcement.text,
            "area_kind": announcement.area_kind,
            "geometry": announcement.geometry,
            "radius_m": announcement.radius_m,
            "starts_at": _iso(announcement.starts_at),
            "ends_at": _iso(announcement.ends_at),
        }
    }
    queue_event(
        session,
        endpoints=endpoints,
        event=Event.announcement_published,
        reference=f"announcement-{announcement.id}",
        trusted=data,
        untrusted=data,
    )
