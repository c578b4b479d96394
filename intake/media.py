"""Fetching a resident's file from a chat channel (the rules for what is accepted and stored:
core/media.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from core.media import bare_type, too_large
from core.settings import Settings


class MediaDownloadError(Exception):
    """The file could not be fetched from the channel (network error or an error answer)."""


def download_media(
    url: str,
    settings: Settings,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 20.0,
) -> tuple[bytes, str | None]:
    """Fetch a channel's media file; returns the bytes and the bare Content-Type header.

    Redirects are followed (Twilio answers 307 to its CDN; httpx drops the credentials when the
    redirect leaves the origin). The download stops as soon as it passes `media_max_bytes`, so a
    huge file costs neither memory nor the rest of the transfer. Error messages name the host
    only: Telegram file URLs carry the bot token in their path.
    """
    try:
        with (
            httpx.Client(auth=auth, timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if not response.is_success:
                raise MediaDownloadError(
                    f"media download from {response.url.host} failed: "
                    f"HTTP {response.status_code} {response.reason_phrase}"
                )
            declared_length = response.headers.get("content-length", "")
            if declared_length.isdigit() and int(declared_length) > settings.media_max_bytes:
                raise too_large(settings)
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > settings.media_max_bytes:
                    raise too_large(settings)
                chunks.append(chunk)
            return b"".join(chunks), bare_type(response.headers.get("content-type"))
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise MediaDownloadError(
            f"media download from {urlsplit(url).hostname} failed: {type(exc).__name__}: {exc}"
        ) from exc
