"""The Open311 GeoReport v2 server's reading side, under `/open311/v2/`: discovery, services,
service definitions, requests and mySociety's `servicerequestupdates`, each in `.xml` or
`.json`. No key is needed to read; everything read is public (open311.requests).

Thin: each route checks its format, asks open311.services or open311.requests, and answers
with open311.formats (ETag, 304, the spec's errors). `jurisdiction_id` is accepted and not
needed: one endpoint serves one city.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from core.deps import PublicReadSessionDep, PublicTurn, SessionDep, SettingsDep
from open311 import requests, services
from open311.formats import RESPONSES, Open311Route, answer, response_format

router = APIRouter(
    prefix=services.PATH,
    tags=["open311"],
    route_class=Open311Route,
    default_response_class=Response,
    responses=RESPONSES,
)

Language = Annotated[
    Literal["id", "en"] | None,
    Query(description="the language of names, descriptions and notes; the city's by default"),
]
Text = Annotated[str | None, Query()]


@router.get("/discovery.{suffix}")
def discovery(
    request: Request,
    suffix: str,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    lang: Language = None,
) -> Response:
    """The Service Discovery document: where this GeoReport v2 endpoint is, in which formats."""
    fmt = response_format(suffix)
    body = services.discovery(session, settings, lang or settings.default_language)
    return answer(request, fmt, "discovery", body)


@router.get("/services.{suffix}")
def service_list(
    request: Request,
    suffix: str,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    lang: Language = None,
) -> Response:
    """Every kind of complaint the city takes, as Open311 services grouped by agency."""
    fmt = response_format(suffix)
    body = services.service_list(session, lang or settings.default_language)
    return answer(request, fmt, "services", body)


@router.get("/services/{code}.{suffix}")
def service_definition(
    request: Request,
    code: str,
    suffix: str,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    lang: Language = None,
) -> Response:
    """The questions a kind of complaint asks besides its words; 404 for an unknown code."""
    fmt = response_format(suffix)
    body = services.service_definition(session, code, lang or settings.default_language)
    return answer(request, fmt, "service_definition", body)


@router.get("/requests.{suffix}")
def service_requests(
    request: Request,
    suffix: str,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    service_request_id: Text = None,
    service_code: Text = None,
    start_date: Text = None,
    end_date: Text = None,
    status: Text = None,
    bbox: Text = None,
    q: Text = None,
    page: Text = None,
    page_size: Text = None,
    lang: Language = None,
) -> Response:
    """Public complaints filed in a window of at most 90 days (the last 90 by default),
    newest first, a page of at most 1000; or those of the tracking codes in
    `service_request_id`. Extensions: `page`, `page_size`, `bbox` (minlon,minlat,maxlon,
    maxlat), `q` (words of the public text), `lang`."""
    fmt = response_format(suffix)
    asked = requests.RequestQuery(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        bbox=bbox,
        q=q,
        page=page,
        page_size=page_size,
    )
    language = lang or settings.default_language
    body = requests.service_requests(session, settings, asked, language=language)
    return answer(request, fmt, "service_requests", body)


# a partner reads the request it just posted: from the primary
@router.get("/requests/{code}.{suffix}", dependencies=[PublicTurn])
def service_request(
    request: Request,
    code: str,
    suffix: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: Language = None,
) -> Response:
    """One public complaint by its tracking code; 404 when there is none or it is not public."""
    fmt = response_format(suffix)
    language = lang or settings.default_language
    body = requests.service_request(session, settings, code, language=language)
    return answer(request, fmt, "service_requests", body)


@router.get("/servicerequestupdates.{suffix}")
def service_request_updates(
    request: Request,
    suffix: str,
    session: PublicReadSessionDep,
    settings: SettingsDep,
    start_date: Text = None,
    end_date: Text = None,
    page: Text = None,
    page_size: Text = None,
    lang: Language = None,
) -> Response:
    """mySociety's extension: every status change and note to the resident on public
    complaints in a window of at most 90 days, oldest first."""
    fmt = response_format(suffix)
    body = requests.service_request_updates(
        session,
        settings,
        start_date=start_date,
        end_date=end_date,
        page_number=page,
        page_size=page_size,
        language=lang or settings.default_language,
    )
    return answer(request, fmt, "service_requests_updates", body)
