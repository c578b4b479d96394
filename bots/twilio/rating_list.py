"""The rating request on WhatsApp as a list the resident taps (Twilio's `twilio/list-picker`).

Why a list and not quick-reply buttons: a quick reply in session holds three buttons, and the
request has six answers (1 to 5, and "not fixed"); three buttons would drop ratings or make
the resident type some of them after all. What Twilio documents for the list
(https://www.twilio.com/docs/content/twiliolist-picker): sent only inside a session (the
24-hour window), never approved as a template; a body of at most 1,024 characters, a button
opening the list, 1 to 10 items, each an `item` (at most 24 characters), an `id` (at most 200,
not shown) and a `description` (at most 72). Every field takes variables.

So one content for every case and both languages, made once per account and found again by
its friendly name after a restart (`bots.twilio.contents`): the body, the button and every
title and description are variables; the ids are fixed, each the answer the request asks the
resident to type ("5" ... "1", and `NOT_FIXED_REPLY`). Twilio posts a tapped item's id as
`ListId`, which the webhook reads as that typed answer, so a tap rates or reopens the case
exactly as typing does. The wording is the catalogue's (intake/chat_text.py), worded to fit
the limits in both languages (a test checks it).
"""

from __future__ import annotations

from twilio.rest.content.v1.content import ContentList

from intake.chat_text import (
    NOT_FIXED_DESCRIPTION,
    NOT_FIXED_REPLY,
    RATING_DESCRIPTION,
    RATING_LIST_BUTTON,
    RATING_NOT_FIXED,
    RATING_TITLES,
    say,
)

CONTENT_NAME = "aduan_rating_list_v1"  # a new shape needs a new name
BODY_MAX = 1024
# the items' ids, top to bottom: the answers the request asks the resident to type
ITEM_IDS = (*(str(rating) for rating in sorted(RATING_TITLES, reverse=True)), NOT_FIXED_REPLY)
SAMPLE_BODY = (
    "Aduan HBPS-SX30: selesai ditangani. Catatan petugas: Lubang sudah ditambal. "
    "Nilai penanganannya: balas angka 1 (buruk) s.d. 5 (baik). Belum beres? Balas BELUM."
)


def _title_variable(index: int) -> str:
    return str(3 + index)


def _description_variable(index: int) -> str:
    return str(3 + len(ITEM_IDS) + index)


def _variables(language: str, body: str) -> dict[str, str]:
    titles = [say(language, RATING_TITLES[int(rating)]) for rating in ITEM_IDS[:-1]]
    descriptions = [say(language, RATING_DESCRIPTION, rating=rating) for rating in ITEM_IDS[:-1]]
    titles.append(say(language, RATING_NOT_FIXED))
    descriptions.append(say(language, NOT_FIXED_DESCRIPTION))
    return {
        "1": body,
        "2": say(language, RATING_LIST_BUTTON),
        **{_title_variable(i): title for i, title in enumerate(titles)},
        **{_description_variable(i): text for i, text in enumerate(descriptions)},
    }


def list_variables(language: str, body: str) -> dict[str, str] | None:
    """The content variables showing `body` with the list in `language` ({{1}} the body, {{2}}
    the button, then the titles, then the descriptions), or None when WhatsApp could not show
    the body in a list (empty or too long)."""
    if not body.strip() or len(body) > BODY_MAX:
        return None
    return _variables(language, body)


def content_spec() -> ContentList.ContentCreateRequest:
    """The list-picker content, its samples the Indonesian wording."""
    items = [
        {
            "id": item_id,
            "item": f"{{{{{_title_variable(i)}}}}}",
            "description": f"{{{{{_description_variable(i)}}}}}",
        }
        for i, item_id in enumerate(ITEM_IDS)
    ]
    return ContentList.ContentCreateRequest(
        {
            "friendly_name": CONTENT_NAME,
            # every word is a variable: the one content serves either language
            "language": "id",
            "variables": _variables("id", SAMPLE_BODY),
            "types": {"twilio/list-picker": {"body": "{{1}}", "button": "{{2}}", "items": items}},
        }
    )
