"""Staff accounts: password hashing, bearer tokens and the role checks every route uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from sqlmodel import Session, select

from core.db import utcnow
from core.deps import SessionDep, SettingsDep
from core.settings import Settings
from staff.enums import Role
from staff.models import User

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


def create_access_token(user: User, settings: Settings) -> str:
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        # a password reset or deactivation bumps the user's version and so ends this token
        "ver": user.session_version,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_user(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> User:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        raise _unauthorised("invalid or expired token") from None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise _unauthorised("account not found or deactivated")
    # a token from before versions existed has none: version 0, ended by the first bump
    if claims.get("ver", 0) != user.session_version:
        raise _unauthorised("signed out by a password reset or deactivation; sign in again")
    return user


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
