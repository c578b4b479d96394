"""Staff accounts: password hashing, bearer tokens and the role checks every API route uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from sqlmodel import Session, select

from core.db import utcnow
from core.deps import SessionDep, SettingsDep
from core.settings import Settings
from staff.enums import Role, SessionKind
from staff.models import User
from staff.sessions import live_session

password_hash = PasswordHash.recommended()  # argon2id
# verifying against this keeps a wrong username as slow as a wrong password
_DUMMY_HASH = password_hash.hash("timing-equaliser")
ALGORITHM = "HS256"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        password_hash.verify(password, _DUMMY_HASH)
        return None
    if not user.active or not password_hash.verify(password, user.password_hash):
        return None
    return user


def create_access_token(user: User, secret: str, expires_at: datetime, settings: Settings) -> str:
    """The bearer token of the API session whose secret is `secret`."""
    claims = {
        "sub": str(user.id),
        "role": user.role,
        # the session it belongs to: signing out or a new password ends it
        "sid": secret,
        "iat": utcnow(),
        "exp": expires_at,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


@dataclass(frozen=True)
class ApiSession:
    """The bearer's account and the secret of their session."""

    user: User
    secret: str


def current_session(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> ApiSession:
    """The bearer token's session; 401 for a forged or expired token, or a session ended."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
        secret = claims["sid"]
        if not isinstance(secret, str):
            raise TypeError
    except (jwt.PyJWTError, KeyError, TypeError):
        raise _unauthorised("invalid or expired token") from None
    live = live_session(session, secret, SessionKind.api)
    if live is None:
        raise _unauthorised(
            "this token was signed out, its account deactivated or its password changed; "
            "sign in again"
        )
    return ApiSession(user=live[1], secret=secret)


def current_user(api: Annotated[ApiSession, Depends(current_session)]) -> User:
    """The bearer's account; 401 unless the token's session is live."""
    return api.user


def require_roles(*roles: Role):
    """A dependency that lets only the given roles through."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs the role {' or '.join(roles)}; you are {user.role}",
            )
        return user

    return check


CaseWorker = Annotated[User, Depends(require_roles(Role.officer, Role.supervisor))]
Supervisor = Annotated[User, Depends(require_roles(Role.supervisor))]
