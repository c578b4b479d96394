"""The console's admin page for partners' webhook endpoints: register one (its secret is shown
once, on the page that answers the registration), see each one's health and delivery log, send
an event again, resume a paused endpoint, remove one.

Admins only, each change with the CSRF token like the other admin forms; the rules are
`notifications.webhooks`', the same the command line follows. Changes are logged with the
admin's name and the URL without its query; never with the secret.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from console.session import Visit, VisitDep
from core.i18n import N_
from notifications import webhooks
from notifications.models import WebhookEndpoint
from notifications.webhooks import Event, WebhookError, WebhookRefusal, shown_url
from routing import stored_catalogue
from staff.enums import Role

router = APIRouter(prefix="/console/admin/webhooks", include_in_schema=False)
log = logging.getLogger(__name__)

WEBHOOKS = "/console/admin/webhooks"
RowId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form()]
Choices = Annotated[list[str], Form()]

EVENT_LABELS = {
    Event.case_created: N_("aduan baru masuk"),
    Event.case_status_changed: N_("status aduan berubah"),
    Event.case_forwarded: N_("aduan dialihkan ke dinas lain"),
    Event.case_note_public: N_("catatan petugas untuk warga"),
    Event.case_merged: N_("aduan digabung ke aduan lain"),
    Event.announcement_published: N_("pengumuman dinas diterbitkan"),
}
REFUSALS = {
    WebhookRefusal.bad_url: N_(
        "Alamat harus URL lengkap yang diawali http:// atau https://, maksimal %(max)s karakter."
    ),
    WebhookRefusal.no_events: N_("Pilih minimal satu peristiwa."),
    WebhookRefusal.unknown_event: N_("Peristiwa '%(event)s' tidak dikenal."),
    WebhookRefusal.unknown_agency: N_("Dinas '%(agency)s' tidak ada."),
    WebhookRefusal.not_found: N_("Endpoint atau pengiriman itu tidak ada."),
    WebhookRefusal.not_sent_yet: N_(
        "Pengiriman %(id)s belum selesai; ia akan dikirim dengan sendirinya."
    ),
}
STATUS_CODES = {WebhookRefusal.not_found: 404, WebhookRefusal.not_sent_yet: 409}


def _refusal(visit: Visit, exc: WebhookError) -> tuple[int, str]:
    return STATUS_CODES.get(exc.reason, 422), visit.t.gettext(REFUSALS[exc.reason], **exc.params)


def _list_page(
    visit: Visit,
    status_code: int = 200,
    *,
    error: str | None = None,
    form: dict[str, object] | None = None,
    created: WebhookEndpoint | None = None,
) -> Response:
    return visit.render(
        "admin_webhooks.html",
        status_code,
        page_path=WEBHOOKS,
        endpoints=webhooks.all_endpoints(visit.db),
        shown_url=shown_url,
        events=[(event, visit.t.gettext(label)) for event, label in EVENT_LABELS.items()],
        agencies=stored_catalogue.agencies(visit.db, active_only=True),
        form=form or {"url": "", "events": [], "agencies": [], "trusted": False},
        created=created,
        error=error,
    )


def _endpoint_page(
    visit: Visit, endpoint: WebhookEndpoint, status_code: int = 200, error: str | None = None
) -> Response:
    return visit.render(
        "admin_webhook.html",
        status_code,
        page_path=f"{WEBHOOKS}/{endpoint.id}",
        endpoint=endpoint,
        url=shown_url(endpoint.url),
        event_labels={event: visit.t.gettext(label) for event, label in EVENT_LABELS.items()},
        deliveries=webhooks.deliveries(visit.db, endpoint.id),
        resendable={"sent", "delivered", "failed"},
        error=error,
    )


@router.get("", response_class=HTMLResponse)
def endpoint_list(visit: VisitDep) -> Response:
    if refusal := visit.refuse(Role.admin):
        return refusal
    return _list_page(visit)


@router.post("", response_class=HTMLResponse)
def add_endpoint(
    visit: VisitDep,
    csrf: Text = "",
    url: Text = "",
    events: Choices = [],  # noqa: B006 - FastAPI copies a form's default
    agencies: Choices = [],  # noqa: B006
    trusted: Text = "",
) -> Response:
    """Register an endpoint; the answer is the page with its secret, shown this once."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    form = {"url": url[:2000], "events": events, "agencies": agencies, "trusted": bool(trusted)}
    try:
        endpoint = webhooks.add_endpoint(
            visit.db, url=url, events=events, agencies=agencies, trusted=bool(trusted)
        )
    except WebhookError as exc:
        status_code, error = _refusal(visit, exc)
        return _list_page(visit, status_code, error=error, form=form)
    visit.db.commit()
    log.info("%s registered webhook endpoint %s", visit.user.username, endpoint.id)
    # not a redirect: the secret must not travel in a URL or sit in the flash cookie
    return _list_page(visit, 201, created=endpoint)


