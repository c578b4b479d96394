"""POST /webhooks/twilio: SMS and WhatsApp messages in, TwiML replies out.

On WhatsApp a reply with numbered choices goes with quick-reply buttons (bots.twilio.quick_replies)
and a pressed button arrives as its ButtonPayload, the choice's number; SMS is plain text.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from bots.twilio.addresses import is_whatsapp, phone_number
from bots.twilio.quick_replies import send_ahead
from bots.twilio.signature import SignedForm
from cases.enums import SourceChannel
from core.db import utcnow
from core.deps import SettingsDep, app_session
from core.responses import WEBHOOK_ERRORS
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, MediaItem, media_kind
from intake.conversation import handle
from intake.media import download_media
from intake.messages import Location, ReplyAddress
from notifications.enums import Channel

router = APIRouter(tags=["webhooks"], responses=WEBHOOK_ERRORS)
MAX_MEDIA = 10  # Twilio's own maximum per message


def _media(form: FormData, settings: Settings, *, whatsapp: bool) -> tuple[MediaItem, ...]:
    try:
        count = min(int(str(form.get("NumMedia") or 0)), MAX_MEDIA)
    except ValueError:
        count = 0
    fetches = []
    for index in range(count):
        url = str(form.get(f"MediaUrl{index}") or "")
        declared = str(form.get(f"MediaContentType{index}") or "") or None
        if not url:
            continue

        def fetch(url: str = url, declared: str | None = declared) -> tuple[bytes, str | None]:
            # Twilio serves inbound media only to the account that received it
            auth = (settings.twilio_account_sid or "", settings.twilio_auth_token or "")
            data, served = download_media(url, settings, auth=auth)
            return data, declared or served

        fetches.append(MediaItem(media_kind(declared or "", audio_is_voice=whatsapp), fetch))
    return tuple(fetches)


def _location(form: FormData) -> Location | None:
    try:
        latitude, longitude = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    address = form.get("Address") or form.get("Label")
    return Location(latitude, longitude, str(address) if address else None)


def to_chat_event(form: FormData, settings: Settings) -> ChatEvent:
    sender = str(form.get("From") or "").strip()
    message_sid = str(form.get("MessageSid") or form.get("SmsSid") or "").strip()
    if not sender or not message_sid:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="From and MessageSid are required")
    whatsapp = is_whatsapp(sender)
    address = phone_number(sender)
    name = form.get("ProfileName")
    # a pressed quick-reply button: Body is its title, ButtonPayload the choice's number
    text = form.get("ButtonPayload") or form.get("Body")
    return ChatEvent(
        channel=SourceChannel.whatsapp if whatsapp else SourceChannel.sms,
        sender=ReplyAddress(Channel.whatsapp if whatsapp else Channel.sms, address),
        external_id=message_sid,
        received_at=utcnow(),
        text=str(text or ""),
        location=_location(form),
        media=_media(form, settings, whatsapp=whatsapp),
        name=str(name) if name else None,
        message_ref=message_sid,
    )


@router.post("/webhooks/twilio", response_class=Response)
def twilio_webhook(form: SignedForm, request: Request, settings: SettingsDep) -> Response:
    """One inbound SMS or WhatsApp message (WhatsApp when From starts with `whatsapp:`)."""
    event = to_chat_event(form, settings)
    with app_session(request.app) as session:
        outcome = handle(session, settings, event)
    return Response(
        content=twiml_answer(form, event, outcome, settings), media_type="application/xml"
    )


def twiml_answer(form: FormData, event: ChatEvent, outcome: ChatOutcome, settings: Settings) -> str:
    """The TwiML answer to one message. On WhatsApp the replies up to the last with choices go
    ahead by the REST API, that one with buttons (bots.twilio.quick_replies); the answer holds
    the others."""
    replies = outcome.replies
    our_number = str(form.get("To") or "")
    if event.channel == SourceChannel.whatsapp and is_whatsapp(our_number):
        # the resident wrote to this WhatsApp sender of ours: the answer comes from it
        replies = send_ahead(
            settings, replies, to=str(form["From"]), from_=our_number, about=event.external_id
        )
    twiml = MessagingResponse()
    for reply in replies:
        twiml.message(reply.text)
    return str(twiml)
