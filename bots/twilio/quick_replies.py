"""WhatsApp quick-reply buttons for a webhook answer's numbered choices (Twilio's Content API).

A webhook answer replies to a message the resident has just sent, so WhatsApp's 24-hour window
is open and a quick reply needs no approval. What Twilio documents
(https://www.twilio.com/docs/content/twilio-quick-reply, .../using-variables-with-content-api):
the `twilio/quick-reply` type takes variables in its `body` (at most 1,024 characters) and in
its `actions` (each a `title` and an `id`); sent in session on WhatsApp without approval it may
hold three buttons at most; variables need a sample value when the content is made. WhatsApp's
own reply buttons hold a title of at most 20 characters, unique within the message.

So there is one content per number of buttons (1 to 3), made once per account and found again
by its friendly name after a restart (`bots.twilio.contents`): its body and titles are all
variables, its ids fixed "1", "2", "3". A pressed button arrives as ButtonPayload "n", exactly
the number the reply's text asks the resident to type. A title longer than 20 characters is
cut with "…" (the text lists the choice in full).

The quick reply is sent through the REST API instead of TwiML, so the replies before it go the
same way, in order; the replies after it stay in the TwiML answer. Whenever Twilio refuses (or
cannot be reached), that reply and the rest go in the TwiML answer as numbered text, complete
on its own. Twilio takes a message before WhatsApp delivers it, so a delivery failure reported
later is not caught; the contents are made to WhatsApp's limits for that reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from bots.twilio.client import twilio_client
from bots.twilio.contents import content_sid, forget
from core.settings import Settings
from intake.chat import ChatReply
from notifications.channels import DeliveryError

log = logging.getLogger(__name__)

MAX_BUTTONS = 3  # in session, without approval
TITLE_MAX = 20
BODY_MAX = 1024
CONTENT_NAME = "aduan_choices_{count}_v1"  # a new shape needs a new name
SAMPLE_BODY = "Ini aduan baru? Balas 1 = aduan baru, 2 = tambahan untuk aduan HBPS-SX30"
SAMPLE_TITLES = ("Aduan baru", "Tambahan", "Batal")


class QuickReplyFailed(Exception):
    """Twilio did not take a message; the reason names no resident."""


def _title(label: str) -> str:
    title = " ".join(label.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def quick_reply_variables(reply: ChatReply) -> dict[str, str] | None:
    """The content variables showing `reply` with buttons ({{1}} the text, {{2}}... the
    titles), or None when WhatsApp could not show it so (no or too many choices, a text too
    long, a blank title, two titles alike)."""
    if not 1 <= len(reply.choices) <= MAX_BUTTONS or len(reply.text) > BODY_MAX:
        return None
    titles = [_title(label) for label in reply.choices]
    if not all(titles) or len(set(titles)) < len(titles):
        return None
    return {"1": reply.text, **{str(n): title for n, title in enumerate(titles, start=2)}}


def _content_spec(count: int) -> ContentList.ContentCreateRequest:
    actions = [
        {"type": "QUICK_REPLY", "id": str(n), "title": f"{{{{{n + 1}}}}}"}
        for n in range(1, count + 1)
    ]
    samples = {"1": SAMPLE_BODY, **{str(n + 1): SAMPLE_TITLES[n - 1] for n in range(1, count + 1)}}
    return ContentList.ContentCreateRequest(
        {
            "friendly_name": CONTENT_NAME.format(count=count),
            # every word is a variable: the one content serves replies in either language
            "language": "id",
            "variables": samples,
            "types": {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}},
        }
    )


def _send(settings: Settings, reply: ChatReply, *, to: str, from_: str) -> None:
    variables = quick_reply_variables(reply)
    client: Client | None = None
    try:
        client = twilio_client(settings)
        if variables is None:
            client.messages.create(to=to, from_=from_, body=reply.text)
            return
        client.messages.create(
            to=to,
            from_=from_,
            content_sid=content_sid(client, _content_spec(len(reply.choices))),
            content_variables=json.dumps(variables, ensure_ascii=False),
        )
    except TwilioRestException as exc:
        if client is not None and variables is not None:
            forget(client, CONTENT_NAME.format(count=len(reply.choices)))
        raise QuickReplyFailed(f"Twilio error {exc.code or exc.status}") from exc
    except (TwilioException, DeliveryError, OSError) as exc:
        raise QuickReplyFailed(type(exc).__name__) from exc


def send_ahead(
    settings: Settings, replies: Sequence[ChatReply], *, to: str, from_: str, about: str
) -> list[ChatReply]:
    """Send by the REST API, in order, every reply up to the last one WhatsApp can show with
    buttons, that one with them; returns the replies left for the TwiML answer (all of them
    when none has buttons to show, the failed one and those after it when Twilio refuses).
    `about` names the inbound message in the log."""
    showable = [i for i, reply in enumerate(replies) if quick_reply_variables(reply) is not None]
    if not showable:
        return list(replies)
    last = showable[-1]
    for index, reply in enumerate(replies[: last + 1]):
        try:
            _send(settings, reply, to=to, from_=from_)
        except QuickReplyFailed as exc:
            log.warning("reply to %s goes as numbered text: %s", about, exc)
            return list(replies[index:])
    return list(replies[last + 1 :])
