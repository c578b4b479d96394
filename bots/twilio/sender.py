"""The SMS and WhatsApp channels: messages out through Twilio's official client.

One message holds at most 1600 characters (Twilio's maximum body; SMS goes as concatenated
segments up to that); the outbox splits longer ones.

SMS goes out as the row's text (path "sms").

WhatsApp accepts free text only within 24 hours of the citizen's last message to us
(`Contact.last_inbound_at`). Inside that window the text goes as it is (path "whatsapp").
Outside it, or when Twilio answers 63016 (outside the window: our clock and Meta's disagree),
in the same attempt:

1. if TWILIO_WHATSAPP_TEMPLATES holds a Content SID for the row's kind (a key
   "<kind>:<language>", e.g. "status_changed:en", wins over the bare "<kind>"), and the row has
   its variables, the approved template goes out with `content_sid` and `content_variables`
   (path "whatsapp_template");
2. otherwise the text goes by SMS to the same number from TWILIO_SMS_FROM (path
   "sms_fallback").

A photo (an officer's after-photo) goes inside the window as media: Twilio fetches it from its
signed link (`notifications.photos`, under PUBLIC_BASE_URL). Outside it the SMS fallback carries
the link in its text; an approved template carries its own text only. SMS never carries media
(`photos` is false): the outbox gives it the text with the link.

Inside the window the rating request (or the last of its parts, the one ending with the
question) goes as a list the resident taps: 5 to 1 and "not fixed" (`bots.twilio.rating_list`);
its photo goes first, as a media message of its own, as the list cannot carry one. When Twilio
does not take the list (refused, unreachable, or the text longer than a list's body holds),
the same text goes as free text in the same attempt, without the photo that already went; a
63016 to the list goes on as outside the window. The list is a session message like free text
and is recorded under the same path "whatsapp", so a late 63016 resends it the same way
(`bots.twilio.status`); the row's provider id is the list's, not the photo's. Should the text
fail as well, the message is tried again later as any failed send is, its photo included.

Template variables are numbered in this order per kind (`TEMPLATE_VARIABLES`); write the
approved template text with the same numbers:

=================  ======================================================
kind               {{1}}, {{2}}, ...
=================  ======================================================
acknowledgement    code, agency, track_url
status_changed     code, status, note, track_url
forwarded          code, agency, note, track_url
public_note        code, note, track_url
rating_request     code, status, note, track_url
auto_closed        code, track_url
reopened           code, agency, track_url
referred           code, agency, where, track_url
=================  ======================================================

`status` is the label the citizen reads ("selesai ditangani"), `agency` the agency's name in the
case's language (for `referred`, the body outside the city, and `where` how to reach it),
`note` the officer's public note. WhatsApp refuses empty parameters and line breaks in them,
and a filled-in template body may hold at most 1024 characters, so an empty value is sent as
"-", whitespace is collapsed and a value is cut at `TEMPLATE_VALUE_MAX` characters with "…"
(the tracking link shows the note whole). Kinds not listed have no template and fall back to
SMS outside the window.

A body too long for one message was split at queue time into parts that each carry the same
variables plus "part"/"parts". The template is made from the variables, not from the parts, so
the first part sends it and later parts that would also need the template are not sent again
(path "whatsapp_template_included", no provider id).

Every send asks Twilio to report delivery to PUBLIC_BASE_URL + `STATUS_PATH`
(`bots.twilio.status`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta

from twilio.base.exceptions import TwilioException, TwilioRestException

from bots.twilio import rating_list
from bots.twilio.addresses import on_whatsapp, phone_number
from bots.twilio.client import twilio_client
from bots.twilio.contents import content_sid, forget
from bots.twilio.errors import OUTSIDE_WINDOW
from core.db import utcnow
from core.settings import Settings
from notifications.channels import DeliveryError, OutboundMessage, SendResult
from notifications.enums import Channel, MessageKind
from notifications.photos import with_photo_link
from notifications.service import PART_KEY, PARTS_KEY

log = logging.getLogger(__name__)

MAX_CHARS = 1600
# where Twilio posts delivery reports (bots/twilio/status.py)
STATUS_PATH = "/webhooks/twilio/status"
WHATSAPP_WINDOW = timedelta(hours=24)
# a session message on WhatsApp (free text, or the rating list): a late 63016 report for it
# sends the message again (status.py)
FREE_TEXT_PATH = "whatsapp"
TEMPLATE_VALUE_MAX = 700  # leaves room for the template's own text within 1024

TEMPLATE_VARIABLES: dict[str, tuple[str, ...]] = {
    MessageKind.acknowledgement: ("code", "agency", "track_url"),
    MessageKind.status_changed: ("code", "status", "note", "track_url"),
    MessageKind.forwarded: ("code", "agency", "note", "track_url"),
    MessageKind.public_note: ("code", "note", "track_url"),
    MessageKind.rating_request: ("code", "status", "note", "track_url"),
    MessageKind.auto_closed: ("code", "track_url"),
    MessageKind.reopened: ("code", "agency", "track_url"),
    MessageKind.referred: ("code", "agency", "where", "track_url"),
    MessageKind.announcement: ("agency", "text", "until", "map_url"),
}


def in_whatsapp_window(message: OutboundMessage) -> bool:
    """True while free text is allowed: the citizen wrote to us less than 24 hours ago."""
    last = message.last_inbound_at
    return last is not None and utcnow() - last < WHATSAPP_WINDOW


def template_value(value: object) -> str:
    """A value WhatsApp accepts as a template parameter: one line, never empty."""
    text = " ".join(str(value or "").split())
    if len(text) > TEMPLATE_VALUE_MAX:
        text = text[: TEMPLATE_VALUE_MAX - 1].rstrip() + "…"
    return text or "-"


def content_variables(kind: str, variables: dict[str, str]) -> str:
    """Twilio's `content_variables` JSON: {"1": ..., "2": ...} in TEMPLATE_VARIABLES order."""
    names = TEMPLATE_VARIABLES[kind]
    return json.dumps(
        {str(i): template_value(variables.get(name)) for i, name in enumerate(names, start=1)},
        ensure_ascii=False,
    )


