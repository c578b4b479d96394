"""Staff accounts: password hashing, bearer tokens and the role checks every route uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from sqlmodel import Session, select

from aduan.db import utcnow
from aduan.deps import SessionDep, SettingsDep
from aduan.settings import Settings
from cases.enums import Role
from cases.models import User
from routing.models import Agency

password_hash = PasswordHash.recommended()  # argon2id
# verifying against this keeps a wrong username as slow as a wrong password
_DUMMY_HASH = password_hash.hash("timing-equaliser")
ALGORITHM = "HS256"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


class UserError(ValueError):
    pass


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    agency_code: str | None = None,
    full_name: str | None = None,
) -> User:
    """Add a staff account; officers must belong to an agency."""
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("username must have 1 to 64 characters")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise UserError(f"user '{username}' already exists")
    agency_id = None
    if agency_code:
        agency = session.exec(select(Agency).where(Agency.code == agency_code)).first()
        if agency is None:
            raise UserError(f"unknown agency '{agency_code}'")
        agency_id = agency.id
    if role is Role.officer and agency_id is None:
        raise UserError("an officer needs --agency")
    user = User(
        username=username,
        full_name=full_name,
        password_hash=password_hash.hash(password),
        role=role,
        agency_id=agency_id,
    )
    session.add(user)
    session.flush()
    return user


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
