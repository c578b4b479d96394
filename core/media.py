"""The rules for files residents and officers hand us: what we accept and where it goes.

A channel or a form hands us bytes with a content type the sender's app chose; a file named
`foto.jpg` may be anything. The bytes decide what is stored, so officers never download an
executable or a web page labelled as a photo. (Fetching a file from a chat channel is
intake/media.py.)
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from typing import Literal

import filetype

from core.settings import Settings
from core.storage import get_storage

FILENAME_MAX = 255  # the attachments.filename column
_UNSAFE_FILENAME_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StoredMedia:
    """A file already saved through the media storage."""

    content_type: str
    storage_key: str
    size: int
    filename: str | None = None


class MediaRejected(ValueError):
    """The file cannot be accepted; the message is safe to show the sender."""

    def __init__(
        self, reason: Literal["too_large", "unsupported_type", "empty", "not_photo"], message: str
    ):
        super().__init__(message)
        self.reason = reason


def too_large(settings: Settings) -> MediaRejected:
    """The refusal of a file over MEDIA_MAX_BYTES."""
    limit_mib = settings.media_max_bytes / (1024 * 1024)
    return MediaRejected("too_large", f"the file is larger than the limit of {limit_mib:g} MiB")


def bare_type(content_type: str | None) -> str | None:
    """`image/jpeg; name=x.jpg` -> `image/jpeg`; blank -> None."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    return bare or None


def _clean_filename(filename: str | None) -> str | None:
    """Keep the sender's name for officers, minus any path and control characters."""
    if filename is None:
        return None
    name = _UNSAFE_FILENAME_CHARS.sub("", re.split(r"[/\\]", filename)[-1]).strip()
    return name[:FILENAME_MAX] or None


def _real_type(data: bytes, declared: str | None, allowed: list[str]) -> tuple[str, str]:
    """The content type and file suffix the bytes show, checked against the allowed types.

    The declared type is used only for types the detector has no signature for (an operator may
    allow such types); for a type it knows, bytes without that signature are not that type.
    """
    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime not in allowed:
            raise MediaRejected("unsupported_type", f"files of type {kind.mime} are not accepted")
        return kind.mime, f".{kind.extension}"
    if declared in allowed and filetype.get_type(mime=declared) is None:
        return declared, mimetypes.guess_extension(declared) or ""
    accepted = ", ".join(allowed)
    raise MediaRejected("unsupported_type", f"the file is not of an accepted type ({accepted})")


def check_media(
    settings: Settings, data: bytes, content_type: str | None, *, photos_only: bool = False
) -> tuple[str, str]:
    """The content type and file suffix of a file that may be stored; MediaRejected (empty, too
    large, or of a type not allowed, as its bytes show) otherwise. With `photos_only` an allowed
    file that is not an image is refused too, as `not_photo` (an officer's after-photo, a web
    form's photos)."""
    if not data:
        raise MediaRejected("empty", "the file is empty")
    if len(data) > settings.media_max_bytes:
        raise too_large(settings)
    real_type, suffix = _real_type(data, bare_type(content_type), settings.media_allowed_types)
    if photos_only and not real_type.startswith("image/"):
        raise MediaRejected("not_photo", f"a {real_type} file is not a photo")
    return real_type, suffix


def store_media(
    settings: Settings,
    data: bytes,
    content_type: str | None,
    filename: str | None = None,
    *,
    photos_only: bool = False,
) -> StoredMedia:
    """Check a file (as `check_media`) and save it through the configured storage."""
    real_type, suffix = check_media(settings, data, content_type, photos_only=photos_only)
    key = get_storage(settings).save(data, content_type=real_type, suffix=suffix)
    return StoredMedia(
        content_type=real_type, storage_key=key, size=len(data), filename=_clean_filename(filename)
    )
