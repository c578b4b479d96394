"""The public reports: the page with the map and the list (`/laporan`, English `/reports`),
its Atom feeds per area or agency, and the same cases as JSON (`/api/v1/public/cases`); above
them the agencies' active announcements of known problems, also as JSON
(`/api/v1/public/announcements`).

Thin: every case shown comes from `cases.public_listing.public_cases`, which asks
cases.publishing what is public and what of it may be shown; every announcement from
`cases.announcement_views.public_announcements`, its text redacted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlmodel import select

from cases.announcement_views import public_announcements
from cases.public_listing import (
    LIMIT_MAX,
    STATUS_GROUPS,
    BoundingBox,
    PublicFilterError,
    PublicFilters,
    StatusGroup,
    public_cases,
    public_markers,
)
from cases.public_map import MARKER_ZOOM, ZOOM_MAX, public_clusters
from cases.schemas import (
    PublicAnnouncement,
    PublicCasePage,
    PublicClusterMap,
    PublicMarkerPage,
)
from core.deps import PublicReadSessionDep, SessionDep, SettingsDep
from core.i18n import N_
from core.maps import tile_layer
from core.responses import PUBLIC_ERRORS
from core.settings import Settings
from intake.routes import Language
from routing import stored_catalogue
from routing.models import ServiceArea
from website.atom import atom_feed
from website.routes import render_page
from website.words import page_text

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"], responses=PUBLIC_ERRORS)

PAGE_SIZE = 20
FEED_SIZE = 50
# at street level the map draws up to this many cases of its view (one request)
MAP_BATCH = LIMIT_MAX
PATHS = {"id": "/laporan", "en": "/reports"}
# what the page's filter form sends; anything else in the address is ignored
FILTER_FIELDS = ("agency", "category", "area", "status", "from", "to")
BAD_DATE = N_("Tanggal '%(value)s' tidak valid; tulis seperti 2026-12-31.")
BAD_CURSOR = N_("Alamat halaman ini tidak sah; kami tampilkan halaman pertama.")


def _language(path_language: Language, lang: str | None) -> Language:
    return lang if lang in ("id", "en") else path_language


def _choices(session: SessionDep, language: Language) -> dict[str, list[tuple[str, str]]]:
    """The filter form's choices, (code, name), in the page's language."""
    english = language == "en"
    agencies = stored_catalogue.agencies(session, active_only=True)
    categories = stored_catalogue.categories(session, active_only=True)
    areas: dict[str, str] = {}
    # the names only: a service area's row also holds its whole boundary
    named = select(ServiceArea.code, ServiceArea.name).where(ServiceArea.active)
    for code, name in session.exec(named):
        areas.setdefault(code, name)
    return {
        "agency": [(a.code, a.name_en if english else a.name) for a in agencies],
        "category": [(c.code, c.name_en if english else c.name) for c in categories],
        "area": sorted(areas.items(), key=lambda item: item[1].casefold()),
    }


def _day(text: str) -> date | None:
    """A day the form's date field sent (YYYY-MM-DD), or None for none or nonsense."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9000 else None


def _page_filters(
    query: dict[str, str], choices: dict[str, list[tuple[str, str]]], language: Language
) -> tuple[dict[str, str], PublicFilters, list[str]]:
    """The filters the form asked for that exist (unknown codes are dropped, as a stale link
    would carry them), the listing's filters, and why a date was not used."""
    text = page_text(language)
    chosen = {k: query.get(k, "").strip()[:64] for k in FILTER_FIELDS}
    for field in ("agency", "category", "area"):
        if chosen[field] not in {code for code, _ in choices[field]}:
            chosen[field] = ""
    if chosen["status"] not in STATUS_GROUPS:
        chosen["status"] = ""
    days = {field: _day(chosen[field]) for field in ("from", "to")}
    errors = []
    for field, day in days.items():
        if chosen[field] and day is None:
            errors.append(text.gettext(BAD_DATE, value=chosen[field]))
            chosen[field] = ""
    filters = PublicFilters(
        agency=chosen["agency"] or None,
        category=chosen["category"] or None,
        area=chosen["area"] or None,
        status=chosen["status"] or None,  # type: ignore[arg-type]
        created_from=days["from"],
        created_to=days["to"],
    )
    return {k: v for k, v in chosen.items() if v}, filters, errors


def _reports_page(
    request: Request, session: SessionDep, settings: Settings, path_language: Language
) -> Response:
    language = _language(path_language, request.query_params.get("lang"))
    choices = _choices(session, language)
    active, filters, errors = _page_filters(dict(request.query_params), choices, language)
    cursor = request.query_params.get("cursor") or None
    try:
        page = public_cases(
            session, settings, filters, language=language, limit=PAGE_SIZE, cursor=cursor
        )
    except PublicFilterError:
        errors.append(page_text(language).gettext(BAD_CURSOR))
        cursor = None
        page = public_cases(session, settings, filters, language=language, limit=PAGE_SIZE)
    path = PATHS[language]
    here = {**active, "lang": language}
    api_filters = {k: v for k, v in active.items() if k in ("agency", "category", "area", "status")}
    return render_page(
        request,
        "reports.html",
        language,
        422 if errors else 200,
        page=page,
        announcements=public_announcements(session, settings, language),
        announcements_url=f"/api/v1/public/announcements?lang={language}",
        choices=choices,
        active=active,
        errors=errors,
        path=path,
        next_url=f"{path}?{urlencode({**here, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else None,
        first_url=f"{path}?{urlencode(here)}" if cursor else None,
        feed_url=f"{path}/feed.atom?{urlencode({**api_filters, 'lang': language})}",
        map_url="/api/v1/public/cases?"
        + urlencode({**api_filters, **_created(active), "lang": language, "limit": MAP_BATCH}),
        map=tile_layer(settings),
        marker_zoom=MARKER_ZOOM,
    )