class _OutsideWindow(Exception):
    """Twilio refused free text because the 24-hour window is closed."""


class _ListNotTaken(Exception):
    """Twilio did not take the rating list; the reason names no resident."""


def _sms_from(settings: Settings) -> str:
    if not settings.twilio_sms_from:
        raise DeliveryError("TWILIO_SMS_FROM is not set", permanent=False)
    return settings.twilio_sms_from


def _whatsapp_from(settings: Settings) -> str:
    sender = settings.twilio_whatsapp_from
    if not sender:
        raise DeliveryError("TWILIO_WHATSAPP_FROM is not set", permanent=False)
    return on_whatsapp(sender)


def _template_sid(message: OutboundMessage, settings: Settings) -> str | None:
    templates = settings.twilio_whatsapp_templates
    if message.kind not in TEMPLATE_VARIABLES:
        return None
    return templates.get(f"{message.kind}:{message.language}") or templates.get(message.kind)


def _hand_over(settings: Settings, **fields: object) -> str:
    """Hand one message to Twilio, asking for its delivery reports; returns its sid. Raises
    what the Twilio client raises."""
    fields["status_callback"] = settings.public_base_url + STATUS_PATH
    return str(twilio_client(settings).messages.create(**fields).sid)


def _create(settings: Settings, *, free_whatsapp: bool = False, **fields: object) -> str:
    """`_hand_over`, its failures as DeliveryError (or _OutsideWindow for a session message
    WhatsApp's window refused)."""
    try:
        return _hand_over(settings, **fields)
    except TwilioRestException as exc:
        if free_whatsapp and exc.code == OUTSIDE_WINDOW:
            raise _OutsideWindow from exc
        # 4xx means Twilio refused this message (bad number, opted out): retrying won't help;
        # 429 and 5xx are Twilio's trouble, not ours.
        permanent = 400 <= exc.status < 500 and exc.status != 429
        raise DeliveryError(
            f"Twilio error {exc.code or exc.status}: {exc.msg}", permanent=permanent
        ) from exc
    except (TwilioException, OSError) as exc:
        raise DeliveryError(f"Twilio unreachable: {exc}", permanent=False) from exc


