"""The console's controls of what the public sees of a case: hide it (one click, with a
reason), show it again, rewrite its public text, approve or withdraw a photo.

Thin: the rules and the history entries are cases.moderation's. An officer of another agency
gets 403 (the tracking code is public, so its existence is no secret); every form carries the
session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from cases import moderation
from cases.models import Case
from console.routes import change_case
from console.session import Visit, VisitDep
from core.i18n import N_

router = APIRouter(prefix="/console/cases/{code}", include_in_schema=False)

Text = Annotated[str, Form()]
PhotoId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


# why an officer of another agency may not
FORBIDDEN = N_(
    "Hanya petugas dinas aduan ini dan supervisor yang boleh mengatur tampilan publiknya."
)


def _moderated(
    visit: Visit, code: str, csrf: str, change: Callable[[Case], object], flash: str
) -> Response:
    """`change_case`, refusing another agency's officer in the moderators' words."""
    return change_case(visit, code, csrf, change, flash, forbidden=FORBIDDEN)


@router.post("/hide", response_class=HTMLResponse)
def hide_case(
    code: str, visit: VisitDep, csrf: Text = "", reason: Text = "", note: Text = ""
) -> Response:
    """Take the case off every public page, map and feed, for the reason of the button."""
    return _moderated(
        visit,
        code,
        csrf,
        lambda case: moderation.hide(visit.db, case, reason=reason, note=note, actor=visit.user),
        N_("Aduan disembunyikan dari publik."),
    )


@router.post("/unhide", response_class=HTMLResponse)
def unhide_case(code: str, visit: VisitDep, csrf: Text = "", note: Text = "") -> Response:
    return _moderated(
        visit,
        code,
        csrf,
        lambda case: moderation.unhide(visit.db, case, note=note, actor=visit.user),
        N_("Aduan boleh tampil lagi untuk publik."),
    )


@router.post("/public-text", response_class=HTMLResponse)
def edit_public_text(
    code: str, visit: VisitDep, csrf: Text = "", text: Text = "", note: Text = ""
) -> Response:
    """What the public reads instead of the resident's words; empty puts those back."""
    return _moderated(
        visit,
        code,
        csrf,
        lambda case: moderation.set_public_text(
            visit.db, case, text=text, note=note, actor=visit.user
        ),
        N_("Teks untuk publik disimpan."),
    )


@router.post("/photos/{photo_id}/publish", response_class=HTMLResponse)
def publish_photo(code: str, photo_id: PhotoId, visit: VisitDep, csrf: Text = "") -> Response:
    return _moderated(
        visit,
        code,
        csrf,
        lambda case: moderation.publish_photo(visit.db, case, photo_id, actor=visit.user),
        N_("Foto disetujui untuk halaman publik."),
    )


@router.post("/photos/{photo_id}/withdraw", response_class=HTMLResponse)
def withdraw_photo(code: str, photo_id: PhotoId, visit: VisitDep, csrf: Text = "") -> Response:
    return _moderated(
        visit,
        code,
        csrf,
        lambda case: moderation.withdraw_photo(visit.db, case, photo_id, actor=visit.user),
        N_("Foto ditarik dari halaman publik."),
    )
