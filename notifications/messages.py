"""A message as written, once: its body, its subject and the values it was made from.

The outbox stores all three on every row it writes for the message, and a channel takes what it
needs from the row (e-mail the subject, a WhatsApp template the values); nothing is rendered
again at delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import translator
from notifications.enums import MessageKind
from notifications.templates import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_SUBJECT,
    language_of,
    message_variables,
    render,
    subject,
)


@dataclass(frozen=True)
class Message:
    """One message before the outbox splits it for its channel."""

    kind: MessageKind
    language: str
    # the tracking code the message is about (a digest's date for a digest)
    reference: str
    body: str
    subject: str
    # for channels that send pre-approved templates instead of the text; None: free text only
    variables: dict[str, str] | None = None
    # the attachment of a photo that goes with the text (cases.proof); None: text only
    photo_id: int | None = None


def render_message(
    kind: MessageKind,
    language: str,
    *,
    code: str,
    track_url: str,
    agency: str | None = None,
    status: str | None = None,
    note: str | None = None,
    due: str | None = None,
    invite_details: bool = False,
    rate_url: str | None = None,
    mode: str | None = None,
    notice: str | None = None,
    photo_id: int | None = None,
    where: str | None = None,
    question: bool = False,
) -> Message:
    """The message of `kind` about case `code` to a citizen (see `templates.render`), with the
    attachment `photo_id` when a photo goes with it."""
    values = dict(
        code=code,
        track_url=track_url,
        agency=agency,
        status=status,
        note=note,
        due=due,
        where=where,
    )
    body = render(
        kind,
        language,
        invite_details=invite_details,
        rate_url=rate_url,
        mode=mode,
        notice=notice,
        question=question,
        **values,
    )
    return Message(
        kind=kind,
        language=language,
        reference=code,
        body=body,
        subject=subject(language, code, kind),
        variables=message_variables(language, **values),
        photo_id=photo_id,
    )


def written_message(kind: MessageKind, language: str, *, reference: str, body: str) -> Message:
    """A message whose body its writer composed (a digest, an escalation), with its kind's
    subject and no template values."""
    return Message(kind, language, reference, body, subject(language, reference, kind))


def announcement_message(
    language: str, *, reference: str, agency: str, text: str, until: str, map_url: str
) -> Message:
    """An agency's announcement to a resident of its area: `text` in the officer's words,
    `until` when it ends in `language` ("sampai 18:00"), `map_url` the public map. Its values
    are stored for a WhatsApp template (kind `announcement`)."""
    t = translator(language_of(language))
    values = {"agency": agency, "text": text.strip(), "until": until, "map_url": map_url}
    sentence = values["text"] if values["text"][-1:] in (".", "!", "?") else values["text"] + "."
    return Message(
        kind=MessageKind.announcement,
        language=language,
        reference=reference,
        body=t.gettext(ANNOUNCEMENT, **values | {"text": sentence}),
        subject=t.gettext(ANNOUNCEMENT_SUBJECT, agency=agency),
        variables=values,
    )
