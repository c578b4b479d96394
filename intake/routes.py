"""The public side: the web form, the status page and the complaint API."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from aduan.deps import SessionDep, SettingsDep
from cases.codes import normalise_tracking_code
from cases.schemas import PublicCase
from cases.service import find_by_code, public_view
from intake.pages import page_text
from intake.schemas import ComplaintCreated, ComplaintIn
from intake.service import IntakeError, IntakeResult, receive
from routing.models import Category

api = APIRouter(prefix="/api/v1", tags=["public"])
pages = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"

Language = Literal["id", "en"]


def _file(
    session: SessionDep, settings: SettingsDep, complaint: ComplaintIn, key: str | None
) -> IntakeResult:
    try:
        return receive(session, settings, complaint.to_message(key))
    except IntakeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


@api.post("/complaints", status_code=201, response_model=ComplaintCreated)
def file_complaint(
    complaint: ComplaintIn,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> ComplaintCreated:
    """File a complaint; the answer carries the tracking code. A repeated Idempotency-Key
    returns the first complaint (200) instead of filing it twice."""
    result = _file(session, settings, complaint, idempotency_key)
    case = result.case
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/complaints/{case.tracking_code}"
    view = public_view(session, case, case.language)
    category = session.get(Category, case.category_id) if case.category_id else None
    return ComplaintCreated(
        tracking_code=case.tracking_code,
        status=case.status,
        agency=view.agency,
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
        result = receive(session, settings, complaint.to_message(form_token or None))
    except ValidationError as exc:
        errors = [page_text(language).explain(err) for err in exc.errors()]
        return _render(
            request, "form.html", language, 422, form=form, errors=errors, form_token=form_token
        )
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
) -> Response:
    language = _language(lang, settings)
    case = find_by_code(session, code)
    if case is None:
        shown = normalise_tracking_code(code) or code[:20]
        return _render(request, "track.html", language, 404, case=None, code=shown, new=False)
    view = public_view(session, case, language)
    return _render(request, "track.html", language, case=view, code=view.tracking_code, new=new)
