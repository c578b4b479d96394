"""Working the console through HTTP as a browser without JavaScript does: signing in, reading
the CSRF token off a page, posting its forms; and reading back what they changed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from cases.models import Case, CaseEvent
from core.db import get_engine, session_scope
from core.settings import Settings
from staff.models import User
from tests.helpers import PASSWORD, create_staff


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(web: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(web.get("/console/login").text)
    return web.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": token},
        follow_redirects=False,
    )


def signed_in(web: TestClient, username: str) -> str:
    """Sign in and return the CSRF token of the new session."""
    response = sign_in(web, username)
    assert response.status_code == 303, response.text
    return csrf_of(web.get("/console").text)


def post(web: TestClient, path: str, csrf: str | None, **fields: str):
    data = dict(fields) if csrf is None else {"csrf": csrf, **fields}
    return web.post(path, data=data, follow_redirects=False)


def case_row(settings: Settings, code: str) -> Case:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return session.exec(select(Case).where(Case.tracking_code == code)).one()


def history(settings: Settings, code: str) -> list[CaseEvent]:
    case = case_row(settings, code)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        return list(
            session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by("id"))
        )


def add_staff(
    settings: Settings,
    username: str,
    role: str,
    agency: str | None = None,
    full_name: str | None = None,
    *,
    active: bool = True,
) -> int:
    """An account as an admin would leave it: named, with an e-mail, maybe deactivated."""
    create_staff(settings, username, role, agency)
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.full_name, user.active = full_name, active
        user.email = f"{username}@semarangkota.example"
        session.add(user)
        return user.id
