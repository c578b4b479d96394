"""Photos a web form brings with its complaint: checked as chat media are, all or none stored.

Every file is checked (type from its bytes, MEDIA_MAX_BYTES, MEDIA_ALLOWED_TYPES: core.media)
before any is stored, so a form with one bad photo comes back naming it and stores nothing. A
form sent again with the same token (a double tap) stores its photos once: a repeat finds its
case before storing, and one that loses a race to store the case deletes what it stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlmodel import Session

from core.media import MediaRejected, StoredMedia, check_media, store_media
from core.settings import Settings
from core.storage import get_storage
from intake.messages import InboundMessage
from intake.service import IntakeResult, filed_before, receive

log = logging.getLogger(__name__)

# as many files as one WhatsApp message may bring (Twilio's maximum)
MAX_PHOTOS = 10


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class UploadProblem:
    """Why one file (by the name the browser gave it) cannot be taken."""

    filename: str
    reason: str  # "empty", "too_large", "unsupported_type", "not_photo"


class UploadsRejected(ValueError):
    """Some files cannot be taken (each named with its reason), or there are too many."""

    def __init__(self, problems: list[UploadProblem], too_many: bool = False) -> None:
        super().__init__(f"{len(problems)} files refused" if problems else "too many files")
        self.problems, self.too_many = problems, too_many


def check_uploads(settings: Settings, uploads: list[Upload]) -> None:
    """UploadsRejected naming every file that is not a photo we may store, or when there are
    more than MAX_PHOTOS."""
    if len(uploads) > MAX_PHOTOS:
        raise UploadsRejected([], too_many=True)
    problems: list[UploadProblem] = []
    for upload in uploads:
        name = upload.filename or "?"
        try:
            check_media(settings, upload.data, upload.content_type, photos_only=True)
        except MediaRejected as exc:
            problems.append(UploadProblem(name, exc.reason))
    if problems:
        raise UploadsRejected(problems)


def receive_with_photos(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    uploads: list[Upload],
    *,
    sender: str | None,
    client: str | None,
) -> IntakeResult:
    """File `message` with `uploads` as its attachments (intake.service.receive, which may
    raise IntakeError or IntakeLimited); UploadsRejected, storing nothing, when a file cannot
    be taken. A repeat of a form already filed stores no file again."""
    check_uploads(settings, uploads)
    if uploads and (case := filed_before(session, message)) is not None:
        return IntakeResult(case, created=False)
    stored = [store_media(settings, u.data, u.content_type, u.filename) for u in uploads]
    try:
        result = receive(
            session, settings, replace(message, media=tuple(stored)), sender=sender, client=client
        )
    except Exception:
        _discard(settings, stored)
        raise
    if not result.created:  # another request with this form's token filed it first
        _discard(settings, stored)
    return result


def _discard(settings: Settings, stored: list[StoredMedia]) -> None:
    storage = get_storage(settings)
    for item in stored:
        try:
            storage.delete(item.storage_key)
        except Exception as exc:  # a disk's or a bucket's: an orphan costs space, not correctness
            log.warning("could not delete an unused upload: %s", exc)
