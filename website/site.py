"""Whose service the public pages are, and what the form offers: read once from the settings."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from core.settings import LOGO_TYPES, Settings
from intake.uploads import MAX_PHOTOS

SHIPPED_LOGO = Path(__file__).parent / "static" / "logo.svg"
# what the form's text fields may take of a request, besides its photos
FORM_ROOM = 64 * 1024


@dataclass(frozen=True)
class Site:
    """What every public page shows about the city, and the form's map and channels."""

    city_name: str
    hotline: str | None
    # the form offers updates on Telegram (TELEGRAM_BOT_USERNAME is set)
    telegram: bool
    map_tiles: str
    # Leaflet puts the attribution into the page as HTML: it goes as text, so an entity such
    # as &copy; shows as its character and markup in the setting is shown, never run
    map_attribution: str
    map_lat: str
    map_lon: str
    contact_retention_days: int
    media_retention_days: int
    # the largest photo, and the most all of a form's photos may weigh (MAX_REQUEST_BYTES less
    # room for the rest of the form): the browser says so before sending, in megabytes
    photo_max_bytes: int
    photos_max_bytes: int
    photos_max: int = MAX_PHOTOS


def site(settings: Settings) -> Site:
    lat, lon = settings.map_center
    return Site(
        city_name=settings.city_name,
        hotline=settings.city_hotline,
        telegram=settings.telegram_bot_username is not None,
        map_tiles=settings.map_tile_url,
        map_attribution=html.escape(html.unescape(settings.map_attribution)),
        map_lat=f"{lat:.6f}",
        map_lon=f"{lon:.6f}",
        contact_retention_days=settings.contact_retention_days,
        media_retention_days=settings.media_retention_days,
        photo_max_bytes=settings.media_max_bytes,
        photos_max_bytes=max(0, (settings.max_request_bytes or 0) - FORM_ROOM),
    )


def logo(settings: Settings) -> tuple[Path, str]:
    """The city's logo file (CITY_LOGO, else the shipped one) and its content type."""
    path = settings.city_logo or SHIPPED_LOGO
    return path, LOGO_TYPES[path.suffix.lower()]
