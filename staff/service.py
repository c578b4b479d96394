"""Staff accounts: the rules for creating and changing one, whoever does it.

`aduan users create` and the console's admin pages both call these functions, so an account
made or changed either way obeys the same rules. A refusal is a `UserError` whose `reason`
the console turns into words in the page's language and whose text the command line prints.
Every change is logged with who made it, never with a password.
"""

from __future__ import annotations

import logging
import secrets

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from routing.models import Agency
from staff.auth import passwords
from staff.enums import Role
from staff.models import User
from staff.sessions import end_all_sessions

log = logging.getLogger(__name__)

USERNAME_MAX = 64
FULL_NAME_MAX = 200
# the console's sign-in form reads at most this much of a password; a longer one never matches
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
_EMAIL = TypeAdapter(EmailStr)


class UserError(ValueError):
    """A refused account change: `reason` names the rule, `params` fill its sentence."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason, self.params = reason, params


def _by(actor: User | None) -> str:
    return actor.username if actor is not None else "the command line"


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError(
            "unknown_role", f"unknown role '{value}'; use officer, supervisor or admin", role=value
        ) from None


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise UserError(
            "password_short",
            f"password must have at least {PASSWORD_MIN} characters",
            min=PASSWORD_MIN,
        )
    if len(password) > PASSWORD_MAX:
        raise UserError(
            "password_long",
            f"password must have at most {PASSWORD_MAX} characters",
            max=PASSWORD_MAX,
        )


def generate_password() -> str:
    """A random password for an admin to hand over; about 96 bits, easy to type from a note."""
    return secrets.token_urlsafe(12)


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return str(_EMAIL.validate_python(value))
    except ValidationError:
        raise UserError("bad_email", f"'{value}' is not an e-mail address", email=value) from None


def _full_name(value: str | None) -> str | None:
    value = (value or "").strip()
    if len(value) > FULL_NAME_MAX:
        raise UserError(
            "name_long", f"a full name has at most {FULL_NAME_MAX} characters", max=FULL_NAME_MAX
        )
    return value or None


def _agency_id(
    session: Session, role: Role, agency_code: str | None, agency_head: bool
) -> int | None:
    """The agency's id, checked against the role: who must, may and may not belong to one."""
    agency_code = (agency_code or "").strip()
    if role is Role.admin and agency_code:
        raise UserError("admin_agency", "an admin belongs to no agency")
    if role is Role.officer and not agency_code:
        raise UserError("agency_required", "an officer needs an agency")
    if agency_head and not agency_code:
        raise UserError("head_needs_agency", "only a member of an agency can be its head")
    if not agency_code:
        return None
    agency = session.exec(select(Agency).where(Agency.code == agency_code, Agency.active)).first()
    if agency is None:
        raise UserError("unknown_agency", f"unknown agency '{agency_code}'", agency=agency_code)
    if agency.is_referral:  # its complaints are referred and closed: nobody works on them here
        raise UserError(
            "referral_agency",
            f"'{agency_code}' is a body outside the city government; it has no staff here",
            agency=agency_code,
        )
    return agency.id


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    agency_code: str | None = None,
    full_name: str | None = None,
    email: str | None = None,
    agency_head: bool = False,
    actor: User | None = None,
) -> User:
    """Add a staff account; `actor` is the admin doing it, None for the command line."""
    username = username.strip()
    if not username or len(username) > USERNAME_MAX:
        raise UserError(
            "bad_username", f"username must have 1 to {USERNAME_MAX} characters", max=USERNAME_MAX
        )
    check_password(password)
    duplicate = UserError("duplicate", f"user '{username}' already exists", username=username)
    if session.exec(select(User.id).where(User.username == username)).first():
        raise duplicate
    user = User(
        username=username,
        full_name=_full_name(full_name),
        password_hash=passwords().hasher.hash(password),
        role=role,
        agency_id=_agency_id(session, role, agency_code, agency_head),
        email=_email(email),
        agency_head=agency_head,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # created by someone else between the check and now
        raise duplicate from None
    log.info("%s created %s '%s'", _by(actor), role, username)
    return user


def update_user(
    session: Session,
    user: User,
    *,
    role: Role,
    agency_code: str | None,
    full_name: str | None,
    email: str | None,
    agency_head: bool,
    actor: User,
) -> None:
    """Change an account's role, agency, name and e-mail; an admin keeps their own role."""
    if user.id == actor.id and role is not Role.admin:
        raise UserError("own_role", "you cannot take away your own admin role")
    agency_id = _agency_id(session, role, agency_code, agency_head)
    full_name, email = _full_name(full_name), _email(email)
    user.role, user.agency_id, user.agency_head = role, agency_id, agency_head
    user.full_name, user.email = full_name, email
    session.add(user)
    log.info(
        "%s changed '%s': role %s, agency id %s, head %s",
        _by(actor),
        user.username,
        role,
        user.agency_id,
        agency_head,
    )


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Deactivating ends the account's console sessions and API tokens at once."""
    if user.id == actor.id and not active:
        raise UserError("own_account", "you cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(session, user)
    session.add(user)
    log.info("%s %s '%s'", _by(actor), "reactivated" if active else "deactivated", user.username)


def reset_password(session: Session, user: User, password: str, *, actor: User) -> None:
    """A new password, and every session or token signed in with the old one ends."""
    check_password(password)
    user.password_hash = passwords().hasher.hash(password)
    end_all_sessions(session, user)
    session.add(user)
    log.info("%s reset the password of '%s'", _by(actor), user.username)


def all_users(session: Session) -> list[User]:
    """Every account, active or not, by username."""
    return list(session.exec(select(User).order_by(User.username)))
