"""Staff roles."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    admin = "admin"


# who can have a case on their desk: an admin works on accounts, not cases
HOLDER_ROLES = frozenset({Role.officer, Role.supervisor})


class SessionKind(StrEnum):
    """Where a staff session was signed in: the console (a cookie) or the API (a bearer token)."""

    console = "console"
    api = "api"
