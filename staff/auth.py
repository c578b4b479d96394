"""Staff accounts: password hashing, bearer tokens and the role checks every API route uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from core.db import utcnow
from core.deps import SessionDep, SettingsDep
from core.settings import Settings, get_settings
from staff.enums import Role, SessionKind
from staff.models import User
from staff.sessions import live_session

ALGORITHM = "HS256"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


@dataclass(frozen=True)
class Passwords:
    """argon2id at one cost: hashing, checking, and a hash to check a missing user against."""

    hasher: PasswordHash
    # verifying against this keeps a wrong username as slow as a wrong password
    dummy_hash: str


@lru_cache(maxsize=2)
def _passwords(memory_kib: int, time_cost: int) -> Passwords:
    hasher = PasswordHash((Argon2Hasher(memory_cost=memory_kib, time_cost=time_cost),))
    return Passwords(hasher, hasher.hash("timing-equaliser"))


def passwords() -> Passwords:
    """The hasher at the cost PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME_COST set."""
    settings = get_settings()
    return _passwords(settings.password_hash_memory_kib, settings.password_hash_time_cost)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, else None.

    A hash of another cost than the configured one is renewed and committed at once (a sign-in
    changes nothing else).
    """
    current = passwords()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        current.hasher.verify(password, current.dummy_hash)
        return None
    valid, renewed = current.hasher.verify_and_update(password, user.password_hash)
    if not user.active or not valid:
        return None
    if renewed is not None:
        user.password_hash = renewed
        session.add(user)
        session.commit()
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
