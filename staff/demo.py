"""The demo accounts `aduan demo users` creates for a local try-out, with one published password.

Their password is in the README, so they must never work in production: the web process
deactivates, at start, each demo account that still has it (`disable_demo_accounts`), and a
production sign-in with that password is refused whatever the account (`staff.signin`).
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from routing.catalogue import CITY
from routing.models import Agency
from staff.auth import passwords
from staff.enums import Role
from staff.models import User
from staff.service import create_user
from staff.sessions import end_all_sessions

log = logging.getLogger(__name__)

DEMO_PASSWORD = "aduan-demo-2026"
# username, role, agency code: beside these, an officer of every agency (`officer.dpu`, ...)
DEMO_USERS: tuple[tuple[str, Role, str | None], ...] = (
    ("supervisor", Role.supervisor, None),
    ("admin", Role.admin, None),
)


def officer_name(agency_code: str) -> str:
    """The demo officer of an agency: `officer.dpu` for DPU."""
    return f"officer.{agency_code.lower()}"


def demo_users(db: Session, *, active_only: bool = True) -> list[tuple[str, Role, str | None]]:
    """The demo accounts: the supervisor, an officer of each city agency in the catalogue
    (active ones only unless told; a referral body outside the city has none), the admin."""
    query = select(Agency.code).where(Agency.kind == CITY).order_by(Agency.code)
    if active_only:
        query = query.where(Agency.active)
    officers = [(officer_name(code), Role.officer, code) for code in db.exec(query)]
    return [DEMO_USERS[0], *officers, *DEMO_USERS[1:]]


def create_demo_users(db: Session) -> list[str]:
    """Create the demo accounts that do not exist yet; their usernames, all of them."""
    existing = set(db.exec(select(User.username)))
    accounts = demo_users(db)
    for username, role, agency in accounts:
        if username not in existing:
            create_user(
                db, username=username, password=DEMO_PASSWORD, role=role, agency_code=agency
            )
    return [username for username, _, _ in accounts]


def disable_demo_accounts(db: Session) -> list[str]:
    """Deactivate (and sign out) every active demo account whose password is still the demo
    one; the usernames of those deactivated. An account of that name with a password of its
    own is left alone."""
    # every agency's, active or not: an agency dropped from the catalogue keeps its officer
    names = [username for username, _, _ in demo_users(db, active_only=False)]
    disabled = []
    for user in list(db.exec(select(User).where(col(User.username).in_(names), User.active))):
        if passwords().hasher.verify(DEMO_PASSWORD, user.password_hash):
            user.active = False
            db.add(user)
            end_all_sessions(db, user)
            disabled.append(user.username)
    if disabled:
        log.error(
            "deactivated the demo accounts %s: they still had the published demo password. "
            "Give them new passwords and reactivate them in the console's admin pages "
            "(`aduan users create NAME --role admin` makes an admin when none is left)",
            ", ".join(sorted(disabled)),
        )
    return sorted(disabled)
