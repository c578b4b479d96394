"""The Open311 POSTs: `requests.{xml,json}` (a new service request) and mySociety's
`servicerequestupdates.{xml,json}` (a resident's update), both form-encoded with a partner's
`api_key`. A missing, unknown or revoked key is refused (403) before anything else is read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from core.deps import app_session
from core.settings import Settings
from intake.models import PartnerKey
from intake.partner_keys import active_key
from open311.filing import (
    Posted,
    PostLimited,
    count_post,
    file_request,
    post_update,
    service_notice,
)
from open311.formats import RESPONSES, Open311Error, Open311Route, answer, error_answer
from open311.formats import response_format as format_of

router = APIRouter(prefix="/open311/v2", route_class=Open311Route, tags=["open311"])
log = logging.getLogger(__name__)

# formats' answers, and 429 with the same errors/error body
ANSWERS: dict[int | str, dict] = {
    **RESPONSES,
    429: RESPONSES[403]
    | {
        "description": "this key's posts in the hour, or this resident's complaints, reached "
        "their limit (Retry-After)"
    },
}


def _form(required: list[str], fields: dict[str, str]) -> dict:
    """The OpenAPI request body of a form of `fields` (name: description), all text."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    schema = {"type": "object", "required": required, "properties": properties}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


REQUEST_FORM = _form(
    ["api_key", "service_code", "description"],
    {
        "api_key": "the partner's key, from an admin",
        "jurisdiction_id": "accepted and ignored: one city per installation",
        "service_code": "a service_code of services.{xml,json}",
        "description": "the complaint, 3 to 4000 characters",
        "lat": "latitude, WGS84 decimal degrees (with long)",
        "long": "longitude, WGS84 decimal degrees (with lat)",
        "address_string": "the place in words, when there is no lat and long",
        "address_id": "the partner's address id, when there is neither",
        "attribute[code]": "an answer to the service definition's question `code`",
        "media_url": "a photo's address (kept as a link for staff, not fetched); repeatable",
        "email": "the resident's e-mail: told there",
        "phone": "the resident's phone: told by SMS when no e-mail is given",
        "first_name": "the resident's first name",
        "last_name": "the resident's last name",
        "device_id": "kept for staff",
        "account_id": "kept for staff and answered back",
    },
)
UPDATE_FORM = _form(
    ["api_key", "service_request_id", "description"],
    {
        "api_key": "the partner's key, from an admin",
        "service_request_id": "the tracking code",
        "description": "the resident's words",
        "update_id": "the partner's own id of the update: a repeat answers the first",
        "media_url": "a photo's address, kept with the words",
        "status": "read, not used: a partner cannot move a case",
        "updated_datetime": "read, not used",
        "email": "read, not used",
        "first_name": "read, not used",
        "last_name": "read, not used",
    },
)


Work = Callable[[Session, Settings, PartnerKey, Posted], list[dict]]


def _api_key(form: Posted) -> str | None:
    values = form.getlist("api_key")
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def _as_partner(request: Request, form: Posted, work: Work) -> list[dict]:
    """`work` for the partner whose `api_key` the form carries, counted against its limit."""
    settings: Settings = request.app.state.settings
    with app_session(request.app) as session:
        key = active_key(session, settings, _api_key(form))
        if key is None:
            raise Open311Error(403, "api_key is missing, unknown or revoked")
        count_post(settings, key)
        return work(session, settings, key, form)


async def _run(request: Request, suffix: str, root: str, work: Work) -> Response:
    fmt = format_of(suffix)
    form = await request.form()
    try:
        body = await anyio.to_thread.run_sync(partial(_as_partner, request, form, work))
    except PostLimited as exc:
        limited = error_answer(fmt, 429, exc.description)
        limited.headers["Retry-After"] = str(exc.retry_after)
        return limited
    return answer(request, fmt, root, body)


def _filed(session: Session, settings: Settings, key: PartnerKey, form: Posted) -> list[dict]:
    result, posted = file_request(session, settings, key, form)
    log.info("Open311 key %s filed %s", key.id, result.tracking_code)
    return [
        {
            "service_request_id": result.tracking_code,
            "service_notice": service_notice(settings, result),
            "account_id": posted.account_id,
        }
    ]


def _updated(session: Session, settings: Settings, key: PartnerKey, form: Posted) -> list[dict]:
    return [{"update_id": str(post_update(session, settings, key, form))}]


@router.post(
    "/requests.{suffix}",
    summary="File a service request (GeoReport v2)",
    responses=ANSWERS,
    openapi_extra=REQUEST_FORM,
)
async def post_request(request: Request, suffix: str) -> Response:
    """File a complaint into the service `service_code` names, for a partner's `api_key`;
    answers `service_requests/request{service_request_id, service_notice, account_id}`."""
    return await _run(request, suffix, "service_requests", _filed)


@router.post(
    "/servicerequestupdates.{suffix}",
    summary="Post a resident's update (mySociety extension)",
    responses=ANSWERS,
    openapi_extra=UPDATE_FORM,
)
async def post_service_request_update(request: Request, suffix: str) -> Response:
    """A resident's update on the case `service_request_id`, for a partner's `api_key`;
    answers `service_request_updates/request_update{update_id}`."""
    return await _run(request, suffix, "service_request_updates", _updated)
