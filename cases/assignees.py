"""Whose desk a case is on: the people who may hold it, and putting it there by username.

The console's list of officers and the staff API accept the same people, so a name the
console offers is never refused and one it does not offer is never taken.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from cases import lifecycle
from cases.errors import NotAssignable, Refusal
from cases.models import Case
from staff.enums import HOLDER_ROLES
from staff.models import User


def label(user: User) -> str:
    """How staff tell each other apart: the full name, with the username that is unique."""
    return f"{user.full_name} ({user.username})" if user.full_name else user.username


def candidates(session: Session, case: Case) -> list[User]:
    """Active officers and supervisors of the case's agency, by name; none for a triage case."""
    if case.agency_id is None:
        return []
    users = session.exec(
        select(User).where(
            User.agency_id == case.agency_id, User.active, col(User.role).in_(list(HOLDER_ROLES))
        )
    )
    # sorted here: SQLite and PostgreSQL disagree on where a missing full name goes
    return sorted(users, key=lambda u: ((u.full_name or u.username).casefold(), u.username))


def labels(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """`label` for each of these usernames, for pages that only have the names."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.username).in_(wanted)))
    return {u.username: label(u) for u in users}


def assign(session: Session, case: Case, username: str | None, *, actor: User) -> Case:
    """Put the case on `username`'s desk, or on nobody's with None; recorded, not committed."""
    officer = None
    if username is not None:
        officer = session.exec(select(User).where(User.username == username)).first()
        if officer is None:
            raise NotAssignable(
                f"there is no officer or supervisor '{username}'",
                Refusal.unknown_holder,
                username=username,
            )
    return lifecycle.assign_officer(session, case, officer=officer, actor=actor)
