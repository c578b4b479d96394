"""POST /webhooks/twilio: SMS and WhatsApp messages in, TwiML replies out.

On WhatsApp a reply with numbered choices goes with quick-reply buttons (bots.twilio.quick_replies)
and a pressed button arrives as its ButtonPayload, the choice's number; a tapped item of the
rating list (bots.twilio.rating_list) arrives as its ListId, the rating or the word for "not
fixed". Either is read as the resident typing it. SMS is plain text.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from bots.twilio.addresses import is_whatsapp, phone_number
from bots.twilio.form_shape import CHOICE_FIELDS, SID, field, form_problem, media_count
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

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"], responses=WEBHOOK_ERRORS)


def _media(form: FormData, settings: Settings, *, whatsapp: bool) -> tuple[MediaItem, ...]:
    fetches = []
    for index in range(media_count(form)):
        url = field(form, f"MediaUrl{index}")
        declared = field(form, f"MediaContentType{index}") or None

        def fetch(url: str = url, declared: str | None = declared) -> tuple[bytes, str | None]:
            # Twilio serves inbound media only to the account that received it
            auth = (settings.twilio_account_sid or "", settings.twilio_auth_token or "")
            data, served = download_media(url, settings, auth=auth)
            return data, declared or served

        fetches.append(MediaItem(media_kind(declared or "", audio_is_voice=whatsapp), fetch))
    return tuple(fetches)


def _location(form: FormData) -> Location | None:
    latitude, longitude = field(form, "Latitude"), field(form, "Longitude")
    if not latitude:
        return None
    address = field(form, "Address") or field(form, "Label")
    return Location(float(latitude), float(longitude), address or None)


def to_chat_event(form: FormData, settings: Settings) -> ChatEvent:
    """The conversation's view of a form `form_problem` found no fault with."""
    sender = field(form, "From")
    message_sid = field(form, "MessageSid") or field(form, "SmsSid")
    whatsapp = is_whatsapp(sender)
    address = phone_number(sender)
    name = field(form, "ProfileName")
    # a pressed button or a tapped list item: Body is its title, the id the answer it stands for
    choice = next((field(form, name) for name in CHOICE_FIELDS if field(form, name)), "")
    text = choice or form.get("Body")
    return ChatEvent(
        channel=SourceChannel.whatsapp if whatsapp else SourceChannel.sms,
        sender=ReplyAddress(Channel.whatsapp if whatsapp else Channel.sms, address),
        external_id=message_sid,
        received_at=utcnow(),
        text=str(text or ""),
        location=_location(form),
        media=_media(form, settings, whatsapp=whatsapp),
        name=name or None,
        message_ref=message_sid,
    )


@router.post("/webhooks/twilio", response_class=Response)
def twilio_webhook(form: SignedForm, request: Request, settings: SettingsDep) -> Response:
    """One inbound SMS or WhatsApp message (WhatsApp when From starts with `whatsapp:`); a
    malformed one is logged and answered with no reply, filing nothing."""
    if (problem := form_problem(form)) is not None:
        sid = field(form, "MessageSid") or field(form, "SmsSid")
        shown = sid if SID.fullmatch(sid) else "?"
        log.warning("Twilio message %s ignored, malformed: %s", shown, problem)
        return Response(content=str(MessagingResponse()), media_type="application/xml")
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
