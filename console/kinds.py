"""The console's control of what a case is: a complaint or a question (cases/kinds.py).

Thin: the rule and the history entry are cases.kinds'. An officer of another agency gets 403,
as for moderation (console/moderation.py); the form carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from cases import kinds
from cases.enums import CaseKind
from console.routes import change_case
from console.session import VisitDep
from core.i18n import N_

router = APIRouter(prefix="/console/cases/{code}", include_in_schema=False)

FORBIDDEN = N_("Hanya petugas dinas aduan ini dan supervisor yang boleh mengubah jenisnya.")


@router.post("/kind", response_class=HTMLResponse)
def set_kind(
    code: str, visit: VisitDep, csrf: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = ""
) -> Response:
    """Record the case as a complaint or a question, as the button says."""
    return change_case(
        visit,
        code,
        csrf,
        lambda case: kinds.set_kind(visit.db, case, kind, actor=visit.user),
        N_("Dicatat sebagai: %(kind)s."),
        forbidden=FORBIDDEN,
        kind=visit.t.case_kind(kind) if kind in CaseKind.__members__ else "",
    )
