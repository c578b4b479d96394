"""The complaint API: file a complaint, read its public status."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.responses import Response

from cases.modes import mode_of, mode_sentence
from cases.schemas import PublicCase
from cases.service import agency_ref, public_view
from core.deps import SessionDep, SettingsDep, app_session
from core.responses import PUBLIC_ERRORS
from intake.limits import client_sender, contact_sender
from intake.lookups import LookupLimited, look_up
from intake.schemas import IDEMPOTENCY_KEY, ComplaintCreated, ComplaintIn
from intake.service import IntakeError, IntakeLimited, IntakeResult, receive
from routing.models import Agency, Category

api = APIRouter(prefix="/api/v1", tags=["public"], responses=PUBLIC_ERRORS)

Language = Literal["id", "en"]


def request_sender(request: Request) -> str | None:
    """The client address a web request counts against (uvicorn has already taken it from
    X-Forwarded-For when, and only when, the proxy is in FORWARDED_ALLOW_IPS)."""
    return client_sender(request.client.host if request.client else None)


def retry_after(exc: IntakeLimited | LookupLimited) -> dict[str, str]:
    return {"Retry-After": str(exc.refusal.retry_after)}


def _file(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    complaint: ComplaintIn,
    key: str | None,
) -> IntakeResult:
    message = complaint.to_message(key)
    try:
        return receive(
            session,
            settings,
            message,
            sender=contact_sender(message.reply_to),
            client=request_sender(request),
        )
    except IntakeLimited as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, detail=str(exc), headers=retry_after(exc)
        ) from exc
    except IntakeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@api.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintCreated,
    responses={
        200: {
            "model": ComplaintCreated,
            "description": "a retry with the same Idempotency-Key: the complaint filed then",
        },
        429: {
            "description": "this contact, or (far more) this client address, filed too many "
            "complaints this hour (Retry-After)"
        },
    },
)
async def file_complaint(
    request: Request,
    complaint: ComplaintIn,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(pattern=IDEMPOTENCY_KEY.pattern, description="printable ASCII")
    ] = None,
) -> ComplaintCreated:
    """File a complaint; the answer carries the tracking code. A repeated Idempotency-Key
    returns the first complaint (200) instead of filing it twice."""
    # at most INTAKE_CONCURRENCY at once per process, on threads of their own: a burst of
    # complaints neither thrashes the GIL with dozens of threads nor takes the pool that
    # webhooks and the console need
    created, answer = await anyio.to_thread.run_sync(
        partial(_file_complaint, request, complaint, idempotency_key),
        limiter=_intake_limiter(request),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/complaints/{answer.tracking_code}"
    return answer


def _intake_limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    if getattr(state, "intake_limiter", None) is None:
        state.intake_limiter = anyio.CapacityLimiter(state.settings.intake_concurrency)
    return state.intake_limiter


def _file_complaint(
    request: Request, complaint: ComplaintIn, key: str | None
) -> tuple[bool, ComplaintCreated]:
    settings = request.app.state.settings
    with app_session(request.app) as session:
        result = _file(request, session, settings, complaint, key)
        case = result.case
        if result.created:  # what routing just decided: nothing read back for a 201
            agency, category = result.agency, result.category
        else:
            agency = session.get(Agency, case.agency_id) if case.agency_id else None
            category = session.get(Category, case.category_id) if case.category_id else None
        return result.created, ComplaintCreated(
            tracking_code=case.tracking_code,
            status=case.status,
            kind=case.case_kind,
            agency=agency_ref(agency, case.language),
            category=category.code if category else None,
            due_at=case.due_at,
            anonymous=case.anonymous,
            confidential=case.confidential,
            mode=mode_sentence(case.language, mode_of(case)) or None,
        )


@api.get(
    "/complaints/{code}",
    response_model=PublicCase,
    responses={429: {"description": "this client looked up too many unknown codes (Retry-After)"}},
)
def track_complaint(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Language, Query()] = "id",
) -> PublicCase:
    """The public status of a complaint; never the citizen's contact details. A client that
    looked up LOOKUP_MISSES_PER_HOUR unknown codes within the hour gets 429 instead."""
    try:
        case = look_up(session, settings, code, client=request_sender(request))
    except LookupLimited as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, detail=str(exc), headers=retry_after(exc)
        ) from exc
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no complaint with code {code!r}")
    return public_view(session, case, lang, settings)
