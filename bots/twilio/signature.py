"""Twilio webhook authentication: the X-Twilio-Signature over our public URL and every field."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from core.deps import SettingsDep

MAX_FORM_BYTES = 64 * 1024


def public_url(request: Request, base_url: str) -> str:
    """The URL Twilio signed: our public address, never the one the proxy handed us."""
    url = base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


async def signed_form(request: Request, settings: SettingsDep) -> FormData:
    """The posted form, if and only if Twilio signed it with our auth token; else 403."""
    if not settings.twilio_auth_token:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Twilio is not configured")
    signature = request.headers.get("X-Twilio-Signature", "")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="request body too large")
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart or encoding: the sender is not Twilio
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="unreadable form body") from exc
    validator = RequestValidator(settings.twilio_auth_token)
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    # the validator signs repeated fields as a list, single ones as a string
    params = {key: v[0] if len(v) == 1 else v for key, v in values.items()}
    if not signature or not validator.validate(
        public_url(request, settings.public_base_url), params, signature
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="invalid Twilio signature")
    return form


SignedForm = Annotated[FormData, Depends(signed_form)]
