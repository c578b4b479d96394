"""Every staff member's own account page: their live sessions and "sign out everywhere"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from console.session import VisitDep
from core.i18n import N_
from staff.enums import Role
from staff.sessions import end_all_sessions, is_session, sessions_of

router = APIRouter(prefix="/console/account", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def account(visit: VisitDep) -> Response:
    """Who is signed in, and where: each live console sign-in and API token of the account."""
    if refusal := visit.refuse(*Role):
        return refusal
    sessions = sessions_of(visit.db, visit.user)
    current = next((s.id for s in sessions if is_session(s, visit.state.sid)), None)
    return visit.render("account.html", sessions=sessions, current=current)


@router.post("/logout-everywhere", response_class=HTMLResponse)
def logout_everywhere(visit: VisitDep, csrf: Annotated[str, Form()] = "") -> Response:
    """End every session of the account: this browser, other browsers and every API token."""
    if refusal := visit.refuse_post(csrf, *Role):
        return refusal
    end_all_sessions(visit.db, visit.user)
    visit.db.commit()
    visit.state.sign_out()
    return visit.redirect("/console/login", N_("Anda sudah keluar dari semua perangkat."))