def _find(visit: Visit, endpoint_id: int) -> tuple[WebhookEndpoint | None, Response | None]:
    try:
        return webhooks.get_endpoint(visit.db, endpoint_id), None
    except WebhookError as exc:
        status_code, error = _refusal(visit, exc)
        return None, _list_page(visit, status_code, error=error)


@router.get("/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(endpoint_id: RowId, visit: VisitDep) -> Response:
    """One endpoint: what it is sent, its health, and its delivery log."""
    if refusal := visit.refuse(Role.admin):
        return refusal
    endpoint, missing = _find(visit, endpoint_id)
    return missing or _endpoint_page(visit, endpoint)


@router.post("/{endpoint_id}/resume", response_class=HTMLResponse)
def resume_endpoint(endpoint_id: RowId, visit: VisitDep, csrf: Text = "") -> Response:
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    endpoint, missing = _find(visit, endpoint_id)
    if missing:
        return missing
    webhooks.resume(visit.db, endpoint.id)
    visit.db.commit()
    log.info("%s resumed webhook endpoint %s", visit.user.username, endpoint.id)
    return visit.redirect(
        f"{WEBHOOKS}/{endpoint.id}", N_("Endpoint %(id)s dilanjutkan."), id=str(endpoint.id)
    )


@router.post("/{endpoint_id}/remove", response_class=HTMLResponse)
def remove_endpoint(endpoint_id: RowId, visit: VisitDep, csrf: Text = "") -> Response:
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    try:
        webhooks.remove_endpoint(visit.db, endpoint_id)
    except WebhookError as exc:
        status_code, error = _refusal(visit, exc)
        return _list_page(visit, status_code, error=error)
    visit.db.commit()
    log.info("%s removed webhook endpoint %s", visit.user.username, endpoint_id)
    return visit.redirect(WEBHOOKS, N_("Endpoint %(id)s dihapus."), id=str(endpoint_id))


@router.post("/{endpoint_id}/deliveries/{delivery_id}/resend", response_class=HTMLResponse)
def send_again(
    endpoint_id: RowId, delivery_id: RowId, visit: VisitDep, csrf: Text = ""
) -> Response:
    """Deliver one event of the log again, with its webhook-id unchanged."""
    if refusal := visit.refuse_post(csrf, Role.admin):
        return refusal
    endpoint, missing = _find(visit, endpoint_id)
    if missing:
        return missing
    try:
        webhooks.send_again(visit.db, endpoint.id, delivery_id)
    except WebhookError as exc:
        status_code, error = _refusal(visit, exc)
        return _endpoint_page(visit, endpoint, status_code, error)
    visit.db.commit()
    log.info(
        "%s sent delivery %s to webhook endpoint %s again",
        visit.user.username,
        delivery_id,
        endpoint.id,
    )
    return visit.redirect(
        f"{WEBHOOKS}/{endpoint.id}",
        N_("Pengiriman %(id)s dijadwalkan ulang."),
        id=str(delivery_id),
    )
