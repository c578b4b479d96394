"""The console's page of partners' Open311 API keys: make one (shown once, on the answer to
the form, never in a cookie or a redirect), see them all, revoke one. Admins only; the keys
themselves are `intake.partner_keys`'s, as the command line's `aduan open311 keys` are."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from console.session import Visit, VisitDep
from core.i18n import N_
from intake import partner_keys
from intake.models import PARTNER_NAME_MAX
from routing import stored_catalogue
from staff.enums import Role

router = APIRouter(prefix="/console/admin", include_in_schema=False)
log = logging.getLogger(__name__)

KEYS = "/console/admin/open311"
# why a key was not made, by `KeyRefused.reason`; the placeholders are its params
KEY_REFUSALS = {
    "bad_name": N_("Nama mitra wajib diisi, maksimal %(max)s karakter."),
    "unknown_service": N_("Layanan %(codes)s tidak ada di katalog."),
    "no_services": N_("Pilih setidaknya satu layanan, atau semua layanan."),
}


def _keys_page(
    visit: Visit,
    status_code: int = 200,
    *,
    error: str | None = None,
    form: dict[str, object] | None = None,
    new_key: partner_keys.NewKey | None = None,
) -> Response:
    """Every key, newest first, and the form for a new one (as submitted, after a refusal)."""
    en = visit.lang == "en"
    categories = stored_catalogue.categories(visit.db)
    return visit.render(
        "admin_open311_keys.html",
        status_code,
        page_path=KEYS,
        keys=partner_keys.all_keys(visit.db),
        services=[c for c in categories if c.active],
        service_names={c.code: c.name_en if en else c.name for c in categories},
        form=form or {"name": "", "scope": "all", "services": []},
        name_max=PARTNER_NAME_MAX,
        error=error,
        new_key=new_key,
    )


@router.get("/open311", response_class=HTMLResponse)
def keys(visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    return _keys_page(visit)


@router.post("/open311", response_class=HTMLResponse)
def create_key(
    visit: VisitDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "all",
    service: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A new key for every service (`scope` all) or for the ticked ones; the answer shows it
    once (201)."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    chosen = list(dict.fromkeys(service or []))[:200] if scope == "some" else None
    form = {"name": name[:PARTNER_NAME_MAX], "scope": scope, "services": chosen or []}
    try:
        if chosen == []:
            raise partner_keys.KeyRefused("no services chosen", "no_services")
        made = partner_keys.create_key(
            visit.db,
            visit.settings,
            name=name,
            services=chosen,
            created_by=visit.user.username,
        )
    except partner_keys.KeyRefused as exc:
        visit.db.rollback()
        error = visit.t.gettext(KEY_REFUSALS[exc.reason], **exc.params)
        return _keys_page(visit, 422, error=error, form=form)
    visit.db.commit()
    return _keys_page(visit, 201, new_key=made)


@router.post("/open311/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(
    key_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    visit: VisitDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a key: its partner's next post is refused."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    row = partner_keys.revoke_key(visit.db, key_id, revoked_by=visit.user.username)
    if row is None:
        return _keys_page(visit, 404, error=visit.t.gettext("Kunci itu tidak ada."))
    visit.db.commit()
    return visit.redirect(KEYS, N_("Kunci %(name)s dicabut."), name=row.name)
