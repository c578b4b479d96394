"""The staff API's reveal of a reporter's full contact, recorded as the console's is."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Response, status

from cases.service import case_for_user
from core.deps import SessionDep
from core.responses import STAFF_ERRORS
from privacy.reveals import RevealRefusal, RevealRefused, Via, reveal_contact
from privacy.schemas import RevealedContactOut
from staff.auth import CaseWorker

router = APIRouter(prefix="/api/v1", tags=["staff"], responses=STAFF_ERRORS)
log = logging.getLogger(__name__)


@router.post("/cases/{code}/contact", response_model=RevealedContactOut)
def reveal(
    code: str, session: SessionDep, user: CaseWorker, response: Response
) -> RevealedContactOut:
    """The full contact of the case's reporter, for an officer of its agency or a supervisor
    who must call them; every call is recorded for the admins. Refused (403) for an anonymous
    case, and (409) for one that names no reporter."""
    case = case_for_user(session, user, code)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case {code} in your queue")
    try:
        contact = reveal_contact(session, user, case, Via.api)
    except RevealRefused as exc:
        anonymous = exc.reason == RevealRefusal.anonymous
        answer = status.HTTP_403_FORBIDDEN if anonymous else status.HTTP_409_CONFLICT
        raise HTTPException(answer, detail=str(exc)) from None
    session.commit()
    log.info("contact of case %s shown to %s via the API", case.tracking_code, user.username)
    # the number must not stay in any cache on the way or in the client
    response.headers["Cache-Control"] = "private, no-store"
    return RevealedContactOut(channel=contact.channel, address=contact.address, name=contact.name)
