"""The staff API's sign-in and sign-out: bearer tokens, each one a revocable session."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from core.deps import SessionDep, SettingsDep, client_address
from core.responses import STAFF_ERRORS, error_response
from staff.auth import ApiSession, create_access_token, current_session
from staff.enums import SessionKind
from staff.schemas import Token
from staff.sessions import end_all_sessions, end_session
from staff.signin import SignInLocked, password_sign_in

router = APIRouter(prefix="/api/v1/auth", tags=["staff"], responses=STAFF_ERRORS)
Bearer = Annotated[ApiSession, Depends(current_session)]


@router.post(
    "/token",
    response_model=Token,
    responses={429: error_response("too many failed sign-ins; Retry-After says when to try")},
)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange a username and password for a bearer token (a session of its own).

    Repeated failures lock the username (from the client's address, or from everywhere after
    many more) for a while: 429 with Retry-After, even for the right password then."""
    try:
        signed_in = password_sign_in(
            session,
            settings,
            username=form.username,
            password=form.password,
            address=client_address(request),
            kind=SessionKind.api,
        )
    except SignInLocked as exc:
        minutes = math.ceil(exc.retry_after / 60)
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=(
                "too many failed sign-ins for this username or from this address; "
                f"try again in {minutes} minutes"
            ),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if signed_in is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = create_access_token(signed_in.user, signed_in.secret, signed_in.expires_at, settings)
    session.commit()
    return Token(access_token=token)


@router.post("/logout", status_code=204)
def logout(api: Bearer, session: SessionDep) -> Response:
    """End this token's session: the token is refused from now on."""
    end_session(session, api.secret)
    session.commit()
    return Response(status_code=204)


@router.post("/logout-everywhere", status_code=204)
def logout_everywhere(api: Bearer, session: SessionDep) -> Response:
    """End every session of this account, this token, its other tokens and its console
    sign-ins alike."""
    end_all_sessions(session, api.user)
    session.commit()
    return Response(status_code=204)
