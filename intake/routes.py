"""The public side: the web form, the status page and the complaint API."""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Form, Header, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from cases.calendar import city_time
from cases.citizen import rating_token_matches
from cases.codes import normalise_tracking_code
from cases.enums import CaseStatus
from cases.feedback import rate, reopen
from cases.schemas import PublicCase
from cases.service import agency_ref, find_by_code, public_view
from core.deps import SessionDep, SettingsDep, app_session
from core.responses import PUBLIC_ERRORS
from core.settings import get_settings
from intake.limits import client_sender
from intake.pages import page_text
from intake.schemas import ComplaintCreated, ComplaintIn
from intake.service import IntakeError, IntakeLimited, IntakeResult, receive
from routing.models import Agency, Category

api = APIRouter(prefix="/api/v1", tags=["public"], responses=PUBLIC_ERRORS)
pages = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["when"] = lambda moment: city_time(get_settings(), moment)
STATIC_DIR = Path(__file__).parent / "static"

Language = Literal["id", "en"]


def _sender(request: Request) -> str | None:
    """Who counts as the sender of a web complaint: the client address (uvicorn has already
    taken it from X-Forwarded-For when, and only when, the proxy is in FORWARDED_ALLOW_IPS)."""
    return client_sender(request.client.host if request.client else None)


def _retry_after(exc: IntakeLimited) -> dict[str, str]:
    return {"Retry-After": str(exc.refusal.retry_after)}


def _file(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    complaint: ComplaintIn,
    key: str | None,
) -> IntakeResult:
    try:
        return receive(session, settings, complaint.to_message(key), sender=_sender(request))
    except IntakeLimited as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, detail=str(exc), headers=_retry_after(exc)
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
        429: {"description": "this sender filed too many complaints this hour (Retry-After)"},
    },
)
async def file_complaint(
    request: Request,
    complaint: ComplaintIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
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
            agency=agency_ref(agency, case.language),
            category=category.code if category else None,
            due_at=case.due_at,
        )


@api.get("/complaints/{code}", response_model=PublicCase)
def track_complaint(
    code: str, session: SessionDep, lang: Annotated[Language, Query()] = "id"
) -> PublicCase:
    """The public status of a complaint; never the citizen's contact details."""
    case = find_by_code(session, code)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no complaint with code {code!r}")
    return public_view(session, case, lang)


def _language(lang: str | None, settings: SettingsDep) -> Language:
    return lang if lang in ("id", "en") else settings.default_language


def _render(request: Request, name: str, lang: Language, status_code: int = 200, **context):
    return templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "t": page_text(lang), **context},
        status_code=status_code,
    )


@pages.get("/", response_class=HTMLResponse)
def complaint_form(request: Request, settings: SettingsDep, lang: str | None = None) -> Response:
    # the token makes a double-tapped submit button file one complaint, not two
    token = secrets.token_urlsafe(16)
    return _render(
        request, "form.html", _language(lang, settings), form={}, errors=[], form_token=token
    )


@pages.post("/complaints", response_class=HTMLResponse)
def submit_complaint_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    notify_via: Annotated[str, Form()] = "none",
    address: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    language = _language(lang, settings)
    form = {
        "text": text,
        "name": name,
        "phone": phone,
        "email": email,
        "notify_via": notify_via,
        "address": address,
        "lat": lat,
        "lon": lon,
    }
    try:
        complaint = ComplaintIn.model_validate(
            {**form, "lat": lat or None, "lon": lon or None, "language": language}
        )
        message = complaint.to_message(form_token or None)
        result = receive(session, settings, message, sender=_sender(request))
    except ValidationError as exc:
        errors = [page_text(language).explain(err) for err in exc.errors()]
        return _render(
            request, "form.html", language, 422, form=form, errors=errors, form_token=form_token
        )
    except IntakeLimited as exc:
        refusal = exc.refusal
        polite = page_text(language).limited.format(limit=refusal.limit, minutes=refusal.minutes)
        page = _render(
            request, "form.html", language, 429, form=form, errors=[polite], form_token=form_token
        )
        page.headers.update(_retry_after(exc))
        return page
    except IntakeError as exc:
        return _render(
            request, "form.html", language, 422, form=form, errors=[str(exc)], form_token=form_token
        )
    return RedirectResponse(
        f"/track/{result.tracking_code}?lang={language}&new=1", status.HTTP_303_SEE_OTHER
    )


@pages.get("/track", response_class=HTMLResponse)
def track_lookup(settings: SettingsDep, code: str = "", lang: str | None = None) -> Response:
    language = _language(lang, settings)
    target = quote(code.strip() or "-", safe="")
    return RedirectResponse(f"/track/{target}?lang={language}", status.HTTP_303_SEE_OTHER)


@pages.get("/track/{code}", response_class=HTMLResponse)
def track_page(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: str | None = None,
    new: bool = False,
    done: Literal["rated", "reopened", ""] = "",
) -> Response:
    language = _language(lang, settings)
    case = find_by_code(session, code)
    if case is None:
        shown = normalise_tracking_code(code) or code[:20]
        return _render(
            request, "track.html", language, 404, case=None, code=shown, new=False, done=""
        )
    view = public_view(session, case, language)
    return _render(
        request, "track.html", language, case=view, code=view.tracking_code, new=new, done=done
    )


def _rating_case(session: SessionDep, settings: SettingsDep, code: str, token: str):
    """The case a rating link is for, or the reason (status code, text key) it cannot be used."""
    case = find_by_code(session, code)
    if case is None or not rating_token_matches(settings, case.tracking_code, token):
        return None, (status.HTTP_403_FORBIDDEN, "rate_bad_link")
    if case.status != CaseStatus.resolved:
        return case, (status.HTTP_409_CONFLICT, "rate_not_open")
    return case, None


def _rate_page(request: Request, code: str, token: str, language: Language, case, problem):
    text = page_text(language)
    if problem is None:
        return _render(request, "rate.html", language, code=code, token=token, ask=True, error=None)
    status_code, key = problem
    shown = case.tracking_code if case else (normalise_tracking_code(code) or code[:20])
    error = getattr(text, key).format(status=text.status(case.status) if case else "")
    return _render(request, "rate.html", language, status_code, code=shown, ask=False, error=error)


@pages.get("/track/{code}/rate", response_class=HTMLResponse)
def rating_form(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    t: str = "",
    lang: str | None = None,
) -> Response:
    """Where a citizen without a chat channel rates a resolved case or says it is not fixed."""
    case, problem = _rating_case(session, settings, code, t)
    return _rate_page(request, code, t, _language(lang, settings), case, problem)


@pages.post("/track/{code}/rate", response_class=HTMLResponse)
def submit_rating(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    t: Annotated[str, Form(max_length=200)] = "",
    rating: Annotated[str, Form(max_length=2)] = "",
    not_fixed: Annotated[str, Form(max_length=1)] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    language = _language(lang, settings)
    case, problem = _rating_case(session, settings, code, t)
    if problem is not None:
        return _rate_page(request, code, t, language, case, problem)
    if not_fixed:
        reopen(session, settings, case)
        outcome = "reopened"
    elif rating in {"1", "2", "3", "4", "5"}:
        rate(session, case, int(rating))
        outcome = "rated"
    else:
        return _render(
            request,
            "rate.html",
            language,
            422,
            code=case.tracking_code,
            token=t,
            ask=True,
            error=page_text(language).rate_pick,
        )
    session.commit()
    return RedirectResponse(
        f"/track/{case.tracking_code}?lang={language}&done={outcome}", status.HTTP_303_SEE_OTHER
    )