def _asks_rating(message: OutboundMessage) -> bool:
    """The message ends with the rating question: a rating request, or its last part."""
    variables = message.variables or {}
    last_part = variables.get(PART_KEY, "1") == variables.get(PARTS_KEY, "1")
    return message.kind == MessageKind.rating_request and last_part


def _send_rating_list(message: OutboundMessage, settings: Settings, *, to: str, from_: str) -> str:
    """Send the message's text as the rating list; its sid. Raises _OutsideWindow when WhatsApp's
    window refused it, _ListNotTaken when Twilio would not take it for another reason."""
    variables = rating_list.list_variables(message.language, message.body)
    if variables is None:
        raise _ListNotTaken("the text does not fit a list")
    client = None
    try:
        client = twilio_client(settings)
        return _hand_over(
            settings,
            to=to,
            from_=from_,
            content_sid=content_sid(client, rating_list.content_spec()),
            content_variables=json.dumps(variables, ensure_ascii=False),
        )
    except TwilioRestException as exc:
        if exc.code == OUTSIDE_WINDOW:
            raise _OutsideWindow from exc
        if client is not None:
            forget(client, rating_list.CONTENT_NAME)
        # the code only: Twilio's text names the resident's number
        raise _ListNotTaken(f"Twilio error {exc.code or exc.status}") from exc
    except (TwilioException, DeliveryError, OSError) as exc:
        raise _ListNotTaken(type(exc).__name__) from exc


class TwilioChannel:
    """SMS, or WhatsApp with `whatsapp`."""

    max_chars: int | None = MAX_CHARS

    def __init__(self, *, whatsapp: bool) -> None:
        self.whatsapp = whatsapp
        self.name: str = Channel.whatsapp if whatsapp else Channel.sms
        # WhatsApp sends a photo as media in the window, a link outside it; SMS has no MMS here:
        # the outbox puts the link in its text
        self.photos: bool = whatsapp

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        number = phone_number(message.address)
        if not self.whatsapp:
            from_ = _sms_from(settings)
            sid = _create(settings, to=number, from_=from_, body=message.body)
            return SendResult(provider_id=sid, path="sms")
        if in_whatsapp_window(message):
            try:
                return _inside_window(message, number, settings)
            except _OutsideWindow:
                pass  # Twilio knows better than our clock: go on as outside the window
        return _outside_window(message, number, settings)


def _inside_window(message: OutboundMessage, number: str, settings: Settings) -> SendResult:
    """Send within WhatsApp's window: the rating question as a list (its photo first), anything
    else, or a list Twilio would not take, as text (with its photo as media)."""
    to, from_ = on_whatsapp(number), _whatsapp_from(settings)
    if _asks_rating(message):
        if message.photo is not None:
            _create(settings, free_whatsapp=True, to=to, from_=from_, media_url=[message.photo.url])
            message = replace(message, photo=None)  # gone: the text does not carry it again
        try:
            sid = _send_rating_list(message, settings, to=to, from_=from_)
        except _ListNotTaken as exc:
            log.warning("a %s message goes as text, not as a list: %s", message.kind, exc)
        else:
            return SendResult(provider_id=sid, path=FREE_TEXT_PATH)
    media = {"media_url": [message.photo.url]} if message.photo is not None else {}
    sid = _create(settings, free_whatsapp=True, to=to, from_=from_, body=message.body, **media)
    return SendResult(provider_id=sid, path=FREE_TEXT_PATH)


def _outside_window(message: OutboundMessage, number: str, settings: Settings) -> SendResult:
    template_sid = _template_sid(message, settings)
    if template_sid and message.variables is not None:
        if message.variables.get(PART_KEY, "1") != "1":
            # the first part's template already carried the whole message
            return SendResult(provider_id="", path="whatsapp_template_included")
        sid = _create(
            settings,
            to=on_whatsapp(number),
            from_=_whatsapp_from(settings),
            content_sid=template_sid,
            content_variables=content_variables(message.kind, message.variables),
        )
        return SendResult(provider_id=sid, path="whatsapp_template")
    sid = _create(settings, to=number, from_=_sms_from(settings), body=with_photo_link(message))
    return SendResult(provider_id=sid, path="sms_fallback")
