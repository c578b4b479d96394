"""Photos that go with a message: an outbox row names an attachment (`attachment_id`); here it
becomes the `OutboundPhoto` a channel sends, and the signed link anyone holding it may open.

The link is what a provider fetches (Twilio takes a `media_url`, never bytes) and what a
channel without photos puts in the text instead: `PUBLIC_BASE_URL/media/photos/<token>`, the
token the attachment's id signed with `SECRET_KEY`, so it cannot be guessed or changed into
another file's. The attachments table is named here as a table, not imported as the cases'
model: this domain stands below cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from core.i18n import N_, translator
from core.settings import Settings
from core.storage import get_storage
from notifications.channels import OutboundMessage, OutboundPhoto

PHOTO_PATH = "/media/photos/"
# after the text of a channel that cannot carry the photo itself
PHOTO_LINK = N_("Foto: %(url)s")

_ATTACHMENTS = sa.table(
    "attachments",
    sa.column("id", sa.Integer),
    sa.column("content_type", sa.String),
    sa.column("storage_key", sa.String),
    sa.column("removed_at", sa.DateTime),
)


def _signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="aduan.photo")


def photo_url(settings: Settings, attachment_id: int) -> str:
    """The absolute, signed address of attachment `attachment_id`'s photo."""
    return f"{settings.public_base_url}{PHOTO_PATH}{_signer(settings).dumps(attachment_id)}"


def photo_id(settings: Settings, token: str) -> int | None:
    """The attachment id a photo token was signed for; None for a token we did not sign."""
    try:
        value = _signer(settings).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def outbound_photos(
    session: Session, settings: Settings, attachment_ids: Iterable[int | None]
) -> dict[int, OutboundPhoto]:
    """The photos of the attachments among `attachment_ids` whose files are still kept (one
    removed by retention sends nothing, and the text goes alone)."""
    wanted = sorted({i for i in attachment_ids if i is not None})
    if not wanted:
        return {}
    rows = session.connection().execute(
        sa.select(_ATTACHMENTS).where(
            _ATTACHMENTS.c.id.in_(wanted), _ATTACHMENTS.c.removed_at.is_(None)
        )
    )
    storage = get_storage(settings)
    return {
        row.id: OutboundPhoto(
            url=photo_url(settings, row.id),
            content_type=row.content_type,
            read=partial(storage.read, row.storage_key),
        )
        for row in rows
    }


def with_photo_link(message: OutboundMessage) -> str:
    """The message's text followed by the link to its photo (the text alone without one)."""
    if message.photo is None:
        return message.body
    link = translator(message.language).gettext(PHOTO_LINK, url=message.photo.url)
    return f"{message.body}\n{link}"
