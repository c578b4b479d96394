"""The staff API: sign in, work cases, watch the numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.security import OAuth2PasswordRequestForm

from aduan.deps import SessionDep, SettingsDep
from cases import lifecycle, service
from cases.auth import CaseWorker, Supervisor, authenticate, create_access_token
from cases.enums import CaseStatus
from cases.errors import CaseError
from cases.models import Case, User
from cases.schemas import (
    AgencyStats,
    CaseDetail,
    CasePage,
    ForwardIn,
    NoteIn,
    Token,
    TransitionIn,
)
from cases.stats import agency_stats

router = APIRouter(prefix="/api/v1", tags=["staff"])


@router.post("/auth/token", response_model=Token)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange a username and password for a bearer token."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(user, settings))


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep,
    user: CaseWorker,
    status_filter: Annotated[CaseStatus | None, Query(alias="status")] = None,
    agency: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        int | None, Query(ge=1, description="next_cursor of the previous page")
    ] = None,
) -> CasePage:
    """Cases newest first: an officer sees their agency's, a supervisor everyone's."""
    try:
        return service.list_cases(
            session, user, status=status_filter, agency_code=agency, limit=limit, cursor=cursor
        )
    except CaseError as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from exc


def _case_or_404(session: SessionDep, user: User, code: str) -> Case:
    case = service.case_for_user(session, user, code)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case {code} in your queue")
    return case


def _apply(session: SessionDep, change) -> None:
    try:
        change()
    except CaseError as exc:
        session.rollback()
        raise HTTPException(exc.status_code, detail=str(exc)) from exc
    session.commit()


@router.get("/cases/{code}", response_model=CaseDetail)
def get_case(code: str, session: SessionDep, user: CaseWorker) -> CaseDetail:
    """Everything about one case, including its location, attachments and full history."""
    return service.detail_view(session, _case_or_404(session, user, code))


@router.post("/cases/{code}/transitions", response_model=CaseDetail)
def change_status(
    code: str, body: TransitionIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Move a case along its lifecycle; the citizen hears about it."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.transition(
            session,
            settings,
            case,
            to_status=body.status,
            actor=user,
            public_note=body.note,
            internal_note=body.internal_note,
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/forward", response_model=CaseDetail)
def forward_case(
    code: str, body: ForwardIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Send a misrouted case to the agency that should act, with the reason."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.forward(
            session,
            settings,
            case,
            agency_code=body.agency,
            note=body.note,
            actor=user,
            category_code=body.category,
        ),
    )
    return service.detail_view(session, case)


@router.post("/cases/{code}/notes", response_model=CaseDetail, status_code=201)
def add_note(
    code: str, body: NoteIn, session: SessionDep, settings: SettingsDep, user: CaseWorker
) -> CaseDetail:
    """Add an internal note, or a public one that is also sent to the citizen."""
    case = _case_or_404(session, user, code)
    _apply(
        session,
        lambda: lifecycle.add_note(
            session, settings, case, text=body.text, public=body.public, actor=user
        ),
    )
    return service.detail_view(session, case)


@router.get("/stats/agencies", response_model=list[AgencyStats])
def stats_by_agency(session: SessionDep, user: Supervisor) -> list[AgencyStats]:
    """Backlog, overdue cases and resolution times per agency."""
    return agency_stats(session)
