"""What Twilio's form post of an inbound message must hold before the webhook acts on it.

The post is signed, so a malformed one comes from Twilio itself (a change on its side) or from
someone holding our auth token; either way it is not a resident's message to file. Each field
the webhook reads is checked here: the sender is a phone number, the message has a SID, a
pressed button's payload or a tapped list item's id is one of our choices' answers, the media
count is Twilio's (0 to 10)
with a URL for each file, a location is two numbers in range, and no text holds what no
database stores (core.text).
"""

from __future__ import annotations

import math
import re

from starlette.datastructures import FormData

from core.text import UNSTORABLE_REASON, storable
from intake.chat_text import NOT_FIXED_REPLY

MAX_MEDIA = 10  # Twilio's own maximum per message
_SENDER = re.compile(r"(?:whatsapp:)?\+[1-9]\d{6,14}")  # E.164, WhatsApp's with its prefix
SID = re.compile(r"[A-Za-z0-9]{2,64}")
# the ids of our quick replies (the choices' numbers) and of the rating list's items (a rating,
# or the word that says "not fixed")
_CHOICE = re.compile(rf"\d{{1,2}}|{re.escape(NOT_FIXED_REPLY)}")
# the fields Twilio puts a pressed button's or a tapped list item's id in
CHOICE_FIELDS = ("ButtonPayload", "ListId")
_COUNT = re.compile(r"\d{1,2}")
_MEDIA_URL = re.compile(r"https?://\S{1,2040}")
# the longest each free text may be: a WhatsApp profile name, a shared place's name and
# address; Body is as long as the form allows
MAX_CHARS = {"ProfileName": 200, "Address": 500, "Label": 500}
MAX_CONTENT_TYPE = 255


def field(form: FormData, name: str) -> str:
    """A field's value, stripped; "" when it is missing or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def media_count(form: FormData) -> int:
    """NumMedia of a form `form_problem` found no fault with."""
    return int(field(form, "NumMedia") or 0)


def _location_problem(form: FormData) -> str | None:
    latitude, longitude = field(form, "Latitude"), field(form, "Longitude")
    if not latitude and not longitude:
        return None
    try:
        values = float(latitude), float(longitude)
    except ValueError:
        return "Latitude and Longitude must both be numbers"
    if not all(math.isfinite(value) for value in values):
        return "Latitude and Longitude must be finite"
    if not (-90 <= values[0] <= 90 and -180 <= values[1] <= 180):
        return "Latitude or Longitude is out of range"
    return None


def _media_problem(form: FormData) -> str | None:
    raw = field(form, "NumMedia") or "0"
    if not _COUNT.fullmatch(raw) or int(raw) > MAX_MEDIA:
        return f"NumMedia must be a whole number from 0 to {MAX_MEDIA}"
    for index in range(int(raw)):
        if not _MEDIA_URL.fullmatch(field(form, f"MediaUrl{index}")):
            return f"MediaUrl{index} must be an http(s) URL"
        if len(field(form, f"MediaContentType{index}")) > MAX_CONTENT_TYPE:
            return f"MediaContentType{index} is too long"
    return None


def all_storable(form: FormData) -> bool:
    """No field name or value of `form` holds what no database stores (core.text)."""
    return all(
        storable(name) and (not isinstance(value, str) or storable(value))
        for name, value in form.multi_items()
    )


def form_problem(form: FormData) -> str | None:
    """Why `form` is no inbound message the webhook can act on, or None.

    The reason names fields, never their values: it is logged, and a value may be a resident's
    number or words.
    """
    if not all_storable(form):
        return f"a field {UNSTORABLE_REASON}"
    if not _SENDER.fullmatch(field(form, "From")):
        return "From must be a phone number (E.164, or whatsapp: and one)"
    if not SID.fullmatch(field(form, "MessageSid") or field(form, "SmsSid")):
        return "MessageSid must be a Twilio SID"
    for name in CHOICE_FIELDS:
        payload = field(form, name)
        if payload and not _CHOICE.fullmatch(payload):
            return f"{name} must be the answer of one of our choices"
    for name, limit in MAX_CHARS.items():
        if len(field(form, name)) > limit:
            return f"{name} is longer than {limit} characters"
    return _location_problem(form) or _media_problem(form)
