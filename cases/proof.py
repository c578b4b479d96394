"""Proof of fix: the after-photo an officer attaches when resolving a case.

A category of the catalogue can require one (`proof_required`): such a case is not resolved
without it. The photo is an attachment marked `proof`; the resolution message to the reporter
and the followers refers to it (`tell_citizen`), and each channel delivers it as it can.
"""

from __future__ import annotations

import logging
from typing import BinaryIO

from sqlmodel import Session

from cases.errors import CaseError, Refusal
from cases.models import Attachment, Case
from core.media import StoredMedia, store_media
from core.settings import Settings
from core.storage import MediaNotFound, get_storage
from notifications.photos import photo_id
from routing.models import Category

log = logging.getLogger(__name__)


class ProofRefused(CaseError):
    """A resolve without the photo its category requires."""

    status_code = 422


def proof_required(session: Session, case: Case) -> bool:
    """Whether `case`'s category says it is resolved only with an after-photo."""
    category = session.get(Category, case.category_id) if case.category_id else None
    return category is not None and category.proof_required


def check_proof(session: Session, case: Case, photo: StoredMedia | None) -> None:
    """Refuse resolving `case` without a photo when its category requires one."""
    if photo is None and proof_required(session, case):
        category = session.get(Category, case.category_id)
        raise ProofRefused(
            f"category '{category.code}' is resolved only with an after-photo: "
            "attach one (multipart field 'photo')",
            Refusal.proof_required,
            category=category.code,
        )


def store_upload(
    settings: Settings, file: BinaryIO, content_type: str | None, filename: str | None
) -> StoredMedia | None:
    """Check and store an uploaded after-photo, with the rules of residents' photos (the bytes
    decide the type, MEDIA_MAX_BYTES the size); None when the form sent no file. Raises
    core.media.MediaRejected with a reason safe to show.
    """
    data = file.read(settings.media_max_bytes + 1)
    if not data and not filename:  # a form whose file field was left empty
        return None
    return store_media(settings, data, content_type, filename, photos_only=True)


def attach_proof(session: Session, case: Case, photo: StoredMedia) -> int:
    """Record the stored after-photo on `case`; returns its attachment id."""
    attachment = Attachment(
        case_id=case.id,
        content_type=photo.content_type,
        filename=photo.filename,
        size=photo.size,
        storage_key=photo.storage_key,
        proof=True,
    )
    session.add(attachment)
    session.flush()
    return attachment.id


class PhotoRemoved(LookupError):
    """The photo's file was deleted when the case's retention period ended."""


def photo_by_link(session: Session, settings: Settings, token: str) -> tuple[bytes, str]:
    """The bytes and type of the after-photo a signed link (`notifications.photos`) names.

    Raises LookupError for a token we did not sign, an attachment that is not an after-photo
    (a resident's own files are never served so), or a file missing from storage, and
    PhotoRemoved when retention deleted it.
    """
    attachment_id = photo_id(settings, token)
    attachment = session.get(Attachment, attachment_id) if attachment_id is not None else None
    if attachment is None or not attachment.proof:
        raise LookupError("no such photo")
    if attachment.removed_at is not None:
        raise PhotoRemoved(attachment.id)
    try:
        data = get_storage(settings).read(attachment.storage_key)
    except MediaNotFound:
        log.error("after-photo %s: file missing from storage", attachment.id)
        raise LookupError("no such photo") from None
    return data, attachment.content_type
