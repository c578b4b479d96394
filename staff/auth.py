"""Staff accounts: password hashing, bearer tokens and the role checks every route uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
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
from staff.enums import Role
from staff.models import User

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
