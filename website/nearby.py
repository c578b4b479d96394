"""'Already reported?' for the web form: `GET /api/v1/public/nearby`.

The form asks, once the resident has placed a pin and written a few words: the words are
routed as a complaint would be (routing.service.route), and when a category is predicted the
open public cases of that category near the pin come back (cases.following), with only what
their public pages show. Each search runs the classifier, so one client address may make at
most NEARBY_SEARCHES_PER_HOUR of them (core.ratelimit, keyed hashes, failing open), and the
words are capped at TEXT_MAX characters: the first ones say what the problem is.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from limits.errors import StorageError
from pydantic import BaseModel, Field
from sqlmodel import Session

from cases.following import nearby_public_cases
from cases.schemas import CategoryRef
from cases.service import category_ref
from core.deps import SessionDep, SettingsDep
from core.ratelimit import rate_limit
from core.responses import PUBLIC_ERRORS, error_response
from core.settings import Settings
from intake.limits import sender_key
from intake.messages import MIN_TEXT_CHARS
from intake.routes import Language, request_sender
from notifications.templates import status_label
from routing.models import Category
from routing.service import route

log = logging.getLogger(__name__)
api = APIRouter(
    prefix="/api/v1/public",
    tags=["public"],
    responses={**PUBLIC_ERRORS, 429: error_response("too many searches from this address")},
)

TEXT_MAX = 1000
LIMIT_NAME = "nearby-searches"
WINDOW_SECONDS = 3600


class NearbyCaseOut(BaseModel):
    """An open public case near the place asked about, as its public page shows it."""

    tracking_code: str
    text: str | None = Field(description="the complaint with personal data hidden")
    status: str
    status_label: str = Field(description="the status in the language asked for")
    distance_m: int = Field(description="metres from the place asked about")
    report_count: int = Field(description="residents who reported or follow it")
    url: str = Field(description="the case's public page")


class NearbyAnswer(BaseModel):
    """What the words were read as, and the open cases of it nearby (nearest first)."""

    category: CategoryRef | None = Field(
        description="the category the words were read as; null when unclear (no cases then)"
    )
    cases: list[NearbyCaseOut]


def _braked(settings: Settings, client: str | None) -> int:
    """Seconds `client` must wait before another search (0: it may search now, counted)."""
    amount = settings.nearby_searches_per_hour
    if not amount or client is None:
        return 0
    limit = rate_limit(settings, LIMIT_NAME, amount, WINDOW_SECONDS)
    key = sender_key(settings, client)
    try:
        return limit.take(key)
    except StorageError as exc:
        log.warning("nearby searches not braked, Redis unavailable: %s", exc)
        return 0


def nearby(
    session: Session, settings: Settings, *, lat: float, lon: float, text: str, language: str
) -> NearbyAnswer:
    """The open public cases near (lat, lon) of the category `text` is routed to."""
    decision = route(session, text, min_confidence=settings.routing_min_confidence)
    if decision.category is None:
        return NearbyAnswer(category=None, cases=[])
    found = nearby_public_cases(
        session,
        settings,
        latitude=lat,
        longitude=lon,
        category_id=decision.category.id,
        language=language,
    )
    return NearbyAnswer(
        category=category_ref(session.get(Category, decision.category.id), language),
        cases=[
            NearbyCaseOut(
                tracking_code=case.tracking_code,
                text=case.text,
                status=case.status,
                status_label=status_label(language, case.status),
                distance_m=int(case.distance_m),
                report_count=case.report_count,
                url=f"/track/{case.tracking_code}?lang={language}",
            )
            for case in found
        ],
    )


@api.get("/nearby", response_model=NearbyAnswer)
def nearby_cases(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude of the problem")],
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude of the problem")],
    text: Annotated[
        str,
        Query(
            min_length=MIN_TEXT_CHARS,
            max_length=TEXT_MAX,
            description="the resident's words so far (the first words say what is wrong)",
        ),
    ],
    lang: Annotated[Language, Query()] = "id",
) -> NearbyAnswer | JSONResponse:
    """Already reported? The open public cases near the place of the category the words are
    read as, nearest first, so the resident can follow one instead of filing again. Never a
    Rahasia, hidden or closed case; an empty list when the words say nothing clear yet."""
    if not text.strip() or len(text.strip()) < MIN_TEXT_CHARS:
        raise HTTPException(
            422, detail=f"text must have at least {MIN_TEXT_CHARS} characters besides spaces"
        )
    if wait := _braked(settings, request_sender(request)):
        return JSONResponse(
            {"detail": "too many searches from this address; please try again later"},
            429,
            headers={"Retry-After": str(wait)},
        )
    return nearby(session, settings, lat=lat, lon=lon, text=text.strip(), language=lang)
