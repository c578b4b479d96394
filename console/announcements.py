"""The console's announcements page: an agency's officers and the supervisors post an
announcement of a known problem for an area and a time, see their agency's, and cancel one.

Thin: the rules, the area and telling the residents are cases.announcements'. Every form
carries the session's CSRF token; an officer of another agency gets 403. Without JavaScript
the area is a service area or a circle's centre and radius typed in; announcements-map.js adds
clicking the map for the centre or a polygon's points.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from cases import announcement_views, announcements
from cases.announcements import AnnouncementError, AreaInput, AreaKind, Refusal
from console.routes import CASE_ROLES
from console.session import Visit, VisitDep
from core.i18n import N_
from core.maps import tile_layer
from routing import stored_catalogue
from routing.models import Agency, Category
from staff.enums import Role

router = APIRouter(prefix="/console/announcements", include_in_schema=False)

Text = Annotated[str, Form()]
AnnouncementId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
FORM_FIELDS = (
    "agency",
    "category",
    "text",
    "area_kind",
    "service_area",
    "lat",
    "lon",
    "radius_m",
    "points",
    "starts_at",
    "ends_at",
)
FIELD_MAX = 4000  # a polygon of 200 points fits
# how the list names where an announcement stands (cases.announcement_views.state_of)
STATES = {
    "active": N_("Berlaku"),
    "scheduled": N_("Terjadwal"),
    "cancelled": N_("Dibatalkan"),
    "ended": N_("Berakhir"),
}


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _points(text: str) -> tuple[tuple[float, float], ...]:
    """ "lat,lon;lat,lon;..." as the map script writes it; a pair that is not two numbers
    leaves the polygon short, which the rules refuse."""
    points = []
    for pair in text.split(";"):
        parts = pair.split(",")
        if len(parts) == 2 and None not in (values := [_number(p) for p in parts]):
            points.append((values[0], values[1]))
    return tuple(points)


def _moment(visit: Visit, text: str) -> datetime | None:
    """A datetime-local field (city time) in UTC; None for empty; refused when not a moment."""
    text = text.strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise AnnouncementError(Refusal.bad_window) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(visit.settings.city_timezone))
    return local


def _area(form: dict[str, str]) -> AreaInput:
    kind = form["area_kind"] if form["area_kind"] in AreaKind.__members__ else "service_area"
    area_id = form["service_area"]
    return AreaInput(
        kind=AreaKind(kind),
        service_area_id=int(area_id) if area_id.isdigit() and len(area_id) < 10 else None,
        latitude=_number(form["lat"]),
        longitude=_number(form["lon"]),
        radius_m=_number(form["radius_m"]),
        points=_points(form["points"]),
    )


def _page(
    visit: Visit, status_code: int = 200, *, error: str | None = None, form: dict | None = None
) -> Response:
    user = visit.user
    english = visit.lang == "en"
    supervisor = user.role == Role.supervisor
    agencies = [
        a
        for a in stored_catalogue.agencies(visit.db, active_only=True)
        if supervisor or a.id == user.agency_id
    ]
    agency_ids = {a.id for a in agencies}
    categories = [
        c
        for c in stored_catalogue.categories(visit.db, active_only=True)
        if c.agency_id in agency_ids
    ]
    items = announcement_views.listing(visit.db, user=user, language=visit.lang)
    default_agency = next((a.code for a in agencies if a.id == user.agency_id), "")
    return visit.render(
        "announcements.html",
        status_code,
        page_path="/console/announcements",
        items=items,
        agencies=[(a.code, a.name_en if english else a.name) for a in agencies],
        categories=[
            (c.code, c.name_en if english else c.name, _agency_code(agencies, c))
            for c in categories
        ],
        service_areas=announcements.service_areas(visit.db, visit.lang),
        form=form or {"agency": default_agency, "area_kind": "service_area"},
        error=error,
        announcement_states=STATES,
        map=tile_layer(visit.settings),
        bounds=",".join(f"{v:.6f}" for v in announcements.areas_bounds(visit.db) or ()),
    )


def _agency_code(agencies: list[Agency], category: Category) -> str:
    return next((a.code for a in agencies if a.id == category.agency_id), "")


@router.get("", response_class=HTMLResponse)
def announcements_page(visit: VisitDep) -> Response:
    """The agency's announcements (every agency's for a supervisor) and the form to post one."""
    if refusal := visit.refuse(*CASE_ROLES):
        return refusal
    return _page(visit)


@router.post("", response_class=HTMLResponse)
def post_announcement(
    visit: VisitDep,
    csrf: Text = "",
    agency: Text = "",
    category: Text = "",
    text: Text = "",
    area_kind: Text = "",
    service_area: Text = "",
    lat: Text = "",
    lon: Text = "",
    radius_m: Text = "",
    points: Text = "",
    starts_at: Text = "",
    ends_at: Text = "",
) -> Response:
    """Post an announcement; its area's residents are told at once."""
    if refusal := visit.refuse_post(csrf, *CASE_ROLES):
        return refusal
    given = dict(
        zip(
            FORM_FIELDS,
            (
                agency,
                category,
                text,
                area_kind,
                service_area,
                lat,
                lon,
                radius_m,
                points,
                starts_at,
                ends_at,
            ),
            strict=True,
        )
    )
    form = {k: v[:FIELD_MAX] for k, v in given.items()}
    try:
        ends = _moment(visit, form["ends_at"])
        if ends is None:
            raise AnnouncementError(Refusal.bad_window)
        _, told = announcements.post(
            visit.db,
            visit.settings,
            actor=visit.user,
            agency_code=form["agency"],
            category_code=form["category"] or None,
            text=form["text"],
            area=_area(form),
            starts_at=_moment(visit, form["starts_at"]),
            ends_at=ends,
        )
    except AnnouncementError as exc:
        visit.db.rollback()
        return _page(visit, exc.status_code, error=exc.text(visit.lang), form=form)
    visit.db.commit()
    return visit.redirect(
        "/console/announcements",
        N_("Pengumuman diterbitkan; %(count)s warga di wilayahnya diberi tahu."),
        count=str(told),
    )


@router.post("/{announcement_id}/cancel", response_class=HTMLResponse)
def cancel_announcement(
    announcement_id: AnnouncementId, visit: VisitDep, csrf: Text = ""
) -> Response:
    """End an announcement now; the complaints linked to it stay as they are."""
    if refusal := visit.refuse_post(csrf, *CASE_ROLES):
        return refusal
    try:
        announcements.cancel(visit.db, actor=visit.user, announcement_id=announcement_id)
    except AnnouncementError as exc:
        visit.db.rollback()
        return _page(visit, exc.status_code, error=exc.text(visit.lang))
    visit.db.commit()
    return visit.redirect("/console/announcements", N_("Pengumuman dibatalkan."))