def _created(active: dict[str, str]) -> dict[str, str]:
    """The page's date range as the JSON feed takes it."""
    return {f"created_{k}": active[k] for k in ("from", "to") if k in active}


@pages.get("/laporan", response_class=HTMLResponse)
def reports_id(request: Request, session: PublicReadSessionDep, settings: SettingsDep) -> Response:
    """The public reports: filters, the list (works without JavaScript) and the map."""
    return _reports_page(request, session, settings, "id")


@pages.get("/reports", response_class=HTMLResponse)
def reports_en(request: Request, session: PublicReadSessionDep, settings: SettingsDep) -> Response:
    """The public reports, in English unless `lang` says otherwise."""
    return _reports_page(request, session, settings, "en")


def _feed(
    request: Request,
    session: SessionDep,
    settings: Settings,
    path_language: Language,
) -> Response:
    language = _language(path_language, request.query_params.get("lang"))
    query = {k: v[:64] for k, v in request.query_params.items()}
    status_group = query.get("status") or None
    if status_group is not None and status_group not in STATUS_GROUPS:
        return Response("status must be open or resolved", 422, media_type="text/plain")
    filters = PublicFilters(
        agency=query.get("agency") or None,
        category=query.get("category") or None,
        area=query.get("area") or None,
        status=status_group,  # type: ignore[arg-type]
    )
    try:
        page = public_cases(session, settings, filters, language=language, limit=FEED_SIZE)
    except PublicFilterError as exc:
        return Response(str(exc), 422, media_type="text/plain")
    choices = _choices(session, language)
    names = [
        dict(choices[field]).get(code, code)
        for field in ("area", "agency", "category")
        if (code := query.get(field))
    ]
    path = PATHS[language]
    wanted = {k: query[k] for k in ("agency", "category", "area", "status") if query.get(k)}
    base = settings.public_base_url
    body = atom_feed(
        page.items,
        language=language,
        names=names,
        self_url=f"{base}{path}/feed.atom?{urlencode({**wanted, 'lang': language})}",
        page_url=f"{base}{path}?{urlencode({**wanted, 'lang': language})}",
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@pages.get("/laporan/feed.atom")
def feed_id(request: Request, session: PublicReadSessionDep, settings: SettingsDep) -> Response:
    """The newest public cases of an area, agency or category (or all) as an Atom feed."""
    return _feed(request, session, settings, "id")


@pages.get("/reports/feed.atom")
def feed_en(request: Request, session: PublicReadSessionDep, settings: SettingsDep) -> Response:
    """The Atom feed, in English."""
    return _feed(request, session, settings, "en")


PublicMapAnswer = Annotated[
    PublicCasePage | PublicMarkerPage | PublicClusterMap, Field(discriminator="kind")
]


@api.get("/cases", response_model=PublicMapAnswer)
def list_public_cases(
    request: Request,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    bbox: Annotated[
        str | None, Query(max_length=200, description="minlon,minlat,maxlon,maxlat")
    ] = None,
    status_group: Annotated[StatusGroup | None, Query(alias="status")] = None,
    agency: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    area: Annotated[str | None, Query(max_length=64, description="service area code")] = None,
    since: Annotated[datetime | None, Query(description="changed at or after")] = None,
    created_from: Annotated[date | None, Query(description="filed on or after (city day)")] = None,
    created_to: Annotated[date | None, Query(description="filed on or before (city day)")] = None,
    cursor: Annotated[str | None, Query(max_length=64, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 100,
    lang: Annotated[Language, Query()] = "id",
    zoom: Annotated[
        int | None,
        Query(
            ge=0,
            le=ZOOM_MAX,
            description=f"the map's zoom: below {MARKER_ZOOM} the answer counts the cases per "
            "cell of a grid (clusters); from it on, the located cases as markers (no words)",
        ),
    ] = None,
) -> PublicCasePage | PublicMarkerPage | PublicClusterMap:
    """Public cases newest first, with only what may be published: never a contact, never a
    Rahasia or hidden case. Keyset paging: follow `next` until it is null. With a `zoom`
    below the street level, the same cases counted per cell; from it on, as markers (`kind`
    says which answer)."""
    clustered = zoom is not None and zoom < MARKER_ZOOM
    if clustered and cursor is not None:
        raise HTTPException(422, detail="clusters come in one answer: drop the cursor")
    try:
        filters = PublicFilters(
            agency=agency,
            category=category,
            area=area,
            status=status_group,
            created_from=created_from,
            created_to=created_to,
            since=since,
            bbox=BoundingBox.parse(bbox) if bbox else None,
        )
        if clustered:
            return public_clusters(session, settings, filters, zoom=zoom)
        page = (
            public_cases(session, settings, filters, language=lang, limit=limit, cursor=cursor)
            if zoom is None
            else public_markers(
                session, settings, filters, language=lang, limit=limit, cursor=cursor
            )
        )
    except PublicFilterError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    if page.next_cursor:
        query = {k: v for k, v in request.query_params.items() if k != "cursor"}
        query["cursor"] = page.next_cursor
        page.next = f"{settings.public_base_url}/api/v1/public/cases?{urlencode(query)}"
    return page


@api.get("/announcements", response_model=list[PublicAnnouncement])
def list_public_announcements(
    session: PublicReadSessionDep, settings: SettingsDep, lang: Annotated[Language, Query()] = "id"
) -> list[PublicAnnouncement]:
    """The agencies' announcements active now (started, not ended, not cancelled), newest
    first, each with its area as GeoJSON and its text with personal data hidden."""
    return public_announcements(session, settings, lang)
